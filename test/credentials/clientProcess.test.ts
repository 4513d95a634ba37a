// Another tool's credential_process runs in keyfob's client, never in the daemon: in the working
// directory of the client that needed it, only when its link needs refreshing, once for 20
// concurrent cold callers; through credential_process (the sh front), keyfob exec, and assume in
// bash through the Node backend. The daemon sits in / and starts no process at all.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IAM_USER, defaultFixture, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { daemonPid, watchChildren } from '../helpers/daemonChildren.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, keyfobHome, runCommand, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';

const USER_ARN = `arn:aws:iam::${DEMO_IAM_USER.accountId}:user/${DEMO_IAM_USER.name}`;
const CI_READER = 'arn:aws:iam::210987654321:role/CiReader';

/** The tool: logs "NAME DIR" per run, prints the IAM user's keys (with an Expiration `$2` seconds away, when given). */
const TOOL = `#!/bin/sh
printf '%s %s\\n' "$1" "$PWD" >> "$RUNS"
if [ -n "$2" ]; then
  printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "Expiration": "%s"}\\n' "${DEMO_IAM_USER.accessKeyId}" "${DEMO_IAM_USER.secretAccessKey}" "$(date -u -d "+$2 seconds" +%Y-%m-%dT%H:%M:%SZ)"
else
  printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\\n' "${DEMO_IAM_USER.accessKeyId}" "${DEMO_IAM_USER.secretAccessKey}"
fi
`;

/** A relative helper, as people keep them beside a project: `./kfhelper/creds.sh`. */
const helper = (mark: string, keyId: string) => `#!/bin/sh
printf '%s\\n' "${mark}" >> "$RUNS"
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\\n' "${keyId}" "${DEMO_IAM_USER.secretAccessKey}"
`;

describe("another tool's credential_process runs in the client", () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let out: string;
  let env: Record<string, string>;
  const runs = () => (existsSync(join(out, 'runs')) ? readFileSync(join(out, 'runs'), 'utf8').trim().split('\n') : []);
  const runsOf = (name: string) => runs().filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
  const dir = (name: string) => {
    const path = join(out, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const credentialProcess = (profile: string, cwd: string) => runCommand(KEYFOB_COMMAND, ['credential-process', '--profile', profile], env, { cwd, timeoutMs: 60_000 });

  beforeAll(async () => {
    const fixture = defaultFixture();
    fixture.iamRoles!.push({ accountId: '210987654321', name: 'CiReader', trust: [{ principals: [USER_ARN] }] });
    emulator = await startTestEmulator({ autoApprove: true, fixture });
    home = keyfobHome(emulator);
    out = mkdtempSync(join(tmpdir(), 'kf-client-process-'));
    chmodSync(out, 0o700);
    const tool = join(out, 'tool.sh');
    writeFileSync(tool, TOOL, { mode: 0o700 });
    let config = '';
    for (const name of ['a', 'exec', 'bash', 'many', 'short']) {
      config += `\n[profile tool-${name}]\ncredential_process = /bin/sh ${tool} ${name}${name === 'short' ? ' 2' : ''}\n`;
      config += `\n[profile chain-${name}]\nrole_arn = ${CI_READER}\nsource_profile = tool-${name}\nrole_session_name = client\n`;
    }
    config += '\n[profile relative]\ncredential_process = ./kfhelper/creds.sh\n';
    appendFileSync(home.configFile, config);
    env = { ...home.env, RUNS: join(out, 'runs') };
  }, 120_000);

  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('credential_process: a cold chain runs the tool once, in the caller\'s directory; the warm chain runs nothing; the daemon sits in / with no child', async () => {
    const first = await credentialProcess('chain-a', dir('first'));
    expect(first.code, first.stderr).toBe(0);
    const answer = JSON.parse(first.stdout) as { AccessKeyId: string; SessionToken?: string };
    expect(answer.AccessKeyId).toMatch(/^ASIA/);
    expect(answer.SessionToken).toBeTruthy();
    expect(runsOf('a')).toEqual([join(out, 'first')]);
    const pid = daemonPid(env.KEYFOB_HOME!);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
    const watch = watchChildren(pid);
    const warm = await credentialProcess('chain-a', dir('second'));
    expect(warm.code, warm.stderr).toBe(0);
    expect(JSON.parse(warm.stdout)).toEqual(answer);
    expect(runsOf('a')).toHaveLength(1);
    expect(watch.stop()).toEqual([]);
  }, 120_000);

  it("a relative credential_process resolves against the client's directory, not the daemon's", async () => {
    // The daemon was started from first/: a helper there (a shared directory's) must not run.
    const started = join(out, 'first', 'kfhelper');
    mkdirSync(started, { recursive: true });
    writeFileSync(join(started, 'creds.sh'), helper('daemon-dir', 'AKIASHAREDDIRECTORY1'), { mode: 0o755 });
    const project = join(dir('project'), 'kfhelper');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'creds.sh'), helper('project', DEMO_IAM_USER.accessKeyId), { mode: 0o755 });
    const res = await credentialProcess('relative', join(out, 'project'));
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).AccessKeyId).toBe(DEMO_IAM_USER.accessKeyId);
    expect(runs()).toContain('project');
    expect(runs()).not.toContain('daemon-dir');
  }, 60_000);

  it('keyfob exec runs the tool in its own directory and hands the role to the command', async () => {
    const res = await runKeyfob(['exec', 'chain-exec', '--', '/bin/sh', '-c', 'printf %s "$AWS_ACCESS_KEY_ID"'], env, 60_000, dir('exec'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^ASIA/);
    expect(runsOf('exec')).toEqual([join(out, 'exec')]);
  }, 60_000);

  it('assume in bash (the Node backend) runs the tool in the shell\'s directory and exports the role', async () => {
    const script = `eval "$("$KEYFOB" shell-init bash)"\nassume chain-bash >/dev/null 2>&1 || exit 3\nprintf %s "$AWS_ACCESS_KEY_ID"\n`;
    const res = await runCommand('/bin/bash', ['--norc', '--noprofile', '-c', script], { ...env, KEYFOB: KEYFOB_BIN, KEYFOB_FAST_PATH: 'off' }, { cwd: dir('bash'), timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^ASIA/);
    expect(runsOf('bash')).toEqual([join(out, 'bash')]);
  }, 60_000);

  it('20 concurrent cold callers run the tool once and all get the role', async () => {
    const cwd = dir('many');
    const results = await Promise.all(Array.from({ length: 20 }, () => credentialProcess('chain-many', cwd)));
    for (const res of results) expect(res.code, res.stderr).toBe(0);
    expect(new Set(results.map((res) => JSON.parse(res.stdout).AccessKeyId)).size).toBe(1);
    expect(runsOf('many')).toEqual([cwd]);
  }, 120_000);

  it("the tool runs again only when its own link needs refreshing, not while the chain on it is warm", async () => {
    const cold = await credentialProcess('chain-short', dir('short-1'));
    expect(cold.code, cold.stderr).toBe(0);
    expect(runsOf('short')).toEqual([join(out, 'short-1')]);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the tool's keys said two seconds
    const warmChain = await credentialProcess('chain-short', dir('short-2'));
    expect(warmChain.code, warmChain.stderr).toBe(0);
    expect(runsOf('short')).toHaveLength(1);
    const stale = await credentialProcess('tool-short', dir('short-3'));
    expect(stale.code, stale.stderr).toBe(0);
    expect(runsOf('short')).toEqual([join(out, 'short-1'), join(out, 'short-3')]);
  }, 60_000);
});

// The default credential_process line is the fast one: `'/abs/keyfob' credential-process --profile
// 'NAME'` runs the sh front (bin/keyfob), which asks the daemon's socket with curl (and prints its
// refusals as the Node client would) and hands the rest to Node, with the same output and the same errors, under botocore's
// no-shell splitting (the AWS CLI) and the JS SDK's /bin/sh. Lines earlier keyfobs wrote are
// rewritten by the next populate.
import { fromProcess } from '@aws-sdk/credential-providers';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { shlexSplit } from '../../src/core/shellWords.js';
import { GENERATED_MARKER } from '../../src/populate/applyProfiles.js';
import { runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';
const SESSION = 'd-9067c0ffee';
const OLD_SCRIPT = join(dirname(dirname(KEYFOB_BIN)), 'shell', 'credential-process.sh');

describe('the default credential_process line', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let curlLog: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    // A curl on PATH that notes each call, so the test can tell which path answered.
    const bin = join(home.dir, 'bin');
    mkdirSync(bin);
    curlLog = join(home.dir, 'curl.log');
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\necho called >> '${curlLog}'\nexec /usr/bin/curl "$@"\n`, { mode: 0o755 });
    env = { ...home.env, PATH: `${bin}:${home.env.PATH}` };
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  const curlCalls = () => (existsSync(curlLog) ? readFileSync(curlLog, 'utf8').split('\n').length - 1 : 0);
  const lineOf = (text: string, profile: string) => parseConfig(text).getValue({ kind: 'profile', name: profile }, 'credential_process');
  const front = (args: string[], extra: Record<string, string> = {}) => runCommand(KEYFOB_COMMAND, args, { ...env, ...extra });

  it('names the sh front, and --fast-path (kept for old scripts) changes nothing', async () => {
    const before = readFileSync(home.configFile, 'utf8');
    expect(shlexSplit(lineOf(before, PROFILE)!)).toEqual([KEYFOB_COMMAND, 'credential-process', '--profile', PROFILE]);
    const again = await runKeyfob(['populate', '--fast-path'], home.env);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(home.configFile, 'utf8')).toBe(before);
    const remembered = JSON.parse(readFileSync(join(home.env.KEYFOB_HOME, 'populate.json'), 'utf8')).sessions[SESSION];
    expect(remembered).not.toHaveProperty('fastPath');
  });

  it('the next populate rewrites the lines earlier keyfobs wrote in its profiles, and only there', async () => {
    const current = lineOf(readFileSync(home.configFile, 'utf8'), PROFILE)!;
    const oldLines: Record<string, string> = {
      'Experiments/AdministratorAccess': `/bin/sh ${OLD_SCRIPT} Experiments/AdministratorAccess`,
      'Experiments/ReadOnlyAccess': `sh -c 'curl -sf --unix-socket /x/daemon.sock -G --data-urlencode '\\''profile=Experiments/ReadOnlyAccess'\\'' http://keyfob/v1/credentials 2>/dev/null || exec ${KEYFOB_BIN} credential-process --profile Experiments/ReadOnlyAccess'`,
      'Production/ReadOnlyAccess': `${KEYFOB_BIN} credential-process --profile Production/ReadOnlyAccess`,
    };
    let text = readFileSync(home.configFile, 'utf8');
    for (const [name, line] of Object.entries(oldLines)) {
      text = text.replace(`credential_process = ${lineOf(text, name)}\n`, `credential_process = ${line}\n`);
    }
    const mine = `[profile mine]\ncredential_process = /bin/sh ${OLD_SCRIPT} Experiments/AdministratorAccess\n`;
    writeFileSync(home.configFile, `${text}\n${mine}`);
    for (const [name, line] of Object.entries(oldLines)) expect(lineOf(readFileSync(home.configFile, 'utf8'), name)).toBe(line);

    // Until then the old fast-path line still answers: its script hands over to the front.
    const before = curlCalls();
    const old = await runCommand('/bin/sh', [OLD_SCRIPT, PROFILE], env);
    expect(old.code, old.stderr).toBe(0);
    expect(JSON.parse(old.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(curlCalls()).toBe(before + 1);

    const populate = await runKeyfob(['populate'], home.env);
    expect(populate.code, populate.stderr).toBe(0);
    expect(populate.stdout).toContain('3 updated');
    const after = readFileSync(home.configFile, 'utf8');
    for (const name of Object.keys(oldLines)) expect(lineOf(after, name)).toBe(current.replace(PROFILE, name));
    expect(after).toContain(mine); // no marker: the user's own, left as written
    expect(after).not.toContain(`${GENERATED_MARKER}\n[profile mine]`);
  });

  it('answers the AWS CLI (no shell) through curl, with the JSON the Node client prints', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const before = curlCalls();
    const exported = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE, '--format', 'process'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(curlCalls()).toBe(before + 1);
    const viaNode = JSON.parse((await runKeyfob(['credential-process', '--profile', PROFILE], env)).stdout);
    const cli = JSON.parse(exported.stdout);
    expect([cli.AccessKeyId, cli.SecretAccessKey, cli.SessionToken]).toEqual([viaNode.AccessKeyId, viaNode.SecretAccessKey, viaNode.SessionToken]);
    // What the front prints is byte for byte what the Node client prints.
    const direct = await front(['credential-process', '--profile', PROFILE]);
    expect(direct.stdout).toBe(`${JSON.stringify(viaNode)}\n`);
  });

  it('answers the JS SDK, which runs the line through /bin/sh', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const before = curlCalls();
      const creds = await fromProcess({ profile: PROFILE, filepath: env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: home.configFile })();
      expect(creds.accessKeyId).toMatch(/^ASIA/);
      expect(curlCalls()).toBe(before + 1);
    } finally {
      process.env = saved;
    }
  });

  it('prints a refusal exactly as the Node client does, without starting it', async () => {
    const viaNode = await runKeyfob(['credential-process', '--profile', 'Experiments/Nope'], env);
    expect(viaNode.code).toBe(1);
    expect(viaNode.stderr).toMatch(/^keyfob: .*Experiments\/Nope.*\n$/);
    const before = curlCalls();
    const viaFront = await front(['credential-process', '--profile', 'Experiments/Nope']);
    expect(curlCalls()).toBe(before + 1);
    expect(viaFront).toEqual(viaNode);
    // Anything but exactly `credential-process --profile NAME` is Node's from the start, and so is KEYFOB_FAST_PATH=off.
    for (const [args, extra] of [
      [['credential-process', '--profile', PROFILE, '--login'], {}],
      [['credential-process', `--profile=${PROFILE}`], {}],
      [['credential-process', '--profile', PROFILE], { KEYFOB_FAST_PATH: 'off' }],
    ] as const) {
      const r = await front([...args], extra);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    }
    const dashName = ['credential-process', '--profile', '--login'];
    expect(await front(dashName)).toEqual(await runKeyfob(dashName, env)); // a NAME like an option: Node's parser decides
    expect(curlCalls()).toBe(before + 1);
  });

  it('without curl on PATH, the Node client answers', async () => {
    const nodeOnly = join(home.dir, 'node-only');
    mkdirSync(nodeOnly);
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    const before = curlCalls();
    const r = await front(['credential-process', '--profile', PROFILE], { PATH: nodeOnly });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(curlCalls()).toBe(before);
    // And without node on PATH either: the node that ran populate, noted beside keyfob, answers
    // (test/shell/front.test.ts: an installation with no node at all says so in one line).
    const none = await front(['credential-process', '--profile', PROFILE], { PATH: join(home.dir, 'nothing') });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout).AccessKeyId).toMatch(/^ASIA/);
  });

  it('with the daemon down, the Node client starts one; the same error as before, then answers once signed in', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const pid = JSON.parse((await runKeyfob(['status', '--json'], env)).stdout).daemon.pid;
    expect((await runKeyfob(['daemon', 'stop'], env)).code).toBe(0);
    // A fresh daemon with an in-memory keyring is not signed in: the Node client's one-line error.
    const r = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE, '--format', 'process'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`keyfob: not signed in to sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}`);
    const status = await runKeyfob(['status', '--json'], { ...env, KEYFOB_NO_START: '1' });
    expect(JSON.parse(status.stdout).daemon.pid).not.toBe(pid); // the fallback started it
    expect((await runKeyfob(['login', '--sso-session', SESSION], env)).code).toBe(0);
    const before = curlCalls();
    const answered = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE, '--format', 'process'], env);
    expect(answered.code, answered.stderr).toBe(0);
    expect(curlCalls()).toBe(before + 1);
  });
});

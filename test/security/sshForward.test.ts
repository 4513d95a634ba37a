// Issue 18, item 3, through a real forward: Debian's sshd on a loopback port, and `ssh -R
// REMOTE:RESTRICTED` run by the workstation's user (root here) to a second local user standing in
// for the remote machine. That user's AWS CLI v2 runs `keyfob credential-process` under
// KEYFOB_NO_START=1 through the forwarded socket and gets the same credentials as the workstation;
// everything else it tries (sign-in, sign-out, keys, MFA, status, auto-refresh tokens, shutdown,
// named files, input headers) is refused with 403 Forwarded, and changes nothing.
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/daemon/protocol.js';
import { AWS_CLI_PATH } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';

const PROFILE = 'Experiments/AdministratorAccess';
const PATH = '/usr/bin:/bin';

/**
 * Run as the remote user: each request over the forwarded socket, and its status, error code and
 * message (text answers: the line). Prints one JSON list.
 */
const ASK_EVERY_ROUTE = `
import { request } from 'node:http';
const [socketPath, requestsJson] = process.argv.slice(1); // node -e: no script path in argv
const ask = (r) => new Promise((resolve) => {
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  const req = request({ socketPath, method: r.method, path: r.path, agent: false,
    headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...(r.headers ?? {}) } }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d) => (body += d));
    res.on('end', () => {
      let code, message;
      try { ({ code, message } = JSON.parse(body).error ?? {}); } catch { message = body; }
      resolve({ what: r.what, status: res.statusCode, code, message });
    });
  });
  req.setTimeout(20000, () => req.destroy(new Error('no answer in 20 s')));
  req.on('error', (err) => resolve({ what: r.what, error: err.message }));
  req.end(payload);
});
const answers = [];
for (const r of JSON.parse(requestsJson)) answers.push(await ask(r));
console.log(JSON.stringify(answers));
`;

const q = (profile: string) => `profile=${encodeURIComponent(profile)}`;
const ENVIRONMENT = Buffer.from(JSON.stringify({ accessKeyId: 'AKIAATTACKER00000001', secretAccessKey: 'x'.repeat(40) })).toString('base64');
const ATTACKER_KEYS = { accessKeyId: 'AKIAATTACKER00000001', secretAccessKey: 'attackerSecretAccessKey000000000000000001' };

/** Every route but the credential ones, every named file and every input header: what a remote peer may try. */
function refusedRequests(configFile: string): { what: string; method: string; path: string; body?: unknown; headers?: Record<string, string> }[] {
  return [
    { what: 'login', method: 'POST', path: ROUTES.login, body: { ssoSession: 'x', startUrl: 'https://example.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'], method: 'device' } },
    { what: 'logout', method: 'POST', path: ROUTES.logout, body: { all: true } },
    { what: 'iam-users store', method: 'POST', path: ROUTES.iamUsers, body: { profile: 'ci', ...ATTACKER_KEYS, force: true } },
    { what: 'iam-users remove', method: 'POST', path: ROUTES.removeIamUser, body: { profile: 'ci' } },
    { what: 'mfa', method: 'POST', path: ROUTES.mfa, body: { profile: PROFILE, code: '123456' } },
    { what: 'status', method: 'GET', path: ROUTES.status },
    { what: 'accounts', method: 'GET', path: `${ROUTES.accounts}?ssoSession=emulator` },
    { what: 'profile list', method: 'GET', path: ROUTES.profileList },
    { what: 'container-tokens', method: 'POST', path: ROUTES.containerTokens, body: { profile: PROFILE } },
    { what: 'container-tokens revoke', method: 'POST', path: ROUTES.revokeContainerToken, body: { token: 'x'.repeat(43) } },
    { what: 'shutdown', method: 'POST', path: ROUTES.shutdown },
    { what: 'credentials config=', method: 'GET', path: `${ROUTES.credentials}?${q(PROFILE)}&config=${encodeURIComponent(configFile)}` },
    { what: 'credentials credentials=', method: 'GET', path: `${ROUTES.credentials}?${q(PROFILE)}&credentials=${encodeURIComponent(configFile)}` },
    { what: 'assume config=', method: 'GET', path: `${ROUTES.assume}?${q(PROFILE)}&config=/proc/self/cmdline` },
    { what: 'credentials x-keyfob-environment', method: 'GET', path: `${ROUTES.credentials}?${q(PROFILE)}`, headers: { 'x-keyfob-environment': ENVIRONMENT } },
    { what: 'credentials x-keyfob-process', method: 'GET', path: `${ROUTES.credentials}?${q(PROFILE)}`, headers: { 'x-keyfob-process': ENVIRONMENT } },
    { what: 'assume x-keyfob-environment', method: 'GET', path: `${ROUTES.assume}?${q(PROFILE)}`, headers: { 'x-keyfob-environment': ENVIRONMENT } },
    { what: 'shell assume config=', method: 'GET', path: `${ROUTES.shellAssume}?${q(PROFILE)}&shell=bash&config=${encodeURIComponent(configFile)}` },
  ];
}

describe.skipIf(!partsPresent('root', 'sshd', 'aws-cli-v2'))('the restricted socket through a real ssh -R forward', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let sshd: Sshd;
  let daemonPid: number;
  let remoteEnv: Record<string, string>;
  let forwarded: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    daemonPid = status.daemon.pid;
    sshd = await startSshd();
    const { dir, uid, gid } = sshd.remote;
    // The remote machine: its own home and config, whose credential_process is keyfob's, under KEYFOB_NO_START=1.
    const config = join(dir, 'config');
    writeFileSync(config, `[profile ${PROFILE}]\ncredential_process = ${KEYFOB_COMMAND} credential-process --profile ${PROFILE}\nregion = eu-west-1\n`, { mode: 0o600 });
    chownSync(config, uid, gid);
    forwarded = join(dir, 'keyfob.sock');
    remoteEnv = {
      PATH,
      LANG: 'C.UTF-8',
      HOME: dir,
      KEYFOB_HOME: join(dir, 'kf'),
      KEYFOB_SOCKET: forwarded,
      KEYFOB_NO_START: '1',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
    // As the user at the workstation would: the path from keyfob itself.
    const restricted = (await runKeyfob(['daemon', 'socket', '--restricted'], home.env)).stdout.trim();
    expect(restricted).toBe(status.daemon.restrictedSocket);
    await sshd.forward(forwarded, restricted);
  }, 120_000);
  afterAll(async () => {
    await sshd?.close();
    await home?.cleanup();
    await emulator?.close();
  });

  it('the remote AWS CLI gets the same credentials as the workstation, through credential_process', async () => {
    const exportArgs = ['configure', 'export-credentials', '--profile', PROFILE, '--format', 'process'];
    const local = await runCommand(AWS_CLI_PATH, exportArgs, home.env);
    expect(local.code, local.stderr).toBe(0);
    const remote = await sshd.runAsRemote(AWS_CLI_PATH, exportArgs, remoteEnv);
    expect(remote.code, `${remote.stderr}\nsshd: ${sshd.log()}`).toBe(0);
    expect(JSON.parse(remote.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(JSON.parse(remote.stdout).AccessKeyId).toBe(JSON.parse(local.stdout).AccessKeyId);
    // And they work: STS names the same role for both.
    const identity = ['sts', 'get-caller-identity', '--profile', PROFILE, '--query', 'Arn', '--output', 'text', `--endpoint-url=${emulator.url}`];
    const localArn = await runCommand(AWS_CLI_PATH, identity, home.env);
    const remoteArn = await sshd.runAsRemote(AWS_CLI_PATH, identity, remoteEnv);
    expect(remoteArn.code, remoteArn.stderr).toBe(0);
    expect(remoteArn.stdout).toBe(localArn.stdout);
    expect(remoteArn.stdout).toMatch(/assumed-role\/AWSReservedSSO_AdministratorAccess_/);
    // The Node client too, and assume.
    const node = await sshd.runAsRemote(process.execPath, [KEYFOB_BIN, 'credential-process', '--profile', PROFILE], remoteEnv);
    expect(node.code, node.stderr).toBe(0);
    expect(JSON.parse(node.stdout).AccessKeyId).toBe(JSON.parse(local.stdout).AccessKeyId);
    const assumed = await sshd.runAsRemote(process.execPath, [KEYFOB_BIN, 'assume', '--shell', 'bash', 'QA/ReadOnlyAccess'], remoteEnv);
    expect(assumed.code, assumed.stderr).toBe(0);
    expect(assumed.stdout).toContain("export AWS_PROFILE='QA/ReadOnlyAccess'\n");
  }, 120_000);

  it('every other route, named file and input header is refused with 403 Forwarded, and changes nothing', async () => {
    const requests = refusedRequests(home.configFile);
    const run = await sshd.runAsRemote(process.execPath, ['--input-type=module', '-e', ASK_EVERY_ROUTE, forwarded, JSON.stringify(requests)], remoteEnv);
    expect(run.code, run.stderr).toBe(0);
    const answers = JSON.parse(run.stdout) as { what: string; status?: number; code?: string; message?: string; error?: string }[];
    expect(answers.map((a) => a.what)).toEqual(requests.map((r) => r.what));
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer)).toBe(403);
      // The shims' route answers in text ("keyfob: …"), every other in JSON with the code.
      if (answer.what.startsWith('shell assume')) expect(answer.message).toMatch(/^keyfob: [^\n]*; this socket is for forwarding: [^\n]*\n$/);
      else {
        expect(answer.code, answer.what).toBe('Forwarded');
        expect(answer.message, answer.what).toMatch(/^[^\n]*; this socket is for forwarding: [^\n]*$/);
      }
    }

    // The CLI on the remote side says the same, one line, and starts nothing.
    for (const args of [['status'], ['daemon', 'stop'], ['logout', '--all'], ['remove', 'ci'], ['assume', '--shell', 'bash', '--auto-refresh', PROFILE], ['list']]) {
      const r = await sshd.runAsRemote(process.execPath, [KEYFOB_BIN, ...args], remoteEnv);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^keyfob: [^\n]*this socket is for forwarding: [^\n]*\n$/);
    }

    // Nothing changed at the workstation: the same daemon, still signed in, no keys stored.
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.daemon.pid).toBe(daemonPid);
    expect(status.sessions.every((s: { signedIn: boolean }) => s.signedIn)).toBe(true);
    expect(status.iamUsers).toEqual([]);
  }, 120_000);
});

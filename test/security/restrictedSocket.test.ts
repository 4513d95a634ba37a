// Issue 18, items 3 and 4: the restricted socket beside the full one (gpg-agent's extra-socket),
// the one to forward with ssh -R. It answers credential requests for the daemon's own profiles
// (optionally only those forward_profiles names) and refuses every other route, every named file
// and every input header with 403 Forwarded and one line. Stored IAM-user keys are replaced only
// by `keyfob add PROFILE --force` on the full socket (finding 2). The real ssh forward is in
// sshForward.test.ts; here the sockets are asked directly.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IAM_USER } from '../../src/emulator/defaultFixture.js';
import { ROUTES } from '../../src/daemon/protocol.js';
import { SOCKET_PATH_LIMIT } from '../../src/core/paths.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

const PROFILE = 'Experiments/AdministratorAccess';
const OTHER = 'QA/ReadOnlyAccess';

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** One HTTP request over a Unix socket, as curl --unix-socket or a forwarded client sends it. */
function ask(socketPath: string, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      { socketPath, method, path, agent: false, headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path}: no answer in 20 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A refusal on the restricted socket: 403, code Forwarded, one line naming the fix. */
function expectForwarded(answer: Answer, what: string): string {
  expect(answer.status, `${what}: ${answer.body}`).toBe(403);
  const message = answer.type.startsWith('text/plain') ? answer.body.replace(/^keyfob: /, '').replace(/\n$/, '') : (JSON.parse(answer.body).error.message as string);
  if (!answer.type.startsWith('text/plain')) expect(JSON.parse(answer.body).error.code, what).toBe('Forwarded');
  expect(message, what).not.toContain('\n');
  expect(message, what).toMatch(/; this socket is for forwarding: /);
  return message;
}

/** What the restricted socket answers, written out here (not imported) so that widening it fails this test. */
const ANSWERED = ['GET /v1/ping', 'GET /v1/credentials', 'GET /v1/assume', 'GET /v1/shell/assume', 'GET /v1/profiles'];

/** Every route of the API with the method it takes, and a body that would pass its checks. */
const EVERY_ROUTE: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: ROUTES.ping },
  { method: 'GET', path: `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}` },
  { method: 'POST', path: ROUTES.login, body: { ssoSession: 'x', startUrl: 'https://example.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'], method: 'device' } },
  { method: 'POST', path: ROUTES.logout, body: { all: true } },
  { method: 'GET', path: ROUTES.status },
  { method: 'GET', path: `${ROUTES.accounts}?ssoSession=emulator` },
  { method: 'GET', path: ROUTES.profiles },
  { method: 'GET', path: `${ROUTES.assume}?profile=${encodeURIComponent(PROFILE)}` },
  { method: 'GET', path: `${ROUTES.shellAssume}?profile=${encodeURIComponent(PROFILE)}&shell=bash` },
  { method: 'POST', path: ROUTES.containerTokens, body: { profile: PROFILE } },
  { method: 'POST', path: ROUTES.revokeContainerToken, body: { token: 'x'.repeat(43) } },
  { method: 'POST', path: ROUTES.mfa, body: { profile: PROFILE, code: '123456' } },
  { method: 'POST', path: ROUTES.iamUsers, body: { profile: 'ci', accessKeyId: 'AKIAATTACKER00000001', secretAccessKey: 'attackerSecretAccessKey000000000000000001', force: true } },
  { method: 'POST', path: ROUTES.removeIamUser, body: { profile: 'ci' } },
  { method: 'GET', path: ROUTES.profileList },
  { method: 'POST', path: ROUTES.shutdown },
];

/** `keyfob add` with the keys on a pipe. */
function add(env: Record<string, string>, args: string[], keys: { accessKeyId: string; secretAccessKey: string }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KEYFOB_BIN, 'add', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${keys.accessKeyId}\n${keys.secretAccessKey}\n`);
  });
}

describe('the restricted socket', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let full: string;
  let restricted: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    appendFileSync(
      home.configFile,
      '[profile env-role]\nrole_arn = arn:aws:iam::765432109876:role/Deploy\ncredential_source = Environment\n' +
        `[profile mfa-role]\nrole_arn = arn:aws:iam::765432109876:role/Deploy\nsource_profile = ${PROFILE}\nmfa_serial = arn:aws:iam::765432109876:mfa/alice\n`,
    );
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    full = status.daemon.socket;
    restricted = status.daemon.restrictedSocket;
  }, 120_000);
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('sits beside the full socket, 0600, and status and `keyfob daemon socket --restricted` name it', async () => {
    expect(restricted).toBe(join(dirname(full), 'daemon.restricted.sock'));
    expect(statSync(restricted).isSocket()).toBe(true);
    expect(statSync(restricted).mode & 0o777).toBe(0o600);
    expect((await runKeyfob(['status'], home.env)).stdout).toContain(`restricted socket (to forward with ssh -R): ${restricted}, every profile of the config\n`);
    expect((await runKeyfob(['daemon', 'socket', '--restricted'], home.env)).stdout).toBe(`${restricted}\n`);
    expect((await runKeyfob(['daemon', 'socket'], home.env)).stdout).toBe(`${full}\n`);
  });

  it('refuses to start when KEYFOB_SOCKET leaves no room for the restricted socket beside it, with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-long-'));
    try {
      const sock = join(dir, `${'x'.repeat(SOCKET_PATH_LIMIT - Buffer.byteLength(dir) - 6)}.sock`); // fits; its restricted sibling does not
      expect(Buffer.byteLength(sock)).toBeLessThanOrEqual(SOCKET_PATH_LIMIT);
      const r = await runKeyfob(['daemon', 'run'], { ...home.env, KEYFOB_SOCKET: sock, KEYFOB_HOME: join(dir, 'kf') });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `keyfob: the restricted socket beside KEYFOB_SOCKET would be ${Buffer.byteLength(sock) + 11} bytes long, and a Unix socket path can be at most ${SOCKET_PATH_LIMIT}: ${sock.replace(/\.sock$/, '.restricted.sock')}; set a shorter KEYFOB_SOCKET, or unset it\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers credentials, assume and ping as the full socket does, from the daemon\'s own config', async () => {
    const here = await ask(full, 'GET', `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`);
    const there = await ask(restricted, 'GET', `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`);
    expect(there.status, there.body).toBe(200);
    expect(JSON.parse(there.body)).toEqual(JSON.parse(here.body));
    const assumed = await ask(restricted, 'GET', `${ROUTES.assume}?profile=${encodeURIComponent(OTHER)}`);
    expect(assumed.status, assumed.body).toBe(200);
    expect(JSON.parse(assumed.body).profile.name).toBe(OTHER);
    const script = await ask(restricted, 'GET', `${ROUTES.shellAssume}?profile=${encodeURIComponent(OTHER)}&shell=bash`);
    expect(script.status, script.body).toBe(200);
    expect(script.body).toContain("export AWS_PROFILE='QA/ReadOnlyAccess'\n");
    expect((await ask(restricted, 'GET', ROUTES.ping)).status).toBe(200);
    expect(JSON.parse((await ask(restricted, 'GET', ROUTES.profiles)).body).profiles.map((p: { name: string }) => p.name)).toContain(PROFILE);
  });

  it('refuses every other route with 403 Forwarded and one line, and they do nothing', async () => {
    const answered: string[] = [];
    for (const route of EVERY_ROUTE) {
      const key = `${route.method} ${route.path.split('?')[0]}`;
      const answer = await ask(restricted, route.method, route.path, { body: route.body });
      if (ANSWERED.includes(key)) {
        expect(answer.status, `${key}: ${answer.body}`).toBe(200);
        answered.push(key);
      } else {
        expect(expectForwarded(answer, key)).toMatch(/is not answered on the restricted socket, which serves credentials only; this socket is for forwarding: run that on the workstation$/);
      }
      // The other method of each route, and a route that does not exist, are refused too.
      expectForwarded(await ask(restricted, route.method === 'GET' ? 'POST' : 'GET', route.path.split('?')[0]), `${key}, other method`);
    }
    expectForwarded(await ask(restricted, 'GET', '/v1/nothing-here'), 'an unknown route');
    expect(answered.sort()).toEqual([...ANSWERED].sort());
    expect(EVERY_ROUTE.length).toBe(Object.keys(ROUTES).length); // a new route must be added above
    // Nothing happened: the daemon still runs, still signed in, keys untouched.
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.sessions[0].signedIn).toBe(true);
    expect(status.iamUsers).toEqual([]);
  });

  it('refuses named files and every x-keyfob-* input header, on every route it answers', async () => {
    for (const base of [`${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`, `${ROUTES.assume}?profile=${encodeURIComponent(PROFILE)}`, `${ROUTES.shellAssume}?profile=${encodeURIComponent(PROFILE)}&shell=bash`]) {
      for (const param of ['config', 'credentials']) {
        const message = expectForwarded(await ask(restricted, 'GET', `${base}&${param}=${encodeURIComponent(home.configFile)}`), `${base} ${param}=`);
        expect(message).toContain(`takes no "${param}" parameter`);
        expect(message).toContain('set KEYFOB_NO_START=1');
      }
      for (const header of ['x-keyfob-environment', 'x-keyfob-process', 'x-keyfob-anything']) {
        const value = Buffer.from(JSON.stringify({ accessKeyId: 'AKIAATTACKER00000001', secretAccessKey: 'x'.repeat(40) })).toString('base64');
        expect(expectForwarded(await ask(restricted, 'GET', base, { headers: { [header]: value } }), `${base} ${header}`)).toContain(`takes no ${header} header`);
      }
    }
    // Profiles that need the caller (its environment keys) or the user at the workstation (an MFA code).
    const needsCaller = expectForwarded(await ask(restricted, 'GET', `${ROUTES.credentials}?profile=env-role`), 'credential_source = Environment');
    expect(needsCaller).toMatch(/^profile "env-role" takes its source keys from the environment .*: the restricted socket takes no input from the caller; this socket is for forwarding: use that profile on the workstation$/);
    const needsCode = expectForwarded(await ask(restricted, 'GET', `${ROUTES.assume}?profile=mfa-role`), 'mfa_serial');
    expect(needsCode).toBe('profile "mfa-role" needs a code from MFA device arn:aws:iam::765432109876:mfa/alice, which is typed on the workstation; this socket is for forwarding: run keyfob exec mfa-role -- true there, and its session is then served here');
    // The shims' route answers its refusals as text, one line, as it answers every error.
    const text = await ask(restricted, 'GET', `${ROUTES.shellAssume}?profile=${encodeURIComponent(PROFILE)}&shell=bash&config=/etc/passwd`);
    expect(text.type).toMatch(/^text\/plain/);
    expect(text.body).toMatch(/^keyfob: [^\n]*\n$/);
  });

  it('serves only the profiles forward_profiles names, and none when the setting is broken', async () => {
    const settings = join(home.env.KEYFOB_HOME, 'settings.json');
    const restart = async () => {
      expect((await runKeyfob(['daemon', 'stop'], home.env)).code).toBe(0);
      expect((await runKeyfob(['login'], home.env)).code).toBe(0); // the memory keychain went with the old daemon
    };
    try {
      writeFileSync(settings, JSON.stringify({ forward_profiles: ['Experiments/*'] }), { mode: 0o600 });
      await restart();
      expect((await ask(restricted, 'GET', `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`)).status).toBe(200);
      const refused = expectForwarded(await ask(restricted, 'GET', `${ROUTES.assume}?profile=${encodeURIComponent(OTHER)}`), OTHER);
      expect(refused).toBe(`profile "${OTHER}" is not in forward_profiles of ${settings}; this socket is for forwarding: add it there on the workstation, then run: keyfob daemon stop`);
      const names = JSON.parse((await ask(restricted, 'GET', ROUTES.profiles)).body).profiles.map((p: { name: string }) => p.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n: string) => n.startsWith('Experiments/'))).toBe(true);
      // The full socket is not limited by it.
      expect((await ask(full, 'GET', `${ROUTES.assume}?profile=${encodeURIComponent(OTHER)}`)).status).toBe(200);
      expect((await runKeyfob(['status'], home.env)).stdout).toContain(', forward_profiles Experiments/*\n');

      writeFileSync(settings, '{"forward_profiles": "Experiments/*"}', { mode: 0o600 }); // a string, not a list
      await restart();
      expect(expectForwarded(await ask(restricted, 'GET', `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`), 'broken setting')).toMatch(
        /^the restricted socket serves no profile: "forward_profiles" in .* must be a list of profile names or globs; this socket is for forwarding: fix it on the workstation, then run: keyfob daemon stop$/,
      );
    } finally {
      rmSync(settings, { force: true });
      await restart();
    }
  });

  it('replaces stored IAM-user keys only with keyfob add --force (finding 2)', async () => {
    const attacker = { accessKeyId: 'AKIAATTACKER00000001', secretAccessKey: 'attackerSecretAccessKey000000000000000001' };
    const added = await add(home.env, ['ci'], DEMO_IAM_USER);
    expect(added.code, added.stderr).toBe(0);
    const works = async () => (await runKeyfob(['credential-process', '--profile', 'ci'], home.env)).code === 0;
    expect(await works()).toBe(true);

    // A peer on the restricted socket: refused, whatever the body says.
    for (const path of [ROUTES.iamUsers, ROUTES.removeIamUser]) {
      expectForwarded(await ask(restricted, 'POST', path, { body: { profile: 'ci', ...attacker, force: true } }), path);
    }
    // A peer on the full socket without force: refused with the line naming the command.
    const replace = await ask(full, 'POST', ROUTES.iamUsers, { body: { profile: 'ci', ...attacker } });
    expect(replace.status).toBe(409);
    expect(JSON.parse(replace.body).error.message).toBe('keys are already stored for profile "ci", and the keychain holds the only copy; to replace them, run: keyfob add ci --force');
    // keyfob add without --force refuses before the keys are read.
    const again = await add(home.env, ['ci'], attacker);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('keyfob: keys are already stored for profile "ci", and the keychain holds the only copy; to replace them, run: keyfob add ci --force\n');
    expect(await works()).toBe(true); // still the real keys

    // The user, at the terminal, with --force: replaced (the emulator knows no such keys, so they fail).
    const forced = await add(home.env, ['ci', '--force'], attacker);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await works()).toBe(false);
    expect((await add(home.env, ['ci', '--force'], DEMO_IAM_USER)).code).toBe(0);
    expect(await works()).toBe(true);
  });
});

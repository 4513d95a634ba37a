// The auto-refresh endpoint's port squatted by another local user while the daemon is down
// (issue 11, item 3). Nothing stops another user from listening on a loopback port nobody holds,
// and the SDKs in a shell that assumed will send it their bearer token. So a token must be useless
// once anyone but the live daemon could have seen it: tokens live in daemon memory only, each
// daemon listens on a fresh random port, and nothing about them is kept in KEYFOB_HOME.
import { fromHttp } from '@aws-sdk/credential-providers';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { get } from '../helpers/endpoint.js';
import { filesUnder, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { otherUser, type OtherUser, type RunningAsOther } from '../helpers/otherUser.js';
import { partsPresent } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';

/** Listens on the port the victim's shell still points at, and prints each bearer token it is sent. */
const SQUATTER = `
import { createServer } from 'node:http';
const port = Number(process.argv[2]);
const server = createServer((req, res) => {
  process.stdout.write('CAPTURED ' + JSON.stringify(req.headers.authorization ?? null) + '\\n');
  const body = JSON.stringify({ AccessKeyId: 'ASIAMALLORYMALLORY00', SecretAccessKey: 'mallory', Token: 'mallory', Expiration: new Date(Date.now() + 3600e3).toISOString() });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.on('error', (err) => { console.error('squatter could not listen: ' + err.code); process.exit(2); });
server.listen(port, '127.0.0.1', () => console.log('ready'));
`;

/** Presents a captured token to an endpoint, as the attacker; prints {status, code} or {error}. */
const REPLAY = `
import { request } from 'node:http';
const [uri, token] = process.argv.slice(2);
const req = request(uri, { headers: { authorization: token } }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => { let code; try { code = JSON.parse(body).code; } catch {} console.log(JSON.stringify({ status: res.statusCode, code })); });
});
req.on('error', (err) => console.log(JSON.stringify({ error: err.code })));
req.end();
`;

/** The variables an auto-refresh assume exports, read from its bash script. */
function exported(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars[m[1]] = m[2];
  return vars;
}

function socketPost(socketPath: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe.skipIf(!partsPresent('root'))('a squatter on the auto-refresh port while the daemon is down', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let mallory: OtherUser;

  beforeAll(async () => {
    const attacker = otherUser();
    expect(attacker, 'these tests need root, to act as a second user').toBeDefined();
    mallory = attacker!;
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    mallory?.cleanup();
  });

  /** `assume --auto-refresh` in a bash shell: the exported URI, its port and the token. */
  async function autoRefresh(): Promise<{ uri: string; port: number; token: string }> {
    const r = await runKeyfob(['assume', '--shell', 'bash', '--auto-refresh', PROFILE], home.env);
    expect(r.code, r.stderr).toBe(0);
    const vars = exported(r.stdout);
    const uri = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    return { uri, port: Number(new URL(uri).port), token: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN };
  }

  /** Stops the daemon, runs `whileDown`, then lets a keyfob command start a new one. */
  async function restartDaemon(whileDown: () => Promise<void>): Promise<void> {
    expect((await runKeyfob(['daemon', 'stop'], home.env)).code).toBe(0);
    await whileDown();
    // Any command starts the daemon on demand; this home's sign-in was in daemon memory (KEYFOB_KEYRING=memory).
    const login = await runKeyfob(['login'], home.env);
    expect(login.code, login.stderr).toBe(0);
  }

  async function replayAsAttacker(uri: string, token: string): Promise<{ status?: number; code?: string; error?: string }> {
    const r = await mallory.runNode(REPLAY, [uri, token]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  it('captures the token the SDK sends, but the restarted daemon refuses it, on a new port', async () => {
    const before = await autoRefresh();
    let captured = '';
    await restartDaemon(async () => {
      const squatter = await mallory.startNode(SQUATTER, [String(before.port)]);
      try {
        // The victim's SDK, still pointed at the old URI, asks for credentials and gets the squatter's.
        const creds = await fromHttp({ awsContainerCredentialsFullUri: before.uri, awsContainerAuthorizationToken: before.token, maxRetries: 0 })();
        expect(creds.accessKeyId).toBe('ASIAMALLORYMALLORY00');
        captured = JSON.parse(/^CAPTURED (.*)$/m.exec(squatter.output())![1]);
      } finally {
        await squatter.stop(); // and gives the port back, so a daemon that wanted it could take it again
      }
    });
    expect(captured).toBe(before.token);

    const after = await autoRefresh();
    expect(await replayAsAttacker(after.uri, captured)).toEqual({ status: 403, code: 'UnknownToken' });
    expect(after.port).not.toBe(before.port);
    expect(await replayAsAttacker(before.uri, captured)).toEqual({ error: 'ECONNREFUSED' });
    // The live token works; the captured one is dead for good.
    expect((await get(after.uri, { authorization: after.token })).status).toBe(200);

    // Nothing in KEYFOB_HOME (or anywhere under HOME) holds a token, its digest or the port state.
    expect(existsSync(join(home.env.KEYFOB_HOME, 'container-endpoint.json'))).toBe(false);
    const needles = [before.token, after.token].flatMap((t) => [t, createHash('sha256').update(t).digest('hex')]);
    for (const file of filesUnder(home.dir)) {
      const text = readFileSync(file, 'utf8');
      for (const needle of needles) expect(text.includes(needle), `${file} holds a token or its digest`).toBe(false);
      expect(/"tokens"\s*:/.test(text) && text.includes(String(after.port)), `${file} looks like saved endpoint state`).toBe(false);
    }
  });

  it('a squatter who keeps the old port cannot stop the restarted daemon: it listens elsewhere', async () => {
    const before = await autoRefresh();
    let squatter: RunningAsOther | undefined;
    try {
      await restartDaemon(async () => {
        squatter = await mallory.startNode(SQUATTER, [String(before.port)]);
      });
      const after = await autoRefresh();
      expect(after.port).not.toBe(before.port);
      expect((await get(after.uri, { authorization: after.token })).status).toBe(200);
      expect(await replayAsAttacker(after.uri, before.token)).toEqual({ status: 403, code: 'UnknownToken' });
    } finally {
      await squatter?.stop();
    }
  });

  it('tells the shell which daemon issued its token (daemonPid), and a leftover state file of an older version is removed, symlink or not', async () => {
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    const grant = await socketPost(status.daemon.socket, '/v1/container-tokens', { profile: PROFILE });
    expect(grant.status).toBe(200);
    expect(grant.body.daemonPid).toBe(status.daemon.pid);

    // An older keyfob left its state file; here it is a symlink to a file that must survive.
    const target = join(home.dir, 'precious');
    writeFileSync(target, 'do not touch\n');
    symlinkSync(target, join(home.env.KEYFOB_HOME, 'container-endpoint.json'));
    await restartDaemon(async () => undefined);
    expect(existsSync(join(home.env.KEYFOB_HOME, 'container-endpoint.json'))).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
  });
});

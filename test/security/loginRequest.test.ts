// "No request names a program" (issue 11): the daemon only streams the sign-in prompt; the
// client opens the browser, as the user, with the user's own KEYFOB_BROWSER. A raw request that
// names a browser command (the old `browserEnv` field, or the variables at the top level) runs
// nothing. And what the client prints of the prompt is escaped for the terminal.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';

const SESSION = 'd-9067c0ffee';

/** POST a JSON body on the daemon's socket, as any local client (or an ssh forward) can. */
function post(socketPath: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request({ socketPath, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const events = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

async function waitForFile(file: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file) || readFileSync(file, 'utf8') === '') {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return readFileSync(file, 'utf8');
}

describe('a login request never names a program', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let socket: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    // The session is configured, so a daemon of any version gets as far as the sign-in.
    writeFileSync(home.configFile, `[sso-session ${SESSION}]\nsso_start_url = ${emulator.startUrl}\nsso_region = ${emulator.region}\n`);
    expect((await runKeyfob(['daemon', 'start'], home.env)).code).toBe(0);
    const status = await runKeyfob(['status', '--json'], home.env);
    expect(status.code).toBe(0);
    socket = JSON.parse(status.stdout).daemon.socket;
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('runs no browser command a raw request names, in a browserEnv field or at the top level', async () => {
    const definition = { ssoSession: SESSION, startUrl: emulator.startUrl, region: emulator.region, scopes: ['sso:account:access'] };
    const markers = [join(home.dir, 'marker-browserEnv'), join(home.dir, 'marker-top-level')];
    const hostile = [
      { ...definition, method: 'device', browserEnv: { KEYFOB_BROWSER: `touch '${markers[0]}'`, BROWSER: `touch '${markers[0]}'`, DISPLAY: ':0' } },
      { ...definition, method: 'device', KEYFOB_BROWSER: `touch '${markers[1]}'`, BROWSER: `touch '${markers[1]}'`, env: { KEYFOB_BROWSER: `touch '${markers[1]}'` } },
    ];
    for (const body of hostile) {
      const answer = await post(socket, '/v1/login', body);
      expect(answer.status).toBe(200);
      // The daemon still signs in (the requester sees the prompt and may approve it); it only runs nothing.
      expect(events(answer.text).map((e) => e.event)).toEqual(['prompt', 'signed-in']);
      expect(events(answer.text)[0]).toMatchObject({ method: 'device', url: expect.stringMatching(new RegExp(`^${emulator.url}/device\\?user_code=`)) });
    }
    // The sign-in ended after at least one poll interval (a second) after the prompt: a command
    // started at the prompt would have run by now.
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
  });

  it("opens the user's own KEYFOB_BROWSER in the client, with the client's environment", async () => {
    // The user's own browser command, set in the client's environment only (the daemon was started
    // with KEYFOB_BROWSER=none), runs in the client: it sees a variable only the client has.
    const opened = join(home.dir, 'opened');
    const recorder = join(home.dir, 'record-url.sh');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s %s\\n' "$CLIENT_ONLY" "$1" > '${opened}.tmp' && mv '${opened}.tmp' '${opened}'\n`);
    chmodSync(recorder, 0o755);
    const login = await runKeyfob(['login', '--device-code'], { ...home.env, KEYFOB_BROWSER: recorder, CLIENT_ONLY: 'from-the-client' });
    expect(login.stderr).toMatch(/confirm the code [A-Z]{4}-[A-Z]{4}/);
    expect(login.code).toBe(0);
    expect(await waitForFile(opened)).toMatch(new RegExp(`^from-the-client ${emulator.url}/device\\?user_code=[A-Z]{4}-[A-Z]{4}\\n$`));
  });

  it('refuses a login request without a usable session definition', async () => {
    for (const [body, message] of [
      [{ ssoSession: SESSION, method: 'device' }, '"ssoSession", "startUrl" and "region" are required'],
      [{ ssoSession: SESSION, startUrl: 'file:///etc/passwd', region: 'eu-west-1' }, '"startUrl" must be an http(s) URL'],
      // The region picks the host the daemon calls: nothing but a region is accepted.
      [{ ssoSession: SESSION, startUrl: emulator.startUrl, region: 'evil.example#' }, '"region" must be an AWS region, e.g. eu-west-1'],
      [{ ssoSession: SESSION, startUrl: emulator.startUrl, region: 'eu-west-1', scopes: 'sso:account:access' }, '"scopes" must be a non-empty list of scope names'],
    ] as const) {
      await adminCall(emulator, 'reset-stats');
      const answer = await post(socket, '/v1/login', body);
      // Refused before any sign-in starts: a plain JSON error, not an event stream.
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error.message).toBe(message);
      expect((await adminCall(emulator, 'stats')).body.calls.RegisterClient ?? 0).toBe(0);
    }
  });
});

describe('the login prompt, as the client prints it', () => {
  let dir: string;
  let server: Server;
  let received: Record<string, unknown> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kf-prompt-'));
    mkdirSync(join(dir, '.aws'));
    mkdirSync(join(dir, 'sock'), { mode: 0o700 });
    // A daemon that sends a hostile prompt: terminal escapes, bidi overrides, a line separator,
    // and a URL that is not a web page.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received = JSON.parse(body);
        res.writeHead(200, { 'content-type': 'application/x-ndjson', connection: 'close' });
        const prompt = {
          event: 'prompt',
          method: 'device',
          url: 'file:///etc/passwd\u001b]0;owned\u0007',
          verificationUri: 'https://example.com/device\u202e\u200b',
          userCode: 'ABCD\u001b[2J-\u2028EFGH',
        };
        res.write(`${JSON.stringify(prompt)}\n`);
        res.end(`${JSON.stringify({ event: 'error', error: { code: 'LoginFailed', message: 'denied\u001b[31m' } })}\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock', 'd.sock'), resolve));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('escapes every character a terminal would act on, opens no non-web URL, and sends no browser setting', async () => {
    const configFile = join(dir, '.aws', 'config');
    writeFileSync(configFile, `[sso-session ${SESSION}]\nsso_start_url = https://d-9067c0ffee.awsapps.com/start\nsso_region = eu-west-1\n`);
    const recorder = join(dir, 'record-url.sh');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${join(dir, 'opened')}'\n`);
    chmodSync(recorder, 0o755);
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      KEYFOB_HOME: join(dir, 'kf'),
      KEYFOB_SOCKET: join(dir, 'sock', 'd.sock'),
      KEYFOB_NO_START: '1',
      AWS_CONFIG_FILE: configFile,
      KEYFOB_BROWSER: recorder,
    };
    const r = await runKeyfob(['login', '--device-code'], env);
    expect(r.code).toBe(1);
    // No raw control, format or separator character reaches the terminal; each is shown escaped.
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u202e\u2028]/);
    expect(r.stderr).toContain('To sign in, open https://example.com/device\\u{202e}\\u{200b}\n');
    expect(r.stderr).toContain('and confirm the code ABCD\\x1b[2J-\\u{2028}EFGH (or open file:///etc/passwd\\x1b]0;owned\\x07)\n');
    expect(r.stderr.trim().split('\n').pop()).toBe('keyfob: denied\\x1b[31m');
    // The URL is not a web page, so nothing was opened.
    expect(existsSync(join(dir, 'opened'))).toBe(false);
    // The request carries the session definition and the method, and nothing that names a program.
    expect(received).toMatchObject({ ssoSession: SESSION, startUrl: 'https://d-9067c0ffee.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'], method: 'device' });
    expect(JSON.stringify(received)).not.toMatch(/BROWSER|browserEnv|DISPLAY|SSH_/);
  });
});

describe("the daemon's own AWS SDK clients", () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  // The SDK clients bundle the default credential chain, which can run a profile's credential_process.
  // IAM Identity Center's calls are unsigned or bearer-token calls, so it must never be consulted.
  it('never run a credential_process, even with AWS_PROFILE naming one in the daemon environment', async () => {
    home = keyfobHome(emulator, { AWS_PROFILE: 'trap', AWS_SDK_LOAD_CONFIG: '1' });
    const marker = join(home.dir, 'credential-process-ran');
    writeFileSync(
      home.configFile,
      `[profile trap]\ncredential_process = /bin/sh -c 'touch ${marker}; exit 1'\n\n` +
        `[profile Experiments/AdministratorAccess]\nkeyfob_sso_session = ${SESSION}\nkeyfob_account_id = 765432109876\nkeyfob_role_name = AdministratorAccess\n`,
    );
    const login = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
    expect(login.code).toBe(0);
    const creds = await runKeyfob(['credential-process', '--profile', 'Experiments/AdministratorAccess'], home.env);
    expect(creds.stderr).toBe('');
    expect((await runKeyfob(['logout', '--sso-session', SESSION], home.env)).code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });
});

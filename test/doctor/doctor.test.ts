// `keyfob doctor` as a real process: all green on a good setup (emulator, signed in, daemon up),
// and each planted problem found, with its line numbers and its fix.
import { existsSync, mkdirSync, chmodSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, profileSection, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { check, doctorJson, runDoctor } from './run.js';

const SESSION = 'd-9067c0ffee';
const PROFILE = 'Experiments/AdministratorAccess';
const CHECK_NAMES = ['keychain', 'socket-dir', 'daemon', 'shell-shim', 'browser', 'config', 'profiles', 'cred-proc', 'aws-token', 'clock', 'aws-cli'];
/** Checks with nothing to look at on the good setup (it has no --mode native profile). */
/** Checks that have nothing to look at in a good keyfob-mode setup (no native profiles). */
const SKIPPED_WHEN_GOOD = (name: string) => name === 'aws-token';
/** Node first, then Debian's AWS CLI v2 ahead of any pyenv or pip v1 a developer has on PATH. */
const GOOD_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

describe('keyfob doctor', () => {
  let emulator: RunningEmulator;
  const homes: KeyfobHome[] = [];
  const newHome = (extra: Record<string, string> = {}) => {
    const home = keyfobHome(emulator, { PATH: GOOD_PATH, KEYFOB_SHELL_SHIM: 'bash', ...extra });
    homes.push(home);
    return home;
  };
  const sessionSection = () => `[sso-session ${SESSION}]\nsso_start_url = ${emulator.startUrl}\nsso_region = ${emulator.region}\n\n`;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
  });
  afterAll(async () => {
    for (const home of homes) await home.cleanup();
    await emulator?.close();
  });

  describe('on a good setup', () => {
    let home: KeyfobHome;
    beforeAll(async () => {
      home = newHome();
      const login = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
      expect(login.code, login.stderr).toBe(0);
      appendFileSync(home.configFile, `\n${profileSection(PROFILE, SESSION, '765432109876', 'AdministratorAccess')}`);
    });

    it('is all green, in JSON of the documented shape', async (ctx) => {
      requirePart(ctx, 'aws-cli-v2'); // the aws-cli check is green only with the v2
      const report = await doctorJson(home.env);
      expect(report.code, report.stderr).toBe(0);
      expect(Object.keys(JSON.parse((await runDoctor(['--json'], home.env)).stdout)).sort()).toEqual(['checks', 'ok']);
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => c.name)).toEqual(CHECK_NAMES);
      for (const c of report.checks) {
        expect(Object.keys(c).every((k) => ['name', 'status', 'detail', 'fix'].includes(k))).toBe(true);
        expect(typeof c.detail).toBe('string');
        expect(c.detail).not.toMatch(/\n/);
      }
      const expected = Object.fromEntries(CHECK_NAMES.map((n) => [n, SKIPPED_WHEN_GOOD(n) ? 'skip' : 'ok']));
      expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status])), JSON.stringify(report.checks, null, 1)).toEqual(expected);
      expect(check(report, 'keychain').detail).toMatch(/KEYFOB_KEYRING=memory: tokens are kept in daemon memory only/);
      expect(check(report, 'daemon').detail).toMatch(/^pid \d+, up \d+s, keyring memory, 1 of 1 sso-session\(s\) signed in$/);
      expect(check(report, 'browser').detail).toMatch(
        /^default \(the system browser: KEYFOB_BROWSER, else the desktop default; one sign-in at a time\); from nothing set \(KEYFOB_CONSOLE_BROWSER or keyfob browser set\); no browser can open here \(KEYFOB_BROWSER=none, SSH, or no display\), so console --url prints the URL(; for one profile per role: keyfob browser set [a-z]+)?$/,
      );
      expect(check(report, 'profiles').detail).toBe('1 IAM Identity Center profile(s), each naming a configured sso-session');
      // The clock was compared with the emulator, reached through AWS_ENDPOINT_URL_SSO.
      expect(check(report, 'clock').detail).toMatch(new RegExp(`^the local clock is \\d+s (behind|ahead of) ${emulator.url.replace(/[.]/g, '\\.')}$`));
      expect(check(report, 'aws-cli').detail).toMatch(/^\/usr\/bin\/aws is aws-cli\/2\.\d+\.\d+, which reads \[sso-session\]$/);
    });

    it('prints one line per check for people, and exits 0', async (ctx) => {
      requirePart(ctx, 'aws-cli-v2');
      const r = await runDoctor([], home.env);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.slice(0, CHECK_NAMES.length).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(
        CHECK_NAMES.map((n) => `${SKIPPED_WHEN_GOOD(n) ? '-' : '✓'} ${n}`),
      );
      expect(r.stdout).not.toContain('fix:');
      expect(lines.at(-1)).toBe('no problems found');
    });
  });

  it('does not start a daemon when none runs, and creates nothing', async () => {
    const home = newHome();
    writeFileSync(home.configFile, sessionSection());
    const report = await doctorJson(home.env);
    expect(check(report, 'daemon')).toEqual({
      name: 'daemon',
      status: 'warn',
      detail: `no daemon is running at ${join(home.env.KEYFOB_HOME, 'run', 'daemon.sock')}; clients start one on demand`,
      fix: 'keyfob daemon start',
    });
    expect(check(report, 'socket-dir').status).toBe('ok');
    expect(report.ok).toBe(true);
    expect(report.code).toBe(0);
    // Not started, not even its dir made: doctor only looks.
    expect(existsSync(home.env.KEYFOB_HOME)).toBe(false);
    expect((await runKeyfob(['daemon', 'status'], home.env)).stdout).toMatch(/not running/);
  });

  it('reports the console browser and where it comes from, and a bad one with its fix', async () => {
    const home = newHome();
    writeFileSync(home.configFile, sessionSection());
    const saved = await runKeyfob(['browser', 'set', 'stdout'], home.env);
    expect(saved).toMatchObject({ code: 0, stdout: '', stderr: `keyfob: console browser saved in ${join(home.env.KEYFOB_HOME, 'settings.json')}\n` });
    expect(check(await doctorJson(home.env), 'browser')).toEqual({
      name: 'browser',
      status: 'ok',
      detail: `stdout (the sign-in URL is printed); from console_browser in ${join(home.env.KEYFOB_HOME, 'settings.json')}`,
    });
    const bad = await doctorJson({ ...home.env, KEYFOB_CONSOLE_BROWSER: 'firefox' });
    expect(check(bad, 'browser')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^KEYFOB_CONSOLE_BROWSER "firefox" is not a browser keyfob knows; give one of /) });
    expect(bad.code).toBe(1);
  });

  it('finds a socket dir other users can write to, and leaves its mode alone', async () => {
    const home = newHome();
    const dir = join(home.dir, 'sock');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    home.env.KEYFOB_SOCKET = join(dir, 'daemon.sock');
    const r = await runDoctor([], home.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ socket-dir  ${dir} can be written by other users (mode 777); the daemon and its clients refuse it\n    fix: run: chmod 700 ${dir}\n`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 check(s) failed');
    expect(statSync(dir).mode & 0o777).toBe(0o777);
    expect(existsSync(join(dir, 'daemon.sock'))).toBe(false);
    // What doctor predicted: the daemon refuses it.
    const start = await runKeyfob(['daemon', 'start'], home.env);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`refusing the socket directory ${dir}`);
  });

  it('finds a config syntax error, with its line number', async () => {
    const home = newHome();
    writeFileSync(home.configFile, `${sessionSection()}[profile broken\nregion = eu-west-1\n`);
    const report = await doctorJson(home.env);
    expect(report.code).toBe(1);
    expect(report.ok).toBe(false);
    const config = check(report, 'config');
    expect(config.status).toBe('fail');
    expect(config.detail).toBe(`1 problem(s) in ${home.configFile}: line 5: malformed section header "[profile broken"; expected [NAME]`);
    expect(config.fix).toBe(`edit ${home.configFile} at line 5: until then the AWS CLI refuses the whole file ("Unable to parse config file")`);
    const human = await runDoctor([], home.env);
    expect(human.stdout).toMatch(/^✗ config {6}1 problem\(s\) in .*: line 5: /m);
  });

  it('finds profiles that name an sso-session the config does not have', async () => {
    const home = newHome();
    writeFileSync(
      home.configFile,
      `${sessionSection()}${profileSection(PROFILE, SESSION, '765432109876', 'AdministratorAccess')}\n` +
        `${profileSection('Dev/Admin', 'd-9067c0ffe', '210987654321', 'AdministratorAccess')}\n` +
        `[profile native]\nsso_session = gone\nsso_account_id = 210987654321\nsso_role_name = ReadOnlyAccess\n`,
    );
    const report = await doctorJson(home.env);
    expect(report.code).toBe(1);
    const profiles = check(report, 'profiles');
    expect(profiles.status).toBe('fail');
    expect(profiles.detail).toBe(
      `2 profile(s) in ${home.configFile} name an unknown sso-session: ` +
        'line 12: profile "Dev/Admin" has keyfob_sso_session = d-9067c0ffe, and there is no [sso-session d-9067c0ffe]; ' +
        'line 19: profile "native" has sso_session = gone, and there is no [sso-session gone]',
    );
    expect(profiles.fix).toBe(
      `point the profile at an existing sso-session (nearest: ${SESSION}), or add it: keyfob login --sso-session d-9067c0ffe --start-url URL --sso-region REGION`,
    );
    // The file itself parses; only the references dangle.
    expect(check(report, 'config').status).toBe('ok');
  });

  describe('clock skew', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    /** An SSO endpoint whose clock is `offsetMs` off. */
    async function skewedEndpoint(offsetMs: number): Promise<string> {
      server = createServer((req, res) => {
        res.setHeader('Date', new Date(Date.now() + offsetMs).toUTCString());
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    it('fails beyond 5 minutes, naming the fix', async () => {
      const home = newHome({ AWS_ENDPOINT_URL_SSO: await skewedEndpoint(10 * 60_000) });
      writeFileSync(home.configFile, sessionSection());
      const report = await doctorJson(home.env);
      expect(report.code).toBe(1);
      const clock = check(report, 'clock');
      expect(clock.status).toBe('fail');
      expect(clock.detail).toMatch(/^the local clock is (9m59s|10m00s|10m01s) behind http:\/\/127\.0\.0\.1:\d+; AWS refuses requests more than 5 minutes off$/);
      expect(clock.fix).toMatch(/^sync the clock \(timedatectl/);
    });

    it('passes within the limit, against the emulator', async () => {
      const home = newHome();
      writeFileSync(home.configFile, sessionSection());
      const clock = check(await doctorJson(home.env), 'clock');
      expect(clock.status).toBe('ok');
      expect(clock.detail).toContain(emulator.url);
    });

    it('is skipped with no sso-session configured', async () => {
      const clock = check(await doctorJson(newHome().env), 'clock');
      expect(clock).toEqual({ name: 'clock', status: 'skip', detail: 'no sso-session configured, so no SSO endpoint to compare with' });
    });
  });
});

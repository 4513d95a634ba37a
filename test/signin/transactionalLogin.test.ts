// `keyfob login` is transactional (issue 11): the config changes only after the sign-in works, an
// [sso-session] that signs in elsewhere changes only with --force, a configured portal keeps its
// name, and a failed sign-in leaves the stored one (the keychain entry) exactly as it was.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLogin } from '../../src/config/ssoSessions.js';
import { NotSignedInError } from '../../src/core/errors.js';
import { SessionManager, type Logger } from '../../src/signin/sessions.js';
import type { SsoSessionConfig } from '../../src/signin/types.js';
import { memoryStore } from '../../src/store/index.js';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

const SESSION = 'd-9067c0ffee';
/** A portal the emulator does not know: StartDeviceAuthorization refuses it, as a mistyped URL would be. */
const TYPO = 'https://d-9067c0ffe.awsapps.com/start';

async function calls(emulator: RunningEmulator): Promise<Record<string, number>> {
  return (await adminCall(emulator, 'stats')).body.calls;
}

/** The config file and its backup, byte for byte. */
function snapshot(home: KeyfobHome): string[] {
  return [home.configFile, `${home.configFile}.keyfob-backup`].map((f) => (existsSync(f) ? readFileSync(f, 'latin1') : '<absent>'));
}

function signedIn(home: KeyfobHome, name: string): Promise<boolean> {
  return runKeyfob(['status', '--json'], home.env).then((r) => JSON.parse(r.stdout).sessions.find((s: { name: string }) => s.name === name)?.signedIn === true);
}

describe('keyfob login writes the config only after the sign-in works', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('refuses a different URL for an existing session without --force, before any sign-in', async () => {
    const before = snapshot(home);
    await adminCall(emulator, 'reset-stats');
    const r = await runKeyfob(['login', '--sso-session', SESSION, '--start-url', TYPO, '--sso-region', emulator.region], home.env);
    expect(snapshot(home)).toEqual(before);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `keyfob: sso-session "${SESSION}" in ${home.configFile} signs in to ${emulator.startUrl} (eu-west-1), not ${TYPO} (eu-west-1); ` +
        'pass --force to change it, or choose another name with --sso-session NAME\n',
    );
    expect((await calls(emulator)).RegisterClient ?? 0).toBe(0);
    // The same holds for another region.
    const region = await runKeyfob(['login', '--sso-session', SESSION, '--start-url', emulator.startUrl, '--sso-region', 'us-east-1'], home.env);
    expect(region.code).toBe(1);
    expect(region.stderr).toMatch(/not https:\/\/d-9067c0ffee\.awsapps\.com\/start \(us-east-1\); pass --force/);
    expect(snapshot(home)).toEqual(before);
  });

  it('a failed --force sign-in to a mistyped URL leaves the config byte-identical and the working sign-in answering', async () => {
    const before = snapshot(home);
    const r = await runKeyfob(['login', '--sso-session', SESSION, '--start-url', TYPO, '--sso-region', emulator.region, '--force'], home.env);
    expect(snapshot(home)).toEqual(before);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keyfob: .*not this Identity Center's start URL/m);
    // A role not asked for before: its credentials need the session's token, which must still be there.
    await adminCall(emulator, 'reset-stats');
    const creds = await runKeyfob(['credential-process', '--profile', 'Production/ReadOnlyAccess'], home.env);
    expect(creds.stderr).toBe('');
    expect(JSON.parse(creds.stdout).AccountId).toBe('432109876543');
    expect((await calls(emulator)).GetRoleCredentials).toBe(1);
    expect(await signedIn(home, SESSION)).toBe(true);
    // And the suggested fix (plain login) signs in to the configured URL, not the typo.
    const again = await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect(again.code).toBe(0);
    expect(snapshot(home)).toEqual(before);
  });

  it('a wrong URL under a new derived name leaves no section; plain login and populate still work', async () => {
    const before = snapshot(home);
    const r = await runKeyfob(['login', '--start-url', 'https://d-0000000000.awsapps.com/start', '--sso-region', emulator.region], home.env);
    expect(r.code).toBe(1);
    expect(snapshot(home)).toEqual(before);
    expect(readFileSync(home.configFile, 'utf8')).not.toContain('d-0000000000');
    const login = await runKeyfob(['login'], home.env);
    expect(login.stderr).not.toMatch(/several sso-sessions/);
    expect(login.stdout).toMatch(new RegExp(`^Signed in to ${SESSION} until `));
    const populate = await runKeyfob(['populate'], home.env);
    expect(populate.stderr).not.toMatch(/several sso-sessions/);
    expect(populate.code).toBe(0);
  });
});

describe('an [sso-session] the user wrote', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('is not overwritten without --force; with --force and a sign-in that works it is updated, and nothing else changes', async () => {
    const handWritten = [
      '# my work portal',
      '[sso-session acme]',
      'sso_start_url = https://acme.awsapps.com/start  ',
      'sso_region = eu-west-1',
      '; keep this comment',
      'sso_registration_scopes = sso:account:access',
      '',
      '[profile mine]',
      'region = eu-west-1',
      '',
    ].join('\n');
    writeFileSync(home.configFile, handWritten);
    const args = ['login', '--sso-session', 'acme', '--start-url', emulator.startUrl, '--sso-region', emulator.region];
    const refused = await runKeyfob(args, home.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `keyfob: sso-session "acme" in ${home.configFile} signs in to https://acme.awsapps.com/start (eu-west-1), not ${emulator.startUrl} (eu-west-1); ` +
        'pass --force to change it, or choose another name with --sso-session NAME\n',
    );
    expect(readFileSync(home.configFile, 'utf8')).toBe(handWritten);

    const forced = await runKeyfob([...args, '--force'], home.env);
    expect(forced.stderr).toMatch(/confirm the code/);
    expect(forced.stdout).toMatch(/^Signed in to acme until /);
    expect(forced.code).toBe(0);
    expect(readFileSync(home.configFile, 'utf8')).toBe(handWritten.replace('sso_start_url = https://acme.awsapps.com/start  ', `sso_start_url = ${emulator.startUrl}`));
    expect(await signedIn(home, 'acme')).toBe(true);
  });

  it('login --start-url of a configured portal reuses its session, whatever name the URL suggests', async () => {
    // The same portal as the emulator's, spelled with the trailing "#/" the portal's links carry.
    const config = `[sso-session work]\nsso_start_url = ${emulator.startUrl}#/\nsso_region = ${emulator.region}\n`;
    writeFileSync(home.configFile, config);
    const r = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
    expect(r.stdout).toMatch(/^Signed in to work until /);
    expect(r.code).toBe(0);
    expect(readFileSync(home.configFile, 'utf8')).toBe(config);
    // The sign-in is the configured session's, as written: the daemon answers for it.
    expect(await signedIn(home, 'work')).toBe(true);
  });
});

describe('SessionManager: a sign-in is replaced only by a sign-in that worked', () => {
  let emulator: RunningEmulator;
  const savedEnv = { ...process.env };
  const quiet: Logger = { info: () => undefined, warn: () => undefined };
  let good: SsoSessionConfig;
  let typo: SsoSessionConfig;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    Object.assign(process.env, { AWS_ENDPOINT_URL_SSO: emulator.url, AWS_ENDPOINT_URL_SSO_OIDC: emulator.url, AWS_EC2_METADATA_DISABLED: 'true' });
    good = { name: SESSION, startUrl: emulator.startUrl, region: emulator.region, scopes: ['sso:account:access'] };
    typo = { ...good, startUrl: TYPO };
  });
  afterAll(async () => {
    process.env = savedEnv;
    await emulator?.close();
  });

  it('another definition of the same name is "not signed in", and a failed login to it changes nothing stored', async () => {
    const store = memoryStore();
    const sessions = new SessionManager(store, quiet);
    try {
      await sessions.login(good, 'device', () => undefined);
      const token = await sessions.accessToken(good);
      const stored = await store.get(SESSION);

      // Another config names the session with another URL: not signed in there, and nothing is lost here.
      await expect(sessions.accessToken(typo)).rejects.toBeInstanceOf(NotSignedInError);
      expect((await sessions.status(typo)).signedIn).toBe(false);
      expect((await sessions.status(typo)).reason).toBe(`signed in to another start URL or region (${emulator.startUrl}, ${emulator.region})`);
      expect(await sessions.accessToken(good)).toBe(token);

      // A login to the other URL fails upstream: the stored sign-in is byte-identical and still works.
      await expect(sessions.login(typo, 'device', () => undefined)).rejects.toThrow(/not this Identity Center's start URL/);
      expect(await store.get(SESSION)).toBe(stored);
      expect(await sessions.accessToken(good)).toBe(token);
      // A daemon restarted on the same store (the keychain) finds it too.
      expect(await new SessionManager(store, quiet).accessToken(good)).toBe(token);

      // Signing out or logging out of the other definition does not end this one.
      await sessions.signOut(typo, 'test');
      expect(await sessions.logout(typo)).toBe(false);
      expect(await sessions.accessToken(good)).toBe(token);
      expect(await store.get(SESSION)).toBe(stored);
    } finally {
      sessions.close();
    }
  });

  it('concurrent logins join only a sign-in to the same definition', async () => {
    const sessions = new SessionManager(memoryStore(), quiet);
    try {
      const prompts: [string, boolean][] = [];
      const first = sessions.login(good, 'device', (p, joined) => prompts.push([p.url, joined]));
      const second = sessions.login(good, 'device', (p, joined) => prompts.push([p.url, joined]));
      const other = sessions.login(typo, 'device', () => undefined).then(
        () => 'signed in',
        (err: Error) => err.message,
      );
      await Promise.all([first, second]);
      expect(await other).toMatch(/not this Identity Center's start URL/);
      expect(prompts.map(([, joined]) => joined)).toEqual([false, true]);
      expect(prompts[0][0]).toBe(prompts[1][0]);
      expect((await sessions.status(good)).signedIn).toBe(true);
    } finally {
      sessions.close();
    }
  });
});

describe('planLogin: what a login would sign in with and write, decided before anything is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kf-plan-'));
  const config = join(dir, 'config');
  const portal = 'https://d-9067c0ffee.awsapps.com/start';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('derives a name for a new portal, and would write the section with the default scopes', async () => {
    writeFileSync(config, '');
    expect(await planLogin({ startUrl: portal, region: 'eu-west-1' }, config)).toEqual({
      session: { name: 'd-9067c0ffee', startUrl: portal, region: 'eu-west-1', scopes: ['sso:account:access'] },
      section: { name: 'd-9067c0ffee', startUrl: portal, region: 'eu-west-1', scopes: ['sso:account:access'] },
      save: true,
      force: false,
    });
  });

  it('reuses a configured portal as written (trailing slash, upper-case host), in its region first, and writes nothing', async () => {
    writeFileSync(config, `[sso-session us]\nsso_start_url = ${portal}\nsso_region = us-east-1\n\n[sso-session eu]\nsso_start_url = https://D-9067C0FFEE.awsapps.com/start/\nsso_region = eu-west-1\nsso_registration_scopes = a,b\n`);
    const plan = await planLogin({ startUrl: portal, region: 'eu-west-1' }, config);
    expect(plan.session).toEqual({ name: 'eu', startUrl: 'https://D-9067C0FFEE.awsapps.com/start/', region: 'eu-west-1', scopes: ['a', 'b'] });
    expect(plan.save).toBe(false);
    // An explicit new name is a new section, even for a configured portal.
    expect((await planLogin({ name: 'mine', startUrl: portal, region: 'eu-west-1' }, config)).save).toBe(true);
    // --scopes on an existing section changes only that key, without --force.
    const scoped = await planLogin({ name: 'eu', startUrl: portal, region: 'eu-west-1', scopes: 'sso:account:access' }, config);
    expect([scoped.save, scoped.session.scopes]).toEqual([true, ['sso:account:access']]);
  });

  it('refuses, before any sign-in, what could only fail when writing', async () => {
    writeFileSync(config, '');
    await expect(planLogin({ name: 'a b', startUrl: portal, region: 'eu-west-1' }, config)).rejects.toThrow(/invalid section name "a b"/);
    await expect(planLogin({ startUrl: 'ftp://x', region: 'eu-west-1' }, config)).rejects.toThrow(/not a valid start URL/);
    await expect(planLogin({ startUrl: portal, region: 'moon-1' }, config)).rejects.toThrow(/is not an AWS region/);
    await expect(planLogin({ force: true }, config)).rejects.toThrow('--sso-region, --scopes and --force go with --start-url');
  });
});

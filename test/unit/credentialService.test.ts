// CredentialService over a real SessionManager, both on a fake IAM Identity Center and the memory
// store: two config files answered side by side, one credential cache per (session, portal,
// account, role), one token refresh for many roles, and a 401 handled with one refresh.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLE_REFRESH_WINDOW_MS } from '../../src/credentials/cachingProvider.js';
import { ConfigCache, REVALIDATE_MS } from '../../src/daemon/server/configCache.js';
import { CredentialService } from '../../src/daemon/server/credentialService.js';
import { KeyfobError, NoSessionForPortalError, NotSignedInError, UnknownProfileError } from '../../src/core/errors.js';
import { SessionManager, TOKEN_REFRESH_WINDOW_MS } from '../../src/signin/sessions.js';
import { memoryStore } from '../../src/store/index.js';
import { FakeIdentityCenter, quietLog, session } from './fakeIdentityCenter.js';

const corp = session();
const ROLES = ['Admin', 'ReadOnly', 'Billing'];
const ACCOUNTS = ['111111111111', '222222222222'];

let dir: string;
let fake: FakeIdentityCenter;
let sessions: SessionManager;
let service: CredentialService;

function ssoSection(startUrl = corp.startUrl): string {
  return `[sso-session ${corp.name}]\nsso_start_url = ${startUrl}\nsso_region = ${corp.region}\nsso_registration_scopes = sso:account:access\n\n`;
}

function profile(name: string, accountId: string, roleName: string): string {
  return `[profile ${name}]\nkeyfob_sso_session = ${corp.name}\nkeyfob_account_id = ${accountId}\nkeyfob_role_name = ${roleName}\n\n`;
}

/** A config file with one profile per account and role, named `prefix/account/role`. */
function configFile(name: string, prefix: string, startUrl = corp.startUrl): ConfigCache {
  let text = ssoSection(startUrl);
  for (const a of ACCOUNTS) for (const r of ROLES) text += profile(`${prefix}${a}/${r}`, a, r);
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return new ConfigCache(path);
}

beforeEach(async () => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  dir = mkdtempSync(join(tmpdir(), 'keyfob-unit-'));
  fake = new FakeIdentityCenter();
  sessions = new SessionManager(memoryStore(), quietLog, { identityCenter: fake, awsCliCacheDir: join(dir, 'no-cli-cache') });
  service = new CredentialService(sessions, quietLog, fake);
  await sessions.login(corp, 'device', () => undefined);
});
afterEach(() => {
  service.close();
  sessions.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('CredentialService', () => {
  it('answers two config files, each from its own profiles, sharing one cache per role', async () => {
    const work = configFile('work', 'work/');
    const home = configFile('home', 'home/');
    const a = await service.forProfile(work, `work/${ACCOUNTS[0]}/Admin`);
    const b = await service.forProfile(home, `home/${ACCOUNTS[0]}/Admin`);
    expect(b.AccessKeyId).toBe(a.AccessKeyId);
    expect(fake.calls.getRoleCredentials).toBe(1);
    // Another role, or another account, is another cache.
    const c = await service.forProfile(home, `home/${ACCOUNTS[0]}/ReadOnly`);
    const d = await service.forProfile(work, `work/${ACCOUNTS[1]}/Admin`);
    expect(new Set([a.AccessKeyId, c.AccessKeyId, d.AccessKeyId]).size).toBe(3);
    expect(fake.calls.getRoleCredentials).toBe(3);
    expect(c.AccountId).toBe(ACCOUNTS[0]);
    expect(d.AccountId).toBe(ACCOUNTS[1]);
    // Each file knows only its own profile names.
    await expect(service.forProfile(work, `home/${ACCOUNTS[0]}/Admin`)).rejects.toBeInstanceOf(UnknownProfileError);
    expect(service.cached()).toHaveLength(3);
  });

  it('a same-named session on another portal is not served from this one\'s cache', async () => {
    const work = configFile('work', 'p/');
    const other = configFile('other', 'p/', 'https://d-9999999999.awsapps.com/start');
    await service.forProfile(work, `p/${ACCOUNTS[0]}/Admin`);
    await expect(service.forProfile(other, `p/${ACCOUNTS[0]}/Admin`)).rejects.toBeInstanceOf(NotSignedInError);
    expect(fake.calls.getRoleCredentials).toBe(1);
  });

  it('many roles at once, with the token due for refresh: one CreateToken, one GetRoleCredentials per role', async () => {
    const work = configFile('work', 'w/');
    vi.setSystemTime(Date.now() + 60 * 60_000 - TOKEN_REFRESH_WINDOW_MS + 1000);
    const names = ACCOUNTS.flatMap((a) => ROLES.map((r) => `w/${a}/${r}`));
    const answers = await Promise.all([...names, ...names].map((n) => service.forProfile(work, n)));
    expect(fake.calls.refreshToken).toBe(1);
    expect(fake.refused).toBe(0);
    expect(fake.calls.getRoleCredentials).toBe(names.length);
    expect(new Set(answers.map((a) => a.AccessKeyId)).size).toBe(names.length);
    expect((await sessions.status(corp)).signedIn).toBe(true);
  });

  it('credentials handed out always have more than the refresh window left', async () => {
    const work = configFile('work', 'w/');
    for (let minutes = 0; minutes < 4 * 60; minutes += 13) {
      vi.setSystemTime(Date.UTC(2026, 0, 1) + minutes * 60_000);
      const c = await service.forProfile(work, `w/${ACCOUNTS[0]}/Admin`);
      expect(Date.parse(c.Expiration!) - Date.now()).toBeGreaterThan(ROLE_REFRESH_WINDOW_MS);
    }
    expect(fake.refused).toBe(0);
  });

  it('a token the portal refuses (401) is refreshed once, and the call retried', async () => {
    const work = configFile('work', 'w/');
    const token = await sessions.accessToken(corp);
    fake.forgetAccessToken(token);
    const answers = await Promise.all(ROLES.map((r) => service.forProfile(work, `w/${ACCOUNTS[0]}/${r}`)));
    expect(answers).toHaveLength(3);
    expect(fake.calls.refreshToken).toBe(1);
    expect(fake.refused).toBe(0);
  });

  it('a revoked portal session signs out: NotSignedIn for every role, and a sign-in brings them back', async () => {
    const work = configFile('work', 'w/');
    fake.revoke();
    const results = await Promise.allSettled(ROLES.map((r) => service.forProfile(work, `w/${ACCOUNTS[0]}/${r}`)));
    for (const r of results) expect(r.status === 'rejected' && r.reason).toBeInstanceOf(NotSignedInError);
    expect((await sessions.status(corp)).signedIn).toBe(false);
    await sessions.login(corp, 'device', () => undefined);
    expect((await service.forProfile(work, `w/${ACCOUNTS[0]}/Admin`)).AccountId).toBe(ACCOUNTS[0]);
  });

  it('dropSession forgets the cached credentials of that session', async () => {
    const work = configFile('work', 'w/');
    await service.forProfile(work, `w/${ACCOUNTS[0]}/Admin`);
    service.dropSession(corp.name);
    expect(service.cached()).toEqual([]);
    await service.forProfile(work, `w/${ACCOUNTS[0]}/Admin`);
    expect(fake.calls.getRoleCredentials).toBe(2);
  });
});

describe('the warm path keeps its work', () => {
  it('forProfile gives the same frozen answer while the role credentials stay cached, and a new one once they change', async () => {
    const work = configFile('work', 'w/');
    const name = `w/${ACCOUNTS[0]}/Admin`;
    const first = await service.forProfile(work, name);
    // The daemon keeps the serialised answer by this object's identity (answers.ts sendReadyJson).
    expect(await service.forProfile(work, name)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await service.forProfile(work, `w/${ACCOUNTS[0]}/ReadOnly`)).not.toBe(first);
    vi.setSystemTime(Date.parse(first.Expiration!) - ROLE_REFRESH_WINDOW_MS + 1000);
    const renewed = await service.forProfile(work, name);
    expect(renewed).not.toBe(first);
    expect(renewed.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(await service.forProfile(work, name)).toBe(renewed);
  });

  it('a config checked within REVALIDATE_MS is not read again, except for a name it lacks', async () => {
    const work = configFile('work', 'w/');
    const name = `w/${ACCOUNTS[0]}/Admin`;
    expect((await service.forProfile(work, name)).AccountId).toBe(ACCOUNTS[0]);
    // The same profile now names another account: within the window the parse stands...
    const text = ssoSection() + profile(name, ACCOUNTS[1], 'Admin') + profile('w/added', ACCOUNTS[1], 'ReadOnly');
    writeFileSync(work.path, text);
    expect((await service.forProfile(work, name)).AccountId).toBe(ACCOUNTS[0]);
    // ...but a profile added meanwhile is found at once, from a fresh parse...
    expect((await service.forProfile(work, 'w/added')).AccountId).toBe(ACCOUNTS[1]);
    expect(work.parses).toBe(2);
    // ...and after the window every request sees the file as it is.
    writeFileSync(work.path, `${text}\n`);
    vi.advanceTimersByTime(REVALIDATE_MS);
    expect((await service.forProfile(work, name)).AccountId).toBe(ACCOUNTS[1]);
    expect(work.parses).toBe(3);
    await expect(service.forProfile(work, 'w/missing')).rejects.toBeInstanceOf(UnknownProfileError);
    expect(work.parses).toBe(3);
  });

  it('a legacy or granted profile whose portal has no [sso-session] reuses the sign-in the daemon holds to exactly that portal', async () => {
    const path = join(dir, 'legacy');
    writeFileSync(
      path,
      `[profile legacy]\nsso_start_url = ${corp.startUrl}/\nsso_region = ${corp.region}\nsso_account_id = ${ACCOUNTS[0]}\nsso_role_name = Admin\n\n` +
        `[profile granted]\ngranted_sso_start_url = ${corp.startUrl}\ngranted_sso_region = ${corp.region}\ngranted_sso_account_id = ${ACCOUNTS[1]}\ngranted_sso_role_name = ReadOnly\n\n` +
        `[profile elsewhere]\nsso_start_url = ${corp.startUrl}\nsso_region = us-east-1\nsso_account_id = ${ACCOUNTS[0]}\nsso_role_name = Admin\n`,
      { mode: 0o600 },
    );
    const file = new ConfigCache(path);
    expect((await service.forProfile(file, 'legacy')).AccessKeyId).toBeTruthy();
    expect((await service.forProfile(file, 'granted')).AccessKeyId).toBeTruthy();
    expect(fake.calls.signIn).toBe(1); // the sign-in of beforeEach, no other
    expect(service.describe(file, 'legacy')).toMatchObject({ ssoSession: corp.name, accountId: ACCOUNTS[0], roleName: 'Admin' });
    // Another region is another portal: still no session for it.
    await expect(service.forProfile(file, 'elsewhere')).rejects.toBeInstanceOf(NoSessionForPortalError);
    // Signed out: the error again, and once signed in anew (same files), the sign-in is used again.
    await sessions.logout(corp);
    await expect(service.forProfile(file, 'legacy')).rejects.toBeInstanceOf(KeyfobError);
    sessions.close();
    sessions = new SessionManager(memoryStore(), quietLog, { identityCenter: fake, awsCliCacheDir: join(dir, 'no-cli-cache') });
    service.close();
    service = new CredentialService(sessions, quietLog, fake);
    await expect(service.forProfile(file, 'legacy')).rejects.toBeInstanceOf(NoSessionForPortalError);
    await sessions.login(corp, 'device', () => undefined);
    expect((await service.forProfile(file, 'legacy')).AccessKeyId).toBeTruthy();
  });

  it("after a restart, a portal's sign-in kept under the name keyfob login gives it is read from the store and reused", async () => {
    const store = memoryStore();
    const portal = session({ name: 'd-1111111111' }); // what `keyfob login --start-url` names corp's portal
    const before = new SessionManager(store, quietLog, { identityCenter: fake, awsCliCacheDir: join(dir, 'no-cli-cache') });
    await before.login(portal, 'device', () => undefined);
    before.close();
    const restarted = new SessionManager(store, quietLog, { identityCenter: fake, awsCliCacheDir: join(dir, 'no-cli-cache') });
    const fresh = new CredentialService(restarted, quietLog, fake);
    const path = join(dir, 'legacy-after-restart');
    writeFileSync(path, `[profile legacy]\nsso_start_url = ${corp.startUrl}\nsso_region = ${corp.region}\nsso_account_id = ${ACCOUNTS[0]}\nsso_role_name = Admin\n`, { mode: 0o600 });
    const signIns = fake.calls.signIn;
    try {
      expect((await fresh.assume(new ConfigCache(path), 'legacy')).profile).toMatchObject({ ssoSession: 'd-1111111111', accountId: ACCOUNTS[0] });
      expect(fake.calls.signIn).toBe(signIns);
    } finally {
      fresh.close();
      restarted.close();
    }
  });
});

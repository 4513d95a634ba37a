// The portal's list and guard without a browser: rows from a fake daemon view (frecency order kept,
// account names and emails joined, account roles no profile names appended), the picker's matcher,
// the account listing asked again only when a sign-in changes, and the one-time token.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PortalGuard } from '../../src/portal/guard.js';
import { AccountDirectory, rowKey, searchRows, snapshot, type DaemonView } from '../../src/portal/rows.js';
import type { StatusReport } from '../../src/daemon/client/status.js';

const LATER = new Date(Date.now() + 3_600_000).toISOString();

function fakeView(): DaemonView & { accountCalls: number; sessionExpiry: string } {
  const view = {
    accountCalls: 0,
    sessionExpiry: LATER,
    summaries: async () => [
      { name: 'Prod/ReadOnly', ssoSession: 'corp', accountId: '111', roleName: 'ReadOnly', kind: 'sso' as const, source: 'corp/111/ReadOnly' },
      { name: 'Exp/Admin', ssoSession: 'corp', accountId: '222', roleName: 'Admin', kind: 'sso' as const, source: 'corp/222/Admin' },
      { name: 'deploy', ssoSession: 'corp', accountId: '111', roleName: 'Deploy', kind: 'chain' as const, source: 'Prod/ReadOnly' },
    ],
    listing: async () => [
      { name: 'Prod/ReadOnly', kind: 'sso' as const, expiration: LATER },
      { name: 'Exp/Admin', kind: 'sso' as const },
      { name: 'deploy', kind: 'chain' as const },
      { name: 'broken', error: 'profile "broken" has no credentials' },
      { name: 'default', kind: 'settings' as const, source: 'region' },
    ],
    status: async () => ({ sessions: [{ name: 'corp', startUrl: 'https://corp', region: 'eu-west-1', signedIn: true, expiresAt: view.sessionExpiry, canRefresh: true, signInPending: false }] }) as unknown as StatusReport,
    accounts: async () => {
      view.accountCalls++;
      return [
        { accountId: '111', accountName: 'Production', emailAddress: 'prod@example.com', roles: ['ReadOnly', 'Admin'] },
        { accountId: '222', accountName: 'Experiments', emailAddress: 'exp@example.com', roles: ['Admin'] },
      ];
    },
  };
  return view;
}

describe('the portal rows', () => {
  it('keeps the daemon’s order, joins accounts, lists unnamed account roles and profiles that do not resolve', async () => {
    const view = fakeView();
    const { rows, sessions } = await snapshot(view, new AccountDirectory(view));
    expect(rows.map(rowKey)).toEqual(['Prod/ReadOnly', 'Exp/Admin', 'deploy', 'broken', '@corp/111/Admin']);
    expect(rows[0]).toMatchObject({ accountName: 'Production', email: 'prod@example.com', credentialsExpire: LATER, signIn: { session: 'corp', signedIn: true, expiresAt: LATER } });
    expect(rows[1]!.credentialsExpire).toBeUndefined();
    expect(rows[3]).toMatchObject({ name: 'broken', error: 'profile "broken" has no credentials' });
    expect(rows[4]).toMatchObject({ name: '', accountName: 'Production', roleName: 'Admin' });
    expect(sessions).toEqual([{ name: 'corp', startUrl: 'https://corp', signedIn: true, expiresAt: LATER, signInPending: false }]);
  });

  it('asks for the accounts again only when the sign-in changes', async () => {
    const view = fakeView();
    const directory = new AccountDirectory(view);
    await snapshot(view, directory);
    await snapshot(view, directory);
    expect(view.accountCalls).toBe(1);
    view.sessionExpiry = new Date(Date.now() + 7_200_000).toISOString();
    await snapshot(view, directory);
    expect(view.accountCalls).toBe(2);
  });

  it('goes on without a slow listing, and takes it up when it is done; a failed one is tried again later', async () => {
    const view = fakeView();
    let finish!: () => void;
    const listed = view.accounts;
    view.accounts = async (session) => {
      await new Promise<void>((resolve) => (finish = resolve));
      return listed(session);
    };
    const directory = new AccountDirectory(view, 600_000, 50);
    expect((await snapshot(view, directory)).rows.map(rowKey)).toEqual(['Prod/ReadOnly', 'Exp/Admin', 'deploy', 'broken']);
    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await snapshot(view, directory)).rows.map(rowKey)).toContain('@corp/111/Admin');
    expect(view.accountCalls).toBe(1);

    let clock = 0;
    const failing = fakeView();
    failing.accounts = async () => {
      failing.accountCalls++;
      throw new Error('throttled');
    };
    const retrying = new AccountDirectory(failing, 600_000, 50, () => clock);
    expect(await retrying.of('corp', 'k')).toEqual([]);
    expect(await retrying.of('corp', 'k')).toEqual([]);
    expect(failing.accountCalls).toBe(1);
    clock += 61_000;
    await retrying.of('corp', 'k');
    expect(failing.accountCalls).toBe(2);
  });

  it('searches with the picker’s matcher: space means AND', async () => {
    const view = fakeView();
    const { rows } = await snapshot(view, new AccountDirectory(view));
    expect(searchRows(rows, 'exp admin').map(rowKey)).toEqual(['Exp/Admin']);
    expect(searchRows(rows, '').map(rowKey)).toEqual(rows.map(rowKey));
    expect(searchRows(rows, 'zzz')).toEqual([]);
  });
});

describe('the portal guard', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('trades the token once for a cookie that is then the session', () => {
    const guard = new PortalGuard(4242, 'the-token');
    expect(guard.redeem('wrong')).toBeUndefined();
    const cookie = guard.redeem('the-token')!;
    expect(cookie).toMatch(/^keyfob_portal_4242=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(guard.redeem('the-token')).toBeUndefined();
    expect(guard.hasSession(req({ cookie: `other=1; ${cookie.split(';')[0]}` }))).toBe(true);
    expect(guard.hasSession(req({ cookie: 'keyfob_portal_4242=forged' }))).toBe(false);
    expect(guard.hasSession(req({}))).toBe(false);
  });

  it('accepts only its own Host and Origin', () => {
    const guard = new PortalGuard(4242, 't');
    for (const host of ['127.0.0.1:4242', 'localhost:4242', 'LOCALHOST:4242']) expect(guard.checkHost(req({ host }))).toBeUndefined();
    for (const host of ['127.0.0.1:4243', 'evil.example:4242', '127.0.0.1', '[::1]:4242', '']) expect(guard.checkHost(req({ host }))?.status).toBe(421);
    expect(guard.checkOrigin(req({ origin: 'http://127.0.0.1:4242' }))).toBeUndefined();
    for (const origin of ['http://evil.example', 'http://127.0.0.1:4243', 'null', 'https://127.0.0.1:4242']) expect(guard.checkOrigin(req({ origin }))?.status).toBe(403);
    expect(guard.checkOrigin(req({}))?.status).toBe(403);
  });
});

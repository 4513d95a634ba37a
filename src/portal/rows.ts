// What the portal lists: one row per profile the daemon resolves (in the daemon's frecency order),
// then every account and role of a signed-in sso-session that no profile names yet. All of it is
// asked of the daemon over its socket, as `keyfob list` and `keyfob status` ask: never a secret.
import { filterRows } from '../assume/picker/layout.js';
import { listAccountsThroughDaemon, type ListedAccount } from '../daemon/client/accounts.js';
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import { listProfiles } from '../daemon/client/profileList.js';
import type { StatusReport } from '../daemon/client/status.js';
import { ROUTES, type ProfileSummary } from '../daemon/protocol.js';

export interface PortalRow {
  /** The profile's name; '' for an account role no profile names yet (populate would add it). */
  name: string;
  kind: string;
  source: string;
  ssoSession: string;
  accountId: string;
  accountName: string;
  email: string;
  roleName: string;
  /** ISO time the daemon's cached credentials expire, when it holds some. */
  credentialsExpire?: string;
  /** The sign-in this row depends on: when it ends, or that it has ended. */
  signIn?: { session: string; signedIn: boolean; expiresAt?: string };
  /** Why the profile does not resolve. */
  error?: string;
}

export interface PortalSnapshot {
  rows: PortalRow[];
  sessions: { name: string; startUrl: string; signedIn: boolean; expiresAt?: string; signInPending: boolean }[];
}

/** What the portal asks the daemon; tests may replace it. */
export interface DaemonView {
  summaries(): Promise<ProfileSummary[]>;
  listing(): ReturnType<typeof listProfiles>;
  status(): Promise<StatusReport>;
  accounts(ssoSession: string): Promise<ListedAccount[]>;
}

export function daemonView(env: NodeJS.ProcessEnv = process.env): DaemonView {
  return {
    summaries: async () => parseAnswer<{ profiles: ProfileSummary[] }>(await daemonRequest('GET', ROUTES.profiles, undefined, { env })).profiles,
    listing: () => listProfiles(env),
    status: async () => parseAnswer<StatusReport>(await daemonRequest('GET', ROUTES.status, undefined, { env })),
    accounts: (ssoSession) => listAccountsThroughDaemon(ssoSession, { env }),
  };
}

/**
 * Account listings per signed-in session, asked again when that sign-in changes or after `maxAgeMs`.
 * A listing of a large organisation takes a while: the list waits for it at most `waitMs`, then goes
 * on with what it had, and a later poll picks the listing up when it is done.
 */
const RETRY_MS = 60_000;

export class AccountDirectory {
  private readonly cache = new Map<string, { key: string; at: number; accounts: ListedAccount[] }>();
  private readonly listing = new Map<string, Promise<void>>();
  constructor(
    private readonly view: DaemonView,
    private readonly maxAgeMs = 10 * 60_000,
    private readonly waitMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  async of(session: string, signInKey: string): Promise<ListedAccount[]> {
    const hit = this.cache.get(session);
    if (hit && hit.key === signInKey && this.now() - hit.at < this.maxAgeMs) return hit.accounts;
    let pending = this.listing.get(session);
    if (!pending) {
      pending = this.view
        .accounts(session)
        .then(
          (accounts) => void this.cache.set(session, { key: signInKey, at: this.now(), accounts }),
          // An outage: keep what was listed (the rows from profiles remain), and try again in a minute.
          () => void this.cache.set(session, { key: signInKey, at: this.now() - this.maxAgeMs + RETRY_MS, accounts: hit?.accounts ?? [] }),
        )
        .finally(() => this.listing.delete(session));
      this.listing.set(session, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise((resolve) => (timer = setTimeout(resolve, this.waitMs)))]);
    clearTimeout(timer);
    return this.cache.get(session)?.accounts ?? [];
  }
}

export async function snapshot(view: DaemonView, directory: AccountDirectory): Promise<PortalSnapshot> {
  const [summaries, listing, status] = await Promise.all([view.summaries(), view.listing(), view.status()]);
  const sessions = status.sessions.map((s) => ({ name: s.name, startUrl: s.startUrl, signedIn: s.signedIn, expiresAt: s.expiresAt, signInPending: s.signInPending }));
  const sessionByName = new Map(sessions.map((s) => [s.name, s]));
  const accountInfo = new Map<string, { name: string; email: string }>();
  const unnamed: PortalRow[] = [];
  const named = new Set(summaries.filter((p) => p.roleName).map((p) => `${p.ssoSession}\0${p.accountId}\0${p.roleName}`));
  for (const s of sessions.filter((x) => x.signedIn)) {
    for (const account of await directory.of(s.name, s.expiresAt ?? '')) {
      accountInfo.set(account.accountId, { name: account.accountName, email: account.emailAddress ?? '' });
      for (const role of account.roles) {
        if (named.has(`${s.name}\0${account.accountId}\0${role}`)) continue;
        unnamed.push({
          name: '',
          kind: 'sso',
          source: `${s.name}/${account.accountId}/${role}`,
          ssoSession: s.name,
          accountId: account.accountId,
          accountName: account.accountName,
          email: account.emailAddress ?? '',
          roleName: role,
          signIn: { session: s.name, signedIn: true, expiresAt: s.expiresAt },
        });
      }
    }
  }
  const listed = new Map(listing.map((l) => [l.name, l]));
  const signInOf = (session: string) => {
    const s = session ? sessionByName.get(session) : undefined;
    return s ? { session: s.name, signedIn: s.signedIn, expiresAt: s.signedIn ? s.expiresAt : undefined } : undefined;
  };
  const rows: PortalRow[] = summaries.map((p) => {
    const info = accountInfo.get(p.accountId);
    const entry = listed.get(p.name);
    return {
      name: p.name,
      kind: p.kind ?? 'sso',
      source: p.source ?? '',
      ssoSession: p.ssoSession,
      accountId: p.accountId,
      accountName: info?.name ?? '',
      email: info?.email ?? '',
      roleName: p.roleName,
      ...(entry?.expiration ? { credentialsExpire: entry.expiration } : {}),
      ...(signInOf(p.ssoSession) ? { signIn: signInOf(p.ssoSession) } : {}),
    };
  });
  // Profiles the summaries leave out (ones that do not resolve), so the list hides nothing.
  const summarised = new Set(summaries.map((p) => p.name));
  for (const l of listing) {
    if (summarised.has(l.name) || l.kind === 'settings') continue;
    rows.push({ name: l.name, kind: l.kind ?? '?', source: l.source ?? '', ssoSession: '', accountId: '', accountName: '', email: '', roleName: '', ...(l.error ? { error: l.error } : {}) });
  }
  return { rows: [...rows, ...unnamed], sessions };
}

/** The picker's matcher on the picker's fields (name, account id, role; space means AND), best first. */
export function searchRows(rows: PortalRow[], query: string): PortalRow[] {
  return filterRows(
    rows.map((row) => ({ name: row.name || row.source, accountId: row.accountId, roleName: row.roleName, row })),
    query,
  ).map((match) => match.row);
}

/** A row's key on the page: its profile, or session/account/role for an account role no profile names. */
export const rowKey = (row: PortalRow) => row.name || `@${row.source}`;

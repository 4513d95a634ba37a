// Lists the accounts and roles a signed-in user can reach (ListAccounts, ListAccountRoles).
// Roles are listed as soon as the first page of accounts arrives, with bounded concurrency, under
// the adaptive rate limiter, so a large organisation is listed at the rate the service grants.
// All or nothing: a call that finally fails rejects the whole listing.
import { ListAccountRolesCommand, ListAccountsCommand } from '@aws-sdk/client-sso';
import { portalCircuit } from './circuits.js';
import { ssoClient, upstreamFailure } from './clients.js';
import { sharedLimiter } from './adaptiveRate.js';

export interface AccountAssignment {
  accountId: string;
  accountName: string;
  emailAddress?: string;
  roles: string[];
}

export interface ListingProgress {
  /** Accounts ListAccounts has returned so far. */
  accountsFound: number;
  /** Accounts whose roles have all been listed; accountsDone ÷ accountsTotal is the share done. */
  accountsDone: number;
  /** Undefined until the last ListAccounts page is in. */
  accountsTotal: number | undefined;
}

export interface ListAssignmentsOptions {
  onProgress?: (progress: ListingProgress) => void;
  /** The sso-session whose portal circuit the listing counts in (aws/circuits.ts): one failed listing is one failure. */
  ssoSession?: string;
}

const PAGE_SIZE = 100;
// Enough in flight to reach the service's rate at real-world latencies; the limiter does the pacing.
const ROLE_LISTING_CONCURRENCY = 8;

export async function listAssignments(region: string, accessToken: string, options: ListAssignmentsOptions = {}): Promise<AccountAssignment[]> {
  try {
    // A whole listing is one try of the portal's circuit: while the portal fails, it fails at once.
    return await portalCircuit(options.ssoSession ?? '', region).run(() => listAll(region, accessToken, options));
  } catch (err) {
    throw upstreamFailure(err, 'listing accounts and roles');
  }
}

async function listAll(region: string, accessToken: string, options: ListAssignmentsOptions): Promise<AccountAssignment[]> {
  const client = ssoClient(region);
  const accountsLimiter = sharedLimiter(region, 'ListAccounts');
  const rolesLimiter = sharedLimiter(region, 'ListAccountRoles');
  const accounts: AccountAssignment[] = [];
  let accountsTotal: number | undefined;
  let accountsDone = 0;
  let nextAccount = 0;
  let stopped = false;
  let wakeWorkers: Array<() => void> = [];
  const wake = () => {
    const waiting = wakeWorkers;
    wakeWorkers = [];
    for (const resolve of waiting) resolve();
  };
  const report = () => options.onProgress?.({ accountsFound: accounts.length, accountsDone, accountsTotal });

  const listAccounts = async () => {
    try {
      let nextToken: string | undefined;
      do {
        const page = await accountsLimiter.run(() => client.send(new ListAccountsCommand({ accessToken, maxResults: PAGE_SIZE, nextToken })));
        if (stopped) return;
        for (const a of page.accountList ?? []) {
          accounts.push({ accountId: a.accountId!, accountName: a.accountName ?? a.accountId!, emailAddress: a.emailAddress, roles: [] });
        }
        nextToken = page.nextToken;
        if (!nextToken) accountsTotal = accounts.length;
        report();
        wake();
      } while (nextToken);
    } finally {
      accountsTotal ??= accounts.length; // on failure too, so no worker waits for pages that will not come
      wake();
    }
  };

  const listRoles = async () => {
    while (!stopped) {
      if (nextAccount >= accounts.length) {
        if (accountsTotal !== undefined) return;
        await new Promise<void>((resolve) => wakeWorkers.push(resolve));
        continue;
      }
      const account = accounts[nextAccount++];
      const roles: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await rolesLimiter.run(() =>
          client.send(new ListAccountRolesCommand({ accessToken, accountId: account.accountId, maxResults: PAGE_SIZE, nextToken })),
        );
        if (stopped) return;
        for (const r of page.roleList ?? []) roles.push(r.roleName!);
        nextToken = page.nextToken;
      } while (nextToken);
      account.roles = roles;
      accountsDone++;
      report();
    }
  };

  const stopOnFailure = <T>(work: Promise<T>) =>
    work.catch((err: unknown) => {
      stopped = true;
      wake();
      throw err;
    });

  await Promise.all([stopOnFailure(listAccounts()), ...Array.from({ length: ROLE_LISTING_CONCURRENCY }, () => stopOnFailure(listRoles()))]);
  return accounts;
}

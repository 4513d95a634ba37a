// Lists the accounts and roles a signed-in user can reach (ListAccounts, ListAccountRoles),
// with bounded concurrency and the shared backoff, so large organisations do not hit 429 walls.
import { ListAccountRolesCommand, ListAccountsCommand } from '@aws-sdk/client-sso';
import { ssoClient, upstreamFailure } from '../aws/clients.js';
import { withRetry } from './retry.js';

export interface AccountAssignment {
  accountId: string;
  accountName: string;
  emailAddress?: string;
  roles: string[];
}

const PAGE_SIZE = 100;
const ROLE_LISTING_CONCURRENCY = 4;

export async function listAssignments(region: string, accessToken: string): Promise<AccountAssignment[]> {
  const client = ssoClient(region);
  const accounts: AccountAssignment[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await withRetry(() => client.send(new ListAccountsCommand({ accessToken, maxResults: PAGE_SIZE, nextToken })));
      for (const a of page.accountList ?? []) {
        accounts.push({ accountId: a.accountId!, accountName: a.accountName ?? a.accountId!, emailAddress: a.emailAddress, roles: [] });
      }
      nextToken = page.nextToken;
    } while (nextToken);

    let next = 0;
    const worker = async () => {
      while (next < accounts.length) {
        const account = accounts[next++];
        let token: string | undefined;
        do {
          const page = await withRetry(() =>
            client.send(new ListAccountRolesCommand({ accessToken, accountId: account.accountId, maxResults: PAGE_SIZE, nextToken: token })),
          );
          for (const r of page.roleList ?? []) account.roles.push(r.roleName!);
          token = page.nextToken;
        } while (token);
      }
    };
    await Promise.all(Array.from({ length: ROLE_LISTING_CONCURRENCY }, worker));
  } catch (err) {
    throw upstreamFailure(err, 'listing accounts and roles');
  }
  return accounts;
}

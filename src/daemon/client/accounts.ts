// Client side of the account listing: the daemon lists with its session's token and streams
// progress, so a large organisation shows how far it got.
import { KeyfobError } from '../../core/errors.js';
import { ROUTES, type AccountsEvent, type AccountsProgress } from '../protocol.js';
import { daemonEvents } from './connection.js';

export type ListedAccount = Extract<AccountsEvent, { event: 'accounts' }>['accounts'][number];

export async function listAccountsThroughDaemon(
  ssoSession: string,
  opts: { env?: NodeJS.ProcessEnv; onProgress?: (progress: AccountsProgress) => void } = {},
): Promise<ListedAccount[]> {
  let result: Exclude<AccountsEvent, { event: 'progress' }> | undefined;
  await daemonEvents<AccountsEvent>(
    'GET',
    `${ROUTES.accounts}?ssoSession=${encodeURIComponent(ssoSession)}`,
    undefined,
    (event) => {
      if (event.event === 'progress') opts.onProgress?.(event);
      else result = event;
    },
    { env: opts.env },
  );
  if (!result) throw new KeyfobError('ListingFailed', 'the daemon ended the account listing without an answer; see KEYFOB_HOME/daemon.log');
  if (result.event === 'error') throw Object.assign(new KeyfobError(result.error.code, result.error.message), { ssoSession: result.error.ssoSession });
  return result.accounts;
}

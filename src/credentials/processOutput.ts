// Another tool's credential_process, as the daemon sees it: never a program, only its JSON output,
// which the client ran (daemon/client/processNeed.ts) and sent in PROCESS_HEADER. The daemon
// starts no program: a link of this kind that needs refreshing answers NeedsProcess (HTTP 428)
// naming the profile, and the client asks again once with the output. One copy of the
// credential_process JSON v1 rules (parseProcessOutput), for the client that ran the tool and the
// daemon that reads the header.
import { KeyfobError } from '../core/errors.js';
import type { CredentialProvider, RoleCredentials } from './types.js';

export const PROCESS_TIMEOUT_MS = 60_000;
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** Credentials a tool gave without an Expiration are used this long, then asked for again. */
export const UNDATED_LIFETIME_MS = 60 * 60_000;

/** The daemon asks the client to run `processProfile`'s credential_process and send its output. */
export class NeedsProcessError extends KeyfobError {
  constructor(readonly processProfile: string) {
    super(
      'NeedsProcess',
      `profile "${processProfile}" takes its credentials from another tool's credential_process, which runs in keyfob's client, not the daemon; run it through keyfob (credential_process, assume or exec)`,
      428,
    );
  }
}

/** credential_process JSON v1, checked as botocore checks it; `fail` words the one-line error. */
export function parseProcessOutput(stdout: string, fail: (detail: string) => KeyfobError): RoleCredentials {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw fail('did not print JSON');
  }
  if (parsed?.Version !== 1) throw fail(`printed Version ${JSON.stringify(parsed?.Version ?? null)}, and only version 1 is supported`);
  const text = (key: string) => (typeof parsed[key] === 'string' && parsed[key] !== '' ? (parsed[key] as string) : undefined);
  const accessKeyId = text('AccessKeyId');
  const secretAccessKey = text('SecretAccessKey');
  if (!accessKeyId || !secretAccessKey) throw fail(`printed no ${accessKeyId ? 'SecretAccessKey' : 'AccessKeyId'}`);
  const expiration = text('Expiration');
  const expiresAt = expiration ? Date.parse(expiration) : Date.now() + UNDATED_LIFETIME_MS;
  if (Number.isNaN(expiresAt)) throw fail('printed an Expiration that is not a date');
  const sessionToken = text('SessionToken');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), expiration: expiresAt, accountId: text('AccountId') ?? '' };
}

/**
 * The daemon's link for another tool's credential_process: it hands out the output a client
 * supplied for this request (supply), and otherwise asks for it (NeedsProcessError). Wrapped in a
 * CachingProvider like every link, so it asks only when its credentials need refreshing.
 */
export class SuppliedProcessProvider implements CredentialProvider {
  private supplied?: RoleCredentials;

  constructor(readonly profile: string) {}

  /** Output a client sent for this link; used by the next retrieve (one refresh), dropped by `withdraw`. */
  supply(credentials: RoleCredentials): void {
    this.supplied = credentials;
  }

  withdraw(credentials: RoleCredentials): void {
    if (this.supplied === credentials) this.supplied = undefined;
  }

  async retrieve(): Promise<RoleCredentials> {
    const credentials = this.supplied;
    if (!credentials) throw new NeedsProcessError(this.profile);
    this.supplied = undefined;
    return credentials;
  }
}

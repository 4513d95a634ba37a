// The daemon's HTTP/1.1 + JSON API over its Unix socket (try: curl --unix-socket SOCK http://keyfob/v1/status).
// Shared by server and client; type imports only, so the lean client stays lean.
import type { CredentialProcessOutput } from '../credentials/types.js';
import type { ErrorCode } from '../errors.js';

export const ROUTES = {
  ping: '/v1/ping',
  credentials: '/v1/credentials', // GET ?profile=NAME → credential_process JSON v1
  login: '/v1/login', // POST LoginRequest → NDJSON LoginEvent stream
  logout: '/v1/logout', // POST {ssoSession} | {all: true}
  status: '/v1/status', // GET
  // GET ?ssoSession=NAME → an NDJSON AccountsEvent stream: progress lines, then the accounts or an error.
  accounts: '/v1/accounts',
  profiles: '/v1/profiles', // GET → {profiles: ProfileSummary[]}, most used first (frecency)
  assume: '/v1/assume', // GET ?profile=NAME → AssumeAnswer; counts as a use for frecency
  // GET ?profile=NAME&shell=bash|zsh|fish&exported=$KEYFOB_EXPORTED → text/plain script to eval;
  // errors are text/plain "keyfob: …". The shims' fast path, asked with curl (no Node start-up).
  shellAssume: '/v1/shell/assume',
  containerTokens: '/v1/container-tokens', // POST {profile} → ContainerToken (assume --auto-refresh)
  revokeContainerToken: '/v1/container-tokens/revoke', // POST {token} → {revoked: boolean}
  shutdown: '/v1/shutdown', // POST
} as const;

/** Every error the daemon sends: a stable code and the one line to show the user. */
export interface ErrorBody {
  /** `ssoSession` names the session to sign in to, when the fix is `keyfob login`. */
  error: { code: ErrorCode; message: string; ssoSession?: string };
}

/**
 * The whole session definition the client resolved from its config (which the daemon signs in with
 * as it is: it need not be in any config yet), and how. Nothing in it names a program: the client
 * opens the browser itself.
 */
export interface LoginRequest {
  ssoSession: string;
  startUrl: string;
  region: string;
  scopes: string[];
  method: 'device' | 'pkce';
  exportToAwsCli?: boolean;
}

export type LoginEvent =
  /** `joined`: this caller joined a sign-in someone else started, whose client shows the page. */
  | { event: 'prompt'; method: 'device' | 'pkce'; url: string; verificationUri?: string; userCode?: string; joined?: boolean }
  | { event: 'signed-in'; ssoSession: string; expiresAt: string }
  | ({ event: 'error' } & ErrorBody);

export interface AccountsProgress {
  /** Accounts whose roles have all been listed. */
  accountsDone: number;
  /** Unknown until ListAccounts has returned its last page. */
  accountsTotal?: number;
}

export type AccountsEvent =
  | ({ event: 'progress' } & AccountsProgress)
  | { event: 'accounts'; accounts: { accountId: string; accountName: string; emailAddress?: string; roles: string[] }[] }
  | ({ event: 'error' } & ErrorBody);

/** A profile keyfob can answer for (an IAM Identity Center one), as pickers and shells see it. */
export interface ProfileSummary {
  name: string;
  ssoSession: string;
  accountId: string;
  roleName: string;
  region?: string;
}

/** What `assume --auto-refresh` exports: the daemon's loopback endpoint and a token bound to one profile. */
export interface ContainerToken {
  profile: ProfileSummary;
  uri: string;
  token: string;
  /** The daemon that issued the token; the token ends with it (a shell that sees it gone needs a new one). */
  daemonPid: number;
}

export interface AssumeAnswer {
  profile: ProfileSummary;
  credentials: CredentialProcessOutput;
}

/** Request bodies are small; anything larger is refused. */
export const MAX_BODY_BYTES = 64 * 1024;

// The daemon's HTTP/1.1 + JSON API over its Unix socket (try: curl --unix-socket SOCK http://keyfob/v1/status).
// Shared by server and client; type imports only, so the lean client stays lean.
import type { CredentialProcessOutput } from '../credentials/types.js';
import type { ErrorCode } from '../core/errors.js';

export const ROUTES = {
  ping: '/v1/ping', // GET → {ok, pid, id}: id is the daemon's identity (server/identity.ts)
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
  // POST {profile, code}: the MFA code for the mfa_serial of `profile` (the mfaProfile of a
  // MfaRequired error); the daemon starts that MFA session with it, then the client asks again.
  mfa: '/v1/mfa',
  // POST {profile, accessKeyId, secretAccessKey, force?} → {stored: true} (keyfob add); stored keys
  // are replaced only with force: true (keyfob add --force). Full socket only, as is remove.
  iamUsers: '/v1/iam-users',
  removeIamUser: '/v1/iam-users/remove', // POST {profile} → {removed: boolean} (keyfob remove)
  profileList: '/v1/profiles/list', // GET → {profiles: ProfileListing[]}: every profile, every kind (keyfob list)
  shutdown: '/v1/shutdown', // POST
} as const;

/**
 * Routes that answer for a profile (credentials, assume, shell assume) also take `duration=SECONDS`:
 * a role chain's AssumeRole DurationSeconds (capped at one hour when chained from a role session,
 * with a note); an IAM Identity Center profile's duration is its permission set's (a note, no error).
 */
export const DURATION_PARAM = 'duration';

/** Every error the daemon sends: a stable code and the one line to show the user. */
export interface ErrorBody {
  /** `ssoSession` names the session to sign in to, when the fix is `keyfob login`. */
  error: {
    code: ErrorCode;
    message: string;
    ssoSession?: string;
    /** MfaRequired (HTTP 428): the device to ask a code for, and the profile whose mfa_serial it is (send it to ROUTES.mfa). */
    mfaSerial?: string;
    mfaProfile?: string;
    /** NoSessionForPortal: the portal a legacy profile names, which `keyfob login` can sign in to. */
    startUrl?: string;
    ssoRegion?: string;
    /** NeedsProcess (HTTP 428): the profile whose credential_process the client runs, then asks again with PROCESS_HEADER. */
    processProfile?: string;
  };
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

/** Where a profile's credentials come from (see docs/config-format.md). */
export type ProfileKind = 'sso' | 'chain' | 'iam-user' | 'process' | 'static' | 'environment';

/**
 * A profile keyfob can answer for, as pickers and shells see it. For a chain, accountId and
 * roleName are its role's, and ssoSession the session at its root ('' when it has none); for an
 * IAM user or static keys, roleName is ''.
 */
export interface ProfileSummary {
  name: string;
  ssoSession: string;
  accountId: string;
  roleName: string;
  region?: string;
  /** Absent means sso (older daemons). */
  kind?: ProfileKind;
  /** Where it comes from, never a secret: "session/account/role", a source profile, a program's name. */
  source?: string;
}

/** One line of `keyfob list`: a profile that resolves, with its cached expiry, or why it does not. */
export interface ProfileListing {
  name: string;
  /** 'settings': a section that only sets defaults (region, output…), listed with its keys as its source. */
  kind?: ProfileKind | 'settings';
  source?: string;
  /** ISO time the cached credentials expire, when the daemon holds some. */
  expiration?: string;
  /** The one-line error when the profile does not resolve. */
  error?: string;
}

/** What `assume --auto-refresh` exports: the daemon's loopback endpoint and a token bound to one profile. */
export interface ContainerToken {
  profile: ProfileSummary;
  uri: string;
  token: string;
  /** The daemon that issued the token; the token ends with it (a shell that sees it gone needs a new one). */
  daemonPid: number;
  /** Its identity beyond the pid (its start time from /proc/PID/stat, else a random id also at /v1/ping): see server/identity.ts. */
  daemonId: string;
}

export interface AssumeAnswer {
  profile: ProfileSummary;
  credentials: CredentialProcessOutput;
  /** A one-line note, e.g. a duration reduced to STS's one-hour limit for role chaining. */
  note?: string;
}

/**
 * `credential_source = Environment`: after a NeedsEnvironment answer the client asks again with its
 * own AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in this header, as base64 of
 * {accessKeyId, secretAccessKey, sessionToken?}. Never in the URL; never logged.
 */
export const ENVIRONMENT_HEADER = 'x-keyfob-environment';

/**
 * Another tool's credential_process: after a NeedsProcess answer the client runs the profile's
 * credential_process from its own config and asks again once with this header, base64 of
 * ProcessOutputHeader. Never in the URL; never logged. The daemon starts no program.
 */
export const PROCESS_HEADER = 'x-keyfob-process';

export interface ProcessOutputHeader {
  /** The profile the daemon named (processProfile), and its credential_process line as the client read it. */
  profile: string;
  command: string;
  /** The program's credential_process JSON v1, as checked by the client (only the fields it defines). */
  output: CredentialProcessOutput;
}

/** Request bodies are small; anything larger is refused. */
export const MAX_BODY_BYTES = 64 * 1024;

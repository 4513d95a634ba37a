// Typed errors carry the one line a user should see, and what to do next.
// Lean on purpose: the credential-process client loads this file (and terminalText, which imports nothing).
import { visible } from './terminalText.js';

/** Every error's stable machine-readable code, also sent over the daemon socket. */
export type ErrorCode =
  | 'AlreadyRunning'
  | 'AwsCliExportFailed'
  | 'BadDuration'
  | 'BadRegion'
  | 'BadRequest'
  | 'BadService'
  | 'BadSetting'
  | 'Cancelled'
  | 'ConfigError'
  | 'DaemonError'
  | 'DaemonUnavailable'
  | 'DemoFailed'
  | 'EmulatorFixture'
  | 'EndpointUnavailable'
  | 'ExecFailed'
  | 'Forbidden'
  | 'Forwarded'
  | 'Internal'
  | 'KeychainUnavailable'
  | 'ListingFailed'
  | 'LoginFailed'
  | 'MfaFailed'
  | 'MfaPromptFailed'
  | 'NeedsEnvironment'
  | 'NeedsProcess'
  | 'NoSessionForPortal'
  | 'MfaRequired'
  | 'NoBrowser'
  | 'NoProfiles'
  | 'NoStoredKeys'
  | 'ProcessFailed'
  | 'NotSignedIn'
  | 'RefreshRejected'
  | 'RegistrationRejected'
  | 'SignInFailed'
  | 'SocketPathTaken'
  | 'StsRefused'
  | 'SocketPathTooLong'
  | 'UnknownProfile'
  | 'UnsupportedPartition'
  | 'UntrustedPath'
  | 'Upstream'
  | 'UpstreamUnavailable'
  | 'Usage';

export class KeyfobError extends Error {
  /** A stable machine-readable code, also sent over the daemon socket. */
  readonly code: ErrorCode;
  /** HTTP status the daemon answers with when this error crosses the socket. */
  readonly status: number;

  constructor(code: ErrorCode, message: string, status = 400) {
    super(message);
    this.name = 'KeyfobError';
    this.code = code;
    this.status = status;
  }
}

export class NotSignedInError extends KeyfobError {
  readonly ssoSession: string;
  constructor(session: string, reason = 'not signed in to') {
    super('NotSignedIn', `${reason} sso-session "${session}"; run: keyfob login --sso-session ${session}`, 401);
    this.ssoSession = session;
  }
}

/**
 * A profile that names its portal itself (legacy sso_start_url, granted's keys) whose portal no
 * [sso-session] signs in to yet: an interactive assume signs in to it and carries on.
 */
export class NoSessionForPortalError extends KeyfobError {
  constructor(
    profile: string,
    readonly startUrl: string,
    readonly ssoRegion: string,
  ) {
    super('NoSessionForPortal', `profile "${profile}" signs in to ${startUrl}, and no [sso-session] does; run: keyfob login --start-url ${startUrl} --sso-region ${ssoRegion}`, 401);
  }
}

/** A profile needs an MFA code: the client asks it on the terminal and sends it to /v1/mfa. */
export class MfaRequiredError extends KeyfobError {
  constructor(
    readonly mfaProfile: string,
    readonly mfaSerial: string,
  ) {
    super(
      'MfaRequired',
      `profile ${JSON.stringify(mfaProfile)} needs a code from MFA device ${mfaSerial}, and there is no terminal to ask it on; in a terminal, run: keyfob exec ${mfaProfile} -- true`,
      428,
    );
  }
}

/**
 * The MFA prompt driver (KEYFOB_MFA_PROMPT: a dialog, or ykman) gave no code: `Cancelled` when the
 * person cancelled it, `MfaPromptFailed` when it was missing, failed, or ran out of time.
 */
export class MfaPromptError extends KeyfobError {
  constructor(code: 'Cancelled' | 'MfaPromptFailed', message: string) {
    super(code, message, 400);
  }
}

export class UnknownProfileError extends KeyfobError {
  constructor(profile: string, configFile: string, nearest: string[] = []) {
    const didYouMean = nearest.length ? `; nearest: ${nearest.map((n) => JSON.stringify(n)).join(', ')}` : '';
    super('UnknownProfile', `profile ${JSON.stringify(profile)} is not in ${configFile}${didYouMean}; check the name, or run: keyfob populate`, 404);
  }
}

export class ConfigError extends KeyfobError {
  constructor(message: string) {
    super('ConfigError', message, 400);
  }
}

export class UpstreamError extends KeyfobError {
  constructor(message: string, status = 502) {
    super('Upstream', message, status);
  }
}

/**
 * IAM Identity Center or STS is failing (5xx, throttling, a timeout, no connection): the message
 * names the service, the endpoint setting, and when the daemon tries again (its circuit). 503,
 * definitive for every fast path: a client asks again later, it does not wait it out.
 */
export class UpstreamUnavailableError extends KeyfobError {
  constructor(
    message: string,
    /** When the daemon's next try may go (epoch ms); undefined while one is under way, or when no circuit says. */
    readonly retryAt?: number,
  ) {
    super('UpstreamUnavailable', message, 503);
  }
}

export class KeychainError extends KeyfobError {
  constructor(detail: string) {
    super(
      'KeychainUnavailable',
      `the OS keychain is not available (${detail}); unlock it, or set KEYFOB_KEYRING=memory to keep tokens in daemon memory only`,
      503,
    );
  }
}

export class DaemonUnavailableError extends KeyfobError {
  constructor(detail: string) {
    super('DaemonUnavailable', `the keyfob daemon did not answer (${detail}); check: keyfob daemon status, and KEYFOB_HOME/daemon.log`, 503);
  }
}

/** The one line to print for any error, without a stack trace or anything a terminal would act on. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return visible(message.replace(/\s*\n\s*/g, ' ').trim());
}

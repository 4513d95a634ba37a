/** An `[sso-session NAME]` section: where and how to sign in. */
export interface SsoSessionConfig {
  name: string;
  startUrl: string;
  region: string;
  scopes: string[];
}

/** Device code for headless machines; PKCE with a loopback callback when a browser is at hand. */
export type SignInMethod = 'device' | 'pkce';

/** An OIDC client registration; it is reused until it expires. */
export interface ClientRegistration {
  method: SignInMethod;
  clientId: string;
  clientSecret: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scopes: string[];
}

export interface SsoToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  refreshToken?: string;
  /** Epoch milliseconds of the first sign-in, kept across refreshes. */
  signedInAt: number;
}

/** What the user must do: open `url`; for the device flow, check `userCode`. */
export interface SignInPrompt {
  method: SignInMethod;
  url: string;
  verificationUri?: string;
  userCode?: string;
}

export interface SignInHooks {
  onPrompt(prompt: SignInPrompt): void;
  signal?: AbortSignal;
}

export const DEFAULT_SCOPES = ['sso:account:access'];

/** What a sign-in uses from an [sso-session] section: its scopes default as the AWS CLI's do. */
export function signInDefinition(section: SsoSessionConfig): SsoSessionConfig {
  const { name, startUrl, region, scopes } = section;
  return { name, startUrl, region, scopes: scopes.length > 0 ? scopes : DEFAULT_SCOPES };
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

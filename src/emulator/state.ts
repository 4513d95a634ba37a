// Everything the emulator remembers, in memory: clients, device and PKCE grants,
// portal sessions and their tokens, issued role credentials, browser sign-ins.
// Each grant and session remembers the Identity Center instance it belongs to.
import type { IdentityCenter, Organization } from './fixture.js';
import type { CallerIdentity } from './iam.js';
import * as ids from './ids.js';
import { Faults } from './faults.js';
import { RateLimiter } from './rateLimit.js';

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  clientName: string;
  clientType: string;
  scopes: string[];
  redirectUris: string[];
  /** The instance whose start URL the client gave as issuerUrl (PKCE); the first one otherwise. */
  instance: IdentityCenter;
  issuedAt: number; // ms
  expiresAt: number; // ms
}

export interface DeviceAuthorization {
  id: string;
  deviceCode: string;
  userCode: string;
  clientId: string;
  instance: IdentityCenter;
  scopes: string[];
  expiresAt: number;
  intervalMs: number;
  lastPollAt?: number;
  status: 'pending' | 'approved' | 'denied' | 'used';
  username?: string;
}

export interface AuthorizeRequest {
  id: string;
  clientId: string;
  instance: IdentityCenter;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  scopes: string[];
  expiresAt: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  instance: IdentityCenter;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  username: string;
  expiresAt: number;
  used: boolean;
}

/** A portal session: what an access token and its refresh token stand for. */
export interface PortalSession {
  id: string;
  instance: IdentityCenter;
  username: string;
  expiresAt: number;
  revoked: boolean;
}

export interface AccessToken {
  sessionId: string;
  clientId: string;
  expiresAt: number;
}

export interface RefreshToken {
  sessionId: string;
  clientId: string;
  scopes: string[];
  /** Refresh tokens rotate: once one has been redeemed it is refused (kept so tests can find every secret issued). */
  used: boolean;
}

export interface IssuedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  accountId: string;
  /** The permission set (SSO) or IAM role name; empty for a GetSessionToken session. */
  roleName: string;
  /** The SSO user, the AssumeRole session name, or the IAM user name. */
  username: string;
  /** Who STS takes the credentials for (GetCallerIdentity, trust policies, MFA, role chaining). */
  identity: CallerIdentity;
}

/** A browser sign-in: who, in which Identity Center. */
export interface BrowserSignIn {
  instance: IdentityCenter;
  username: string;
}

export interface SigninToken {
  accessKeyId: string;
  expiresAt: number;
  /** Redeemed once (Action=login); kept until swept so tests can still look for it in files. */
  used?: boolean;
}

/** A console session in a browser's cookie jar: who signed in, and where they landed. */
export interface ConsoleSession {
  accessKeyId: string;
  destination: string;
  region: string;
  expiresAt: number;
}

export interface Settings {
  /** The emulator's own base URL, no trailing slash. */
  url: string;
  autoApprove: boolean;
  accessTokenSeconds: number;
  sessionSeconds: number;
  credentialSeconds?: number;
  /** How far the emulated server's clock is ahead of this machine's (negative: behind), in ms. */
  clockSkewMs: number;
  log: (line: string) => void;
}

export class EmulatorState {
  readonly clients = new Map<string, OidcClient>();
  readonly devices = new Map<string, DeviceAuthorization>(); // by deviceCode
  readonly devicesByUserCode = new Map<string, DeviceAuthorization>(); // by normalised user code
  readonly devicesById = new Map<string, DeviceAuthorization>();
  readonly authorizeRequests = new Map<string, AuthorizeRequest>();
  readonly authorizationCodes = new Map<string, AuthorizationCode>();
  readonly sessions = new Map<string, PortalSession>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly credentials = new Map<string, IssuedCredential>();
  readonly signinTokens = new Map<string, SigninToken>();
  /** Console cookie → the role signed in to the console in that browser. */
  readonly consoleSessions = new Map<string, ConsoleSession>();
  /** Browser cookie → signed-in user. */
  readonly browserSessions = new Map<string, BrowserSignIn>();
  /** Half-finished sign-ins waiting for their MFA code. */
  readonly pendingSignins = new Map<string, BrowserSignIn & { next: string; expiresAt: number }>();
  readonly calls = new Map<string, number>();
  /** Calls the rate limit turned away (429; STS: 400 Throttling), per operation; also counted in `calls`. */
  readonly throttled = new Map<string, number>();
  readonly limiter: RateLimiter;
  readonly faults = new Faults();

  constructor(
    readonly org: Organization,
    readonly settings: Settings,
    rateLimit?: number,
  ) {
    this.limiter = new RateLimiter(rateLimit);
  }

  /**
   * The server's clock, for the times it shows clients: the Date header, absolute expiry times
   * and the SigV4 time check. Lifetimes it keeps to itself stay on this machine's clock.
   */
  serverTime(localMs = Date.now()): number {
    return localMs + this.settings.clockSkewMs;
  }

  count(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  countThrottled(operation: string): void {
    this.throttled.set(operation, (this.throttled.get(operation) ?? 0) + 1);
  }

  /** Starts a portal session for a user of an instance (or goes on with `session`) and issues tokens. */
  issueTokens(instance: IdentityCenter, username: string, clientId: string, scopes: string[], session?: PortalSession) {
    const now = Date.now();
    if (!session) {
      session = { id: ids.randomToken(16), instance, username, expiresAt: now + this.settings.sessionSeconds * 1000, revoked: false };
      this.sessions.set(session.id, session);
    }
    const lifetimeMs = Math.min(this.settings.accessTokenSeconds * 1000, session.expiresAt - now);
    const accessToken = `aoa${ids.randomToken(48)}`;
    this.accessTokens.set(accessToken, { sessionId: session.id, clientId, expiresAt: now + lifetimeMs });
    let refreshToken: string | undefined;
    if (scopes.includes('sso:account:access')) {
      refreshToken = `aor${ids.randomToken(48)}`;
      this.refreshTokens.set(refreshToken, { sessionId: session.id, clientId, scopes, used: false });
    }
    return { accessToken, refreshToken, expiresIn: Math.max(1, Math.floor(lifetimeMs / 1000)) };
  }

  /** Issues temporary credentials (ASIA…) that live `seconds`, and remembers them for SigV4 checks. */
  issueCredential(subject: Pick<IssuedCredential, 'accountId' | 'roleName' | 'username' | 'identity'>, seconds: number): IssuedCredential {
    const credential: IssuedCredential = {
      accessKeyId: ids.accessKeyId(),
      secretAccessKey: ids.secretAccessKey(),
      sessionToken: ids.sessionToken(),
      expiresAt: Date.now() + Math.round(seconds * 1000),
      ...subject,
    };
    this.credentials.set(credential.accessKeyId, credential);
    return credential;
  }

  /** The `credentialSeconds` knob (--credential-ttl, then lifetimes.credentialSeconds), if set. */
  credentialSecondsOverride(): number | undefined {
    return this.settings.credentialSeconds ?? this.org.lifetimes.credentialSeconds;
  }

  liveSession(sessionId: string): PortalSession | undefined {
    const session = this.sessions.get(sessionId);
    if (!session || session.revoked || session.expiresAt <= Date.now()) return undefined;
    return session;
  }

  /** Ends portal sessions (one user's, or everyone's) and their browser sign-ins. Returns how many ended. */
  revoke(username?: string): number {
    let ended = 0;
    for (const session of this.sessions.values()) {
      if (!session.revoked && (!username || session.username === username)) {
        session.revoked = true;
        ended++;
      }
    }
    for (const [cookie, user] of this.browserSessions) if (!username || user.username === username) this.browserSessions.delete(cookie);
    return ended;
  }

  findDeviceByUserCode(code: string): DeviceAuthorization | undefined {
    return this.devicesByUserCode.get(code.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  }

  /** Drops expired grants now and then so a long-running emulator stays small. */
  sweep(): void {
    const now = Date.now();
    const stale = now - 3600_000;
    for (const [code, device] of this.devices) {
      if (device.expiresAt < stale) {
        this.devices.delete(code);
        this.devicesById.delete(device.id);
        this.devicesByUserCode.delete(device.userCode.replace('-', ''));
      }
    }
    for (const [id, request] of this.authorizeRequests) if (request.expiresAt < stale) this.authorizeRequests.delete(id);
    for (const [code, grant] of this.authorizationCodes) if (grant.expiresAt < stale) this.authorizationCodes.delete(code);
    for (const [token, entry] of this.accessTokens) if (entry.expiresAt < stale) this.accessTokens.delete(token);
    for (const [id, entry] of this.signinTokens) if (entry.expiresAt < stale) this.signinTokens.delete(id);
    for (const [id, entry] of this.consoleSessions) if (entry.expiresAt < stale) this.consoleSessions.delete(id);
    for (const [id, entry] of this.pendingSignins) if (entry.expiresAt < now) this.pendingSignins.delete(id);
  }
}

// An in-memory IAM Identity Center for the state machines' unit tests. It behaves as the real one
// does where keyfob's logic depends on it: refresh tokens rotate (a used one is refused), tokens
// and role credentials expire on the (fake) clock, a revoked session refuses its tokens, and a
// sign-in waits until the test approves it. Every call is counted.
import type { IdentityCenter } from '../../src/signin/identityCenter.js';
import type { RoleCredentials } from '../../src/credentials/types.js';
import { RefreshRejectedError } from '../../src/signin/tokens.js';
import type { ClientRegistration, SignInHooks, SignInMethod, SsoSessionConfig, SsoToken } from '../../src/signin/types.js';

/** An error shaped like the SDK's: keyfob looks at `name`. */
export function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

interface Deferred {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Lets other promises run, as a network round trip would: concurrent callers really overlap. */
async function roundTrip(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export class FakeIdentityCenter implements IdentityCenter {
  readonly calls = { registerClient: 0, signIn: 0, refreshToken: 0, getRoleCredentials: 0, logout: 0 };
  /** Refresh tokens in the order they were redeemed, refused ones included. */
  readonly redeemed: string[] = [];
  /** Refresh attempts refused (used, unknown, or revoked). */
  refused = 0;
  tokenLifetimeMs = 60 * 60_000;
  credentialLifetimeMs = 60 * 60_000;
  /** Approve every sign-in at once; otherwise each waits for approve(). */
  autoApprove = true;
  /** The next refreshes fail with this (a transient fault), not counted as refused. */
  refreshFault?: Error;
  /** While set, every refresh waits for it (a server that does not answer). */
  refreshGate?: Promise<void>;

  private serial = 0;
  private revoked = false;
  private readonly refreshTokens = new Map<string, { used: boolean; clientId: string }>();
  private readonly accessTokens = new Map<string, number>();
  private readonly waiting: Deferred[] = [];

  private next(prefix: string): string {
    return `${prefix}-${++this.serial}`;
  }

  private issue(clientId: string, signedInAt: number): SsoToken {
    const now = Date.now();
    const accessToken = this.next('access');
    const refreshToken = this.next('refresh');
    this.accessTokens.set(accessToken, now + this.tokenLifetimeMs);
    this.refreshTokens.set(refreshToken, { used: false, clientId });
    return { accessToken, refreshToken, expiresAt: now + this.tokenLifetimeMs, signedInAt };
  }

  async registerClient(session: SsoSessionConfig, method: SignInMethod): Promise<ClientRegistration> {
    this.calls.registerClient++;
    await roundTrip();
    return { method, clientId: this.next('client'), clientSecret: 'secret', expiresAt: Date.now() + 90 * 24 * 3600_000, scopes: session.scopes };
  }

  async signIn(method: SignInMethod, _session: SsoSessionConfig, registration: ClientRegistration, hooks: SignInHooks): Promise<SsoToken> {
    this.calls.signIn++;
    await roundTrip();
    const userCode = `CODE-${this.serial}`;
    hooks.onPrompt({ method, url: `https://fake.example/device?user_code=${userCode}`, userCode });
    if (!this.autoApprove) {
      await new Promise<void>((resolve, reject) => {
        const entry = { resolve, reject };
        this.waiting.push(entry);
        // As the real flows do: a cancelled sign-in stops waiting for the user.
        hooks.signal?.addEventListener('abort', () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(new Error('sign-in was cancelled'));
        });
      });
    }
    await roundTrip();
    this.revoked = false;
    return this.issue(registration.clientId, Date.now());
  }

  /** Approves (or denies) the sign-ins waiting for the user; returns how many there were. */
  approve(deny?: Error): number {
    const waiting = this.waiting.splice(0);
    for (const w of waiting) (deny ? w.reject(deny) : w.resolve());
    return waiting.length;
  }

  get pendingSignIns(): number {
    return this.waiting.length;
  }

  async refreshToken(_session: SsoSessionConfig, registration: ClientRegistration, token: SsoToken): Promise<SsoToken> {
    this.calls.refreshToken++;
    this.redeemed.push(token.refreshToken ?? '');
    await roundTrip();
    await this.refreshGate;
    if (this.refreshFault) throw this.refreshFault;
    const entry = token.refreshToken ? this.refreshTokens.get(token.refreshToken) : undefined;
    if (!entry || entry.used || entry.clientId !== registration.clientId || this.revoked) {
      this.refused++;
      throw new RefreshRejectedError('InvalidGrantException');
    }
    entry.used = true;
    return this.issue(registration.clientId, token.signedInAt);
  }

  async getRoleCredentials(_region: string, accessToken: string, accountId: string, roleName: string): Promise<RoleCredentials> {
    this.calls.getRoleCredentials++;
    await roundTrip();
    const expiresAt = this.accessTokens.get(accessToken);
    if (expiresAt === undefined || expiresAt <= Date.now() || this.revoked) throw sdkError('UnauthorizedException', 401);
    if (roleName === 'Forbidden') throw sdkError('ForbiddenException', 403);
    const n = ++this.serial;
    return {
      accessKeyId: `ASIA${accountId}${roleName}${n}`,
      secretAccessKey: `secret-${n}`,
      sessionToken: `session-${n}`,
      expiration: Date.now() + this.credentialLifetimeMs,
      accountId,
    };
  }

  async logout(_region: string, accessToken: string): Promise<void> {
    this.calls.logout++;
    await roundTrip();
    this.accessTokens.delete(accessToken);
    this.revoked = true;
  }

  /** The portal session ends (an admin revoked it): every token is refused from now on. */
  revoke(): void {
    this.revoked = true;
  }

  /** The portal forgets one access token (401 on its next use), as after a server-side rotation. */
  forgetAccessToken(accessToken: string): void {
    this.accessTokens.delete(accessToken);
  }
}

export const quietLog = { info: () => undefined, warn: () => undefined };

export function session(overrides: Partial<SsoSessionConfig> = {}): SsoSessionConfig {
  return { name: 'corp', startUrl: 'https://d-1111111111.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'], ...overrides };
}

// An in-memory STS for the chain providers' unit tests, checked as STS checks: long-term keys it
// knows, sessions it issued (with or without MFA), role sessions (its own, or anything else:
// IAM Identity Center role credentials), trust by role ARN, MFA required where the test says,
// role chaining capped at one hour, and expired credentials refused. Every call is recorded.
import type { AssumeRoleParams, SessionTokenParams, SigningKeys, Sts } from '../../src/aws/sts.js';
import type { RoleCredentials } from '../../src/credentials/types.js';
import { sdkError } from './fakeIdentityCenter.js';

export const GOOD_CODE = '123456';

interface Issued {
  kind: 'role' | 'session';
  mfa: boolean;
  expiresAt: number;
}

export interface AssumeCall extends AssumeRoleParams {
  caller: string;
}

async function roundTrip(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export class FakeSts implements Sts {
  readonly assumeCalls: AssumeCall[] = [];
  readonly sessionCalls: (SessionTokenParams & { caller: string })[] = [];
  /** Long-term keys: access key id → secret. */
  readonly users = new Map<string, string>();
  /** Roles whose trust refuses everyone. */
  readonly refusing = new Set<string>();
  /** Roles that need MFA (a code with the call, or a caller session made with one). */
  readonly needMfa = new Set<string>();
  private readonly issued = new Map<string, Issued>();
  private serial = 0;

  private check(caller: SigningKeys): Issued | 'user' | 'sso' {
    if (!caller.sessionToken) {
      if (this.users.get(caller.accessKeyId) !== caller.secretAccessKey) throw sdkError('InvalidClientTokenId', 403);
      return 'user';
    }
    const issued = this.issued.get(caller.accessKeyId);
    if (!issued) return 'sso'; // role credentials from the (fake) portal
    if (issued.expiresAt <= Date.now()) throw sdkError('ExpiredToken', 400);
    return issued;
  }

  private issue(kind: Issued['kind'], seconds: number, mfa: boolean, accountId: string): RoleCredentials {
    const n = ++this.serial;
    const expiresAt = Date.now() + seconds * 1000;
    const accessKeyId = `ASIAFAKE${kind.toUpperCase()}${n}`;
    this.issued.set(accessKeyId, { kind, mfa, expiresAt });
    return { accessKeyId, secretAccessKey: `secret-${n}`, sessionToken: `token-${n}`, expiration: expiresAt, accountId };
  }

  async assumeRole(_region: string, caller: SigningKeys, p: AssumeRoleParams): Promise<RoleCredentials> {
    this.assumeCalls.push({ ...p, caller: caller.accessKeyId });
    await roundTrip();
    const who = this.check(caller);
    const chained = who === 'sso' || (typeof who === 'object' && who.kind === 'role');
    const duration = p.durationSeconds ?? 3600;
    if (chained && duration > 3600) throw Object.assign(sdkError('ValidationError', 400), { message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' });
    if (p.serialNumber && p.tokenCode !== GOOD_CODE) throw Object.assign(sdkError('AccessDenied', 403), { message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.' });
    const mfa = !!p.serialNumber || (typeof who === 'object' && who.mfa);
    if (this.refusing.has(p.roleArn) || (this.needMfa.has(p.roleArn) && !mfa)) {
      throw Object.assign(sdkError('AccessDenied', 403), { message: `User: ${caller.accessKeyId} is not authorized to perform: sts:AssumeRole on resource: ${p.roleArn}` });
    }
    return this.issue('role', duration, mfa, p.roleArn.split(':')[4]!);
  }

  async getSessionToken(_region: string, caller: SigningKeys, p: SessionTokenParams): Promise<RoleCredentials> {
    this.sessionCalls.push({ ...p, caller: caller.accessKeyId });
    await roundTrip();
    if (this.check(caller) !== 'user') throw Object.assign(sdkError('AccessDenied', 403), { message: 'Cannot call GetSessionToken with session credentials' });
    if (p.serialNumber && p.tokenCode !== GOOD_CODE) throw Object.assign(sdkError('AccessDenied', 403), { message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.' });
    return this.issue('session', p.durationSeconds ?? 43200, !!p.serialNumber, '');
  }
}

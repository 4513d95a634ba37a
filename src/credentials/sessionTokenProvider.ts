// An IAM user's long-term keys turned into a session (GetSessionToken), with the MFA code when the
// user (or the role chained from it) has mfa_serial: the aws-vault way. The keys never leave the
// daemon; the session does, and every role chained from it is assumed with it, so one code serves
// them all for the session's lifetime.
import type { SigningKeys, Sts } from '../aws/sts.js';
import type { MfaNeed } from './mfaCodes.js';
import { stsFailure } from './stsFailure.js';
import type { CredentialProvider, RoleCredentials } from './types.js';

export interface SessionTokenOptions {
  /** Whose session it is, for errors: the profile named. */
  profile: string;
  region: string;
  durationSeconds?: number;
  mfa?: MfaNeed;
  /** The account, when known (from mfa_serial's ARN): STS's answer does not say. */
  accountId?: string;
}

export class SessionTokenProvider implements CredentialProvider {
  constructor(
    private readonly keys: () => Promise<SigningKeys>,
    private readonly sts: Sts,
    private readonly options: SessionTokenOptions,
  ) {}

  async retrieve(): Promise<RoleCredentials> {
    const { profile, region, durationSeconds, mfa } = this.options;
    const keys = await this.keys();
    const tokenCode = mfa?.codes.take(mfa.serial, mfa.profile);
    try {
      const session = await this.sts.getSessionToken(region, keys, {
        ...(durationSeconds ? { durationSeconds } : {}),
        ...(mfa ? { serialNumber: mfa.serial, tokenCode } : {}),
      });
      return { ...session, accountId: session.accountId || this.options.accountId || '' };
    } catch (err) {
      throw stsFailure(err, mfa?.profile ?? profile, `a session for profile ${JSON.stringify(profile)} (GetSessionToken)`);
    }
  }
}

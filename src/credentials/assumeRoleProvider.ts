// A role assumed with the credentials of its source (another provider: SSO role credentials,
// another chain, a session of an IAM user, static keys, another tool's credential_process).
// With mfa_serial on a role whose source is a role session, AssumeRole itself takes the code.
// A source STS calls expired (ExpiredToken) is renewed once, and the role assumed again.
import type { AssumeRoleParams, Sts } from '../aws/sts.js';
import type { MfaNeed } from './mfaCodes.js';
import { isExpiredToken, stsFailure } from './stsFailure.js';
import type { CredentialProvider, RoleCredentials } from './types.js';

export interface AssumeRoleOptions extends Omit<AssumeRoleParams, 'roleSessionName' | 'serialNumber' | 'tokenCode'> {
  profile: string;
  region: string;
  /** botocore's default is botocore-session-EPOCH; keyfob's is keyfob-EPOCH. */
  roleSessionName?: string;
  mfa?: MfaNeed;
}

export class AssumeRoleProvider implements CredentialProvider {
  constructor(
    private readonly source: CredentialProvider,
    private readonly sts: Sts,
    private readonly options: AssumeRoleOptions,
  ) {}

  async retrieve(): Promise<RoleCredentials> {
    const source = await this.source.retrieve();
    try {
      return await this.assume(source);
    } catch (err) {
      // The source session ended before its cache thought (a suspended laptop, a clock that
      // jumped, a session revoked upstream): renew the source once and try again.
      if (!isExpiredToken(err) || !this.source.refresh) throw this.failure(err);
    }
    const renewed = await this.source.refresh();
    try {
      return await this.assume(renewed);
    } catch (err) {
      throw this.failure(err);
    }
  }

  private assume(source: RoleCredentials): Promise<RoleCredentials> {
    const { profile: _profile, region, mfa, roleSessionName, ...params } = this.options;
    const tokenCode = mfa?.codes.take(mfa.serial, mfa.profile);
    return this.sts.assumeRole(region, source, {
      ...params,
      roleSessionName: roleSessionName ?? `keyfob-${Math.floor(Date.now() / 1000)}`,
      ...(mfa ? { serialNumber: mfa.serial, tokenCode } : {}),
    });
  }

  private failure(err: unknown): Error {
    const { profile, roleArn } = this.options;
    return stsFailure(err, profile, `assuming ${roleArn} for profile ${JSON.stringify(profile)}`);
  }
}

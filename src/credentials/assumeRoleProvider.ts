// A role assumed with the credentials of its source (another provider: SSO role credentials,
// another chain, a session of an IAM user, static keys, another tool's credential_process).
// With mfa_serial on a role whose source is a role session, AssumeRole itself takes the code.
import type { AssumeRoleParams, Sts } from '../aws/sts.js';
import type { MfaNeed } from './mfaCodes.js';
import { stsFailure } from './stsFailure.js';
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
    const { profile, region, mfa, roleSessionName, ...params } = this.options;
    const source = await this.source.retrieve();
    const tokenCode = mfa?.codes.take(mfa.serial, mfa.profile);
    try {
      return await this.sts.assumeRole(region, source, {
        ...params,
        roleSessionName: roleSessionName ?? `keyfob-${Math.floor(Date.now() / 1000)}`,
        ...(mfa ? { serialNumber: mfa.serial, tokenCode } : {}),
      });
    } catch (err) {
      throw stsFailure(err, profile, `assuming ${params.roleArn} for profile ${JSON.stringify(profile)}`);
    }
  }
}

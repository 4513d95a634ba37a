// Fetches role credentials from the IAM Identity Center portal (GetRoleCredentials).
import { errorName, upstreamFailure } from '../aws/clients.js';
import { sdkIdentityCenter, type IdentityCenter } from '../signin/identityCenter.js';
import { KeyfobError } from '../core/errors.js';
import type { CredentialProvider, RoleCredentials } from './types.js';

export interface SsoTokenSource {
  /** A currently valid access token (refreshed if needed); throws NotSignedInError otherwise. */
  accessToken(): Promise<string>;
  /** The portal refused this token (401): returns a replacement or throws NotSignedInError. */
  tokenRejected(token: string): Promise<string>;
  /** Even a fresh token was refused: end the session and throw NotSignedInError. */
  signOut(reason: string): Promise<never>;
}

export class ForbiddenRoleError extends KeyfobError {
  constructor(accountId: string, roleName: string) {
    super('Forbidden', `you are not assigned role "${roleName}" in account ${accountId}; run: keyfob populate to refresh your profiles`, 403);
  }
}

export class SsoRoleProvider implements CredentialProvider {
  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly roleName: string,
    private readonly tokens: SsoTokenSource,
    private readonly identityCenter: IdentityCenter = sdkIdentityCenter,
    /** The sso-session whose portal circuit the call goes through (aws/circuits.ts). */
    private readonly ssoSession?: string,
  ) {}

  async retrieve(): Promise<RoleCredentials> {
    let token = await this.tokens.accessToken();
    // At most one retry after a 401: a refreshed token either works or the session is over.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetch(token);
      } catch (err) {
        const name = errorName(err);
        if (name === 'UnauthorizedException' && attempt === 1) {
          token = await this.tokens.tokenRejected(token);
          continue;
        }
        if (name === 'UnauthorizedException') await this.tokens.signOut('the portal refused a refreshed token');
        if (name === 'ForbiddenException') throw new ForbiddenRoleError(this.accountId, this.roleName);
        throw upstreamFailure(err, `getting credentials for ${this.roleName} in ${this.accountId}`);
      }
    }
  }

  private fetch(accessToken: string): Promise<RoleCredentials> {
    return this.identityCenter.getRoleCredentials(this.region, accessToken, this.accountId, this.roleName, this.ssoSession);
  }
}

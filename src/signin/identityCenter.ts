// The IAM Identity Center calls keyfob's state machines make, behind one small interface: the
// SDK-backed one talks to AWS (or `keyfob emulator`, through the endpoint overrides); unit tests
// inject a fake, so the sessions, the caching provider and the credential service run in memory.
import { GetRoleCredentialsCommand, LogoutCommand } from '@aws-sdk/client-sso';
import type { RoleCredentials } from '../aws/roleCredentials.js';
import { portalCircuit } from '../aws/circuits.js';
import { deviceSignIn } from './deviceFlow.js';
import { pkceSignIn } from './pkceFlow.js';
import { registerClient } from './registration.js';
import { refreshSsoToken } from './tokens.js';
import type { ClientRegistration, SignInHooks, SignInMethod, SsoSessionConfig, SsoToken } from './types.js';
import { ssoClient } from '../aws/clients.js';

export interface IdentityCenter {
  /** RegisterClient for a sign-in method. */
  registerClient(session: SsoSessionConfig, method: SignInMethod): Promise<ClientRegistration>;
  /**
   * A whole sign-in: StartDeviceAuthorization and CreateToken polling (device), or the loopback
   * redirect and CreateToken with the code (PKCE). Calls hooks.onPrompt with what the user must open.
   * Throws RegistrationRejectedError when the server no longer knows the client, SignInError otherwise.
   */
  signIn(method: SignInMethod, session: SsoSessionConfig, registration: ClientRegistration, hooks: SignInHooks): Promise<SsoToken>;
  /** CreateToken with the refresh_token grant. Throws RefreshRejectedError when the refresh token is refused. */
  refreshToken(session: SsoSessionConfig, registration: ClientRegistration, token: SsoToken): Promise<SsoToken>;
  /**
   * GetRoleCredentials. Rejects with the SDK's error (its `name`: UnauthorizedException, ForbiddenException, …),
   * or a CircuitOpenError while the portal of `ssoSession` is failing (aws/circuits.ts).
   */
  getRoleCredentials(region: string, accessToken: string, accountId: string, roleName: string, ssoSession?: string): Promise<RoleCredentials>;
  /** Logout: ends the portal session behind the token. */
  logout(region: string, accessToken: string): Promise<void>;
}

/** IAM Identity Center through the AWS SDK. */
export const sdkIdentityCenter: IdentityCenter = {
  registerClient,
  signIn: (method, session, registration, hooks) => (method === 'pkce' ? pkceSignIn : deviceSignIn)(session, registration, hooks),
  refreshToken: refreshSsoToken,
  async getRoleCredentials(region, accessToken, accountId, roleName, ssoSession = '') {
    const out = await portalCircuit(ssoSession, region).run(() => ssoClient(region).send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName })));
    const c = out.roleCredentials!;
    return {
      accessKeyId: c.accessKeyId!,
      secretAccessKey: c.secretAccessKey!,
      sessionToken: c.sessionToken!,
      expiration: Number(c.expiration),
      accountId,
    };
  },
  async logout(region, accessToken) {
    await ssoClient(region).send(new LogoutCommand({ accessToken }));
  },
};

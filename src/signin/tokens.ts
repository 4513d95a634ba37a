import { CreateTokenCommand, type CreateTokenCommandInput, type CreateTokenCommandOutput } from '@aws-sdk/client-sso-oidc';
import { errorName, oidcClient, upstreamFailure } from '../aws/clients.js';
import { oidcCircuit } from '../aws/circuits.js';
import { withRetry } from '../aws/retry.js';
import { KeyfobError } from '../core/errors.js';
import type { ClientRegistration, SsoSessionConfig, SsoToken } from './types.js';

export class SignInError extends KeyfobError {
  constructor(message: string) {
    super('SignInFailed', message, 401);
  }
}

/** The refresh token was refused: the portal session ended or the client expired. */
export class RefreshRejectedError extends KeyfobError {
  constructor(reason: string) {
    super('RefreshRejected', reason, 401);
  }
}

/** The OIDC client registration is unknown or expired upstream: register again. */
export class RegistrationRejectedError extends KeyfobError {
  constructor() {
    super('RegistrationRejected', 'the OIDC client registration was rejected; run keyfob login again', 401);
  }
}

export function tokenFromResponse(out: CreateTokenCommandOutput, signedInAt = Date.now()): SsoToken {
  return {
    accessToken: out.accessToken!,
    expiresAt: Date.now() + (out.expiresIn ?? 3600) * 1000,
    refreshToken: out.refreshToken,
    signedInAt,
  };
}

type Grant = Omit<CreateTokenCommandInput, 'clientId' | 'clientSecret'>;

/** CreateToken for a grant, with the shared backoff for throttling and server faults (or another way to retry: `run`). */
export function createToken(
  session: SsoSessionConfig,
  reg: ClientRegistration,
  grant: Grant,
  run: (call: () => Promise<CreateTokenCommandOutput>) => Promise<CreateTokenCommandOutput> = withRetry,
): Promise<CreateTokenCommandOutput> {
  return run(() => oidcClient(session.region).send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, ...grant })));
}

export async function refreshSsoToken(session: SsoSessionConfig, reg: ClientRegistration, token: SsoToken): Promise<SsoToken> {
  if (!token.refreshToken) throw new RefreshRejectedError('no refresh token');
  try {
    // Through the session's OIDC circuit (aws/circuits.ts): one failing refresh is shared, not repeated.
    const out = await createToken(session, reg, { grantType: 'refresh_token', refreshToken: token.refreshToken }, (call) => oidcCircuit(session.name, session.region).run(call));
    const refreshed = tokenFromResponse(out, token.signedInAt);
    // Some servers rotate refresh tokens, others keep them: keep ours if none came back.
    refreshed.refreshToken ??= token.refreshToken;
    return refreshed;
  } catch (err) {
    const name = errorName(err);
    if (name === 'InvalidGrantException' || name === 'InvalidClientException' || name === 'UnauthorizedClientException' || name === 'ExpiredTokenException') {
      throw new RefreshRejectedError(name);
    }
    throw upstreamFailure(err, 'refreshing the sign-in');
  }
}

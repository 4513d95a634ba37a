import { hostname } from 'node:os';
import { RegisterClientCommand } from '@aws-sdk/client-sso-oidc';
import { oidcClient, upstreamFailure } from '../aws/clients.js';
import { withRetry } from '../aws/retry.js';
import type { ClientRegistration, SignInMethod, SsoSessionConfig } from './types.js';

/** Registered like the AWS CLI does: loopback redirect without a port (RFC 8252 lets the port vary). */
export const PKCE_REDIRECT_BASE = 'http://127.0.0.1/oauth/callback';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** Re-register a little before the registration expires, so a sign-in never starts on a dying client. */
const REGISTRATION_MARGIN_MS = 10 * 60_000;

export function registrationUsable(reg: ClientRegistration | undefined, session: SsoSessionConfig, now = Date.now()): reg is ClientRegistration {
  return !!reg && reg.expiresAt - REGISTRATION_MARGIN_MS > now && reg.scopes.join(' ') === session.scopes.join(' ');
}

export async function registerClient(session: SsoSessionConfig, method: SignInMethod): Promise<ClientRegistration> {
  const command = new RegisterClientCommand({
    clientName: `keyfob-${hostname()}`.slice(0, 60),
    clientType: 'public',
    scopes: session.scopes,
    ...(method === 'pkce'
      ? { grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [PKCE_REDIRECT_BASE], issuerUrl: session.startUrl }
      : { grantTypes: [DEVICE_GRANT, 'refresh_token'] }),
  });
  try {
    const out = await withRetry(() => oidcClient(session.region).send(command));
    return {
      method,
      clientId: out.clientId!,
      clientSecret: out.clientSecret!,
      expiresAt: (out.clientSecretExpiresAt ?? 0) * 1000,
      scopes: session.scopes,
    };
  } catch (err) {
    throw upstreamFailure(err, 'client registration');
  }
}

// The AWS SDK clients keyfob talks to IAM Identity Center with. Endpoints come from the
// standard AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC overrides the SDK reads itself;
// that is how tests and the demo point keyfob at `keyfob emulator`.
import { SSOClient } from '@aws-sdk/client-sso';
import { SSOOIDCClient } from '@aws-sdk/client-sso-oidc';
import { UpstreamError } from '../errors.js';
import { httpStatusOf } from './retry.js';

const REQUEST_TIMEOUT_MS = 15_000;
const CONNECTION_TIMEOUT_MS = 5_000;
const ssoClients = new Map<string, SSOClient>();
const oidcClients = new Map<string, SSOOIDCClient>();

// maxAttempts 1: keyfob does its own bounded backoff (credentials/retry.ts), so the
// SDK's retries would only multiply the upstream calls.
// throwOnRequestTimeout: without it @smithy/node-http-handler (4.x) only logs a warning when
// requestTimeout passes, and a server that never answers holds every caller forever.
export const CLIENT_SETTINGS = {
  maxAttempts: 1,
  requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true, connectionTimeout: CONNECTION_TIMEOUT_MS },
};

export function ssoClient(region: string): SSOClient {
  let client = ssoClients.get(region);
  if (!client) ssoClients.set(region, (client = new SSOClient({ region, ...CLIENT_SETTINGS })));
  return client;
}

export function oidcClient(region: string): SSOOIDCClient {
  let client = oidcClients.get(region);
  if (!client) oidcClients.set(region, (client = new SSOOIDCClient({ region, ...CLIENT_SETTINGS })));
  return client;
}

/** The base URL of the OIDC service for a region (needed to build the PKCE /authorize URL). */
export function oidcEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.AWS_ENDPOINT_URL_SSO_OIDC || env.AWS_ENDPOINT_URL;
  return (override || `https://oidc.${region}.amazonaws.com`).replace(/\/+$/, '');
}

export function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}

/** The service a failure came from, and the endpoint overrides that point at it, for the fix. */
export interface Upstream {
  name: string;
  endpoints: string;
}

export const IDENTITY_CENTER: Upstream = { name: 'IAM Identity Center', endpoints: 'AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC' };
export const STS: Upstream = { name: 'STS', endpoints: 'AWS_ENDPOINT_URL_STS' };

/** Turn an SDK or network failure into one line a user can act on. */
export function upstreamFailure(err: unknown, what: string, service: Upstream = IDENTITY_CENTER): UpstreamError {
  const status = httpStatusOf(err);
  const code = (err as { code?: string })?.code;
  const { name, endpoints } = service;
  if (status === 429) return new UpstreamError(`${name} kept throttling ${what} (429); wait a minute and try again`, 429);
  if (status !== undefined && status >= 500) return new UpstreamError(`${name} failed during ${what} (HTTP ${status}); try again shortly`, 502);
  if (status === undefined && errorName(err) === 'TimeoutError') {
    const limit = code === 'ETIMEDOUT' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000}s` : `no connection within ${CONNECTION_TIMEOUT_MS / 1000}s`;
    return new UpstreamError(`${name} timed out during ${what} (${limit}); check your network, or ${endpoints}`, 504);
  }
  if (status === undefined) {
    const reason = code || errorName(err);
    return new UpstreamError(`cannot reach ${name} for ${what} (${reason}); check your network, or ${endpoints}`, 502);
  }
  const message = (err as Error).message?.split('\n')[0] || errorName(err);
  return new UpstreamError(`${what} failed: ${errorName(err)}: ${message}`, 502);
}

// The AWS SDK clients keyfob talks to IAM Identity Center with. Endpoints come from the
// standard AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC overrides the SDK reads itself;
// that is how tests and the demo point keyfob at `keyfob emulator`.
import { SSOClient } from '@aws-sdk/client-sso';
import { SSOOIDCClient } from '@aws-sdk/client-sso-oidc';
import { KeyfobError, UpstreamError, UpstreamUnavailableError } from '../core/errors.js';
import { CircuitOpenError } from '../core/circuit.js';
import { isUpstreamFailure } from './circuits.js';
import { httpStatusOf, isThrottle } from './retry.js';

// One attempt's bound, connection included (the SDK starts requestTimeout with the request). The
// first caller of a failing upstream waits its circuit's 6.5 s at most (shared/circuit.ts), so a
// server that never answers ends that call at 6 s, and the client's whole call within the 8 s the
// first caller is promised (Node's start and the socket round trip take the rest). Not shorter: a
// loaded machine (50 clients starting at once on 2 cores) can hold a healthy answer for seconds.
export const REQUEST_TIMEOUT_MS = 6_000;
const CONNECTION_TIMEOUT_MS = 3_000;
// An idle kept-alive connection is dropped after this. Servers close theirs too (Node's after 5 s,
// the emulator's included), and with one attempt per call a request written on a connection the
// server is closing fails with ECONNRESET and opens the circuit. Node 20's agent keeps idle sockets
// forever unless given a timeout; calls are rare enough that reconnecting costs nothing.
const IDLE_SOCKET_MS = 4_000;
const ssoClients = new Map<string, SSOClient>();
const oidcClients = new Map<string, SSOOIDCClient>();

// maxAttempts 1: keyfob does its own bounded retries (the circuits, aws/circuits.ts; the listing's
// limiter; aws/retry.ts for the sign-in), so the SDK's retries would only multiply the upstream calls.
// throwOnRequestTimeout: without it @smithy/node-http-handler (4.x) only logs a warning when
// requestTimeout passes, and a server that never answers holds every caller forever.
export const CLIENT_SETTINGS = {
  maxAttempts: 1,
  requestHandler: {
    requestTimeout: REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    httpAgent: { timeout: IDLE_SOCKET_MS },
    httpsAgent: { timeout: IDLE_SOCKET_MS },
  },
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

/** When the daemon tries again, for the end of an outage's line. */
function retryClause(err: unknown, now: number): string {
  if (!(err instanceof CircuitOpenError)) return 'try again shortly';
  if (err.retryAt === undefined) return 'keyfob is trying again now';
  return `keyfob tries again in ${Math.max(1, Math.ceil((err.retryAt - now) / 1000))} s`;
}

/** Turn an SDK or network failure (or a circuit's CircuitOpenError) into one line a user can act on. */
export function upstreamFailure(err: unknown, what: string, service: Upstream = IDENTITY_CENTER, now = Date.now()): KeyfobError {
  if (err instanceof KeyfobError) return err;
  const cause = err instanceof CircuitOpenError ? err.lastFailure : err;
  const status = httpStatusOf(cause);
  const code = (cause as { code?: string })?.code;
  const { name, endpoints } = service;
  const retryAt = err instanceof CircuitOpenError ? err.retryAt : undefined;
  const outage = (line: string, fix: string) => new UpstreamUnavailableError(`${line}; ${retryClause(err, now)}${fix}`, retryAt);
  if (status === 429 || isThrottle(cause)) return outage(`${name} kept throttling ${what} (${status === 429 ? '429' : errorName(cause)})`, '');
  if (status !== undefined && status >= 500) return outage(`${name} failed during ${what} (HTTP ${status})`, `, or check ${endpoints}`);
  if (status === undefined && errorName(cause) === 'TimeoutError' && (code === undefined || code === 'ETIMEDOUT')) {
    // The SDK's connection timeout is the only TimeoutError that says it never connected; the
    // request and socket-idle timeouts both mean a connection that did not answer. (The SDK also
    // names a reset TimeoutError: that one is told below with its code.)
    const neverConnected = code !== 'ETIMEDOUT' && /establish a connection/.test((cause as Error).message ?? '');
    const limit = neverConnected ? `no connection within ${CONNECTION_TIMEOUT_MS / 1000} s` : `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
    return outage(`${name} timed out during ${what} (${limit})`, `, or check your network, or ${endpoints}`);
  }
  if (status === undefined && isUpstreamFailure(cause)) return outage(`cannot reach ${name} for ${what} (${code})`, `, or check your network, or ${endpoints}`);
  if (status === undefined) {
    const reason = code || errorName(cause);
    return new UpstreamError(`cannot reach ${name} for ${what} (${reason}); check your network, or ${endpoints}`, 502);
  }
  const message = (cause as Error).message?.split('\n')[0] || errorName(cause);
  return new UpstreamError(`${what} failed: ${errorName(cause)}: ${message}`, 502);
}

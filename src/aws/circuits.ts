// The daemon's circuits (shared/circuit.ts), one per upstream: per sso-session for the portal
// (GetRoleCredentials) and for OIDC (the CreateToken refresh), per region for STS. A failure is
// what says the service is not answering: 5xx, throttling, a timeout, a connection that fails.
// Each call through a circuit is a single attempt: its retries are the circuit's probes.
import { Circuit, Circuits, type CircuitState } from '../core/circuit.js';
import { httpStatusOf, isThrottleOrServerFault } from './retry.js';

/** Network failures that say the service is not there now (a wrong host name included: it says so, and is cheap to repeat). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** An upstream that is failing rather than answering: what opens a circuit. */
export function isUpstreamFailure(err: unknown): boolean {
  if (isThrottleOrServerFault(err)) return true;
  if (httpStatusOf(err) !== undefined) return false;
  const { name, code } = (err ?? {}) as { name?: string; code?: string };
  return name === 'TimeoutError' || (code !== undefined && NETWORK_CODES.has(code));
}

const circuits = new Circuits({ isFailure: isUpstreamFailure });

export type UpstreamKind = 'portal' | 'oidc' | 'sts';

/** The portal (GetRoleCredentials) of one sso-session. */
export function portalCircuit(ssoSession: string, region: string): Circuit {
  return circuits.get(['portal', ssoSession, region].join('\u0000'));
}

/** OIDC (the token refresh) of one sso-session. */
export function oidcCircuit(ssoSession: string, region: string): Circuit {
  return circuits.get(['oidc', ssoSession, region].join('\u0000'));
}

/** STS in one region. */
export function stsCircuit(region: string): Circuit {
  return circuits.get(['sts', '', region].join('\u0000'));
}

export interface FailingUpstream {
  kind: UpstreamKind;
  /** The sso-session ('' for STS). */
  ssoSession: string;
  region: string;
  failingSince: string;
  /** When the next probe may go; absent while one is under way. */
  retryAt?: string;
  /** The last failure, as the SDK named it (never a message that could carry a request's details). */
  lastFailure: string;
}

/** Every upstream failing now, for `keyfob status`. */
export function failingUpstreams(): FailingUpstream[] {
  return circuits.failing().map(({ key, state }) => {
    const [kind, ssoSession, region] = key.split('\u0000') as [UpstreamKind, string, string];
    return { kind, ssoSession, region, ...describeState(state) };
  });
}

function describeState(state: CircuitState): Pick<FailingUpstream, 'failingSince' | 'retryAt' | 'lastFailure'> {
  const err = state.lastFailure as { name?: string; code?: string } | undefined;
  const status = httpStatusOf(state.lastFailure);
  const lastFailure = status !== undefined ? `HTTP ${status}${err?.name ? ` ${err.name}` : ''}` : (err?.code ?? err?.name ?? 'Error');
  return {
    failingSince: new Date(state.failingSince).toISOString(),
    ...(state.retryAt !== undefined ? { retryAt: new Date(state.retryAt).toISOString() } : {}),
    lastFailure,
  };
}

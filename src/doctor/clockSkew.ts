// The local clock against the Date header of the SSO portal endpoint of each configured session's
// region. SigV4 and token expiry both assume clocks agree to within minutes.
import { oneLine } from '../core/errors.js';
import { loadConfig } from './config.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'clock';
/** AWS refuses SigV4 requests more than 5 minutes off (RequestTimeTooSkewed). */
export const MAX_SKEW_MS = 5 * 60_000;
/** Beyond this, say so without failing: the Date header has 1 s resolution plus the round trip. */
const NOTICEABLE_SKEW_MS = 60_000;
/** How to sync the clock, in the words of the OS at hand. */
export function clockFix(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'sync the clock: sudo sntp -sS time.apple.com (or System Settings > General > Date & Time > Set time automatically)';
  if (platform === 'win32') return 'sync the clock: w32tm /resync (or Settings > Time & language > Sync now)';
  return 'sync the clock (timedatectl set-ntp true, or your OS time settings / ntp)';
}

/** The portal (GetRoleCredentials) endpoint, honouring the standard overrides the SDK reads. */
export function portalEndpoint(region: string, env: NodeJS.ProcessEnv): string {
  return (env.AWS_ENDPOINT_URL_SSO || env.AWS_ENDPOINT_URL || `https://portal.sso.${region}.amazonaws.com`).replace(/\/+$/, '');
}

interface Measured {
  endpoint: string;
  /** Server minus local, in ms; positive when the local clock is behind. */
  skewMs?: number;
  error?: string;
}

type NetworkCause = { code?: string; message?: string; errors?: NetworkCause[] };

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause, or in the cause's list of attempts. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: NetworkCause }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? oneLine(err);
}

async function measure(endpoint: string, timeoutMs: number): Promise<Measured> {
  const sent = Date.now();
  let dateHeader: string | null;
  try {
    // Any answer will do (the portal's root is a 404): only its Date header is read.
    const response = await fetch(`${endpoint}/`, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    dateHeader = response.headers.get('date');
  } catch (err) {
    return { endpoint, error: networkReason(err) };
  }
  const received = Date.now();
  const serverTime = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(serverTime)) return { endpoint, error: 'the answer had no readable Date header' };
  // The header is whole seconds, stamped somewhere in the round trip: compare with its midpoint.
  return { endpoint, skewMs: serverTime + 500 - (sent + received) / 2 };
}

function describeSkew(skewMs: number): string {
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const amount = seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
  return `${amount} ${skewMs > 0 ? 'behind' : 'ahead of'}`;
}

export const clockSkewCheck: DoctorCheck = {
  name: NAME,
  async run({ env, timeoutMs, platform = process.platform }): Promise<CheckResult> {
    const FIX = clockFix(platform);
    let regions: string[];
    try {
      const { config } = await loadConfig(env);
      regions = [...new Set([...config.ssoSessions.values()].map((s) => s.region).filter((r) => r !== ''))];
    } catch (err) {
      return { name: NAME, status: 'skip', detail: `not checked: ${oneLine(err)}` };
    }
    if (regions.length === 0) return { name: NAME, status: 'skip', detail: 'no sso-session configured, so no SSO endpoint to compare with' };

    const endpoints = [...new Set(regions.map((r) => portalEndpoint(r, env)))];
    const results = await Promise.all(endpoints.map((e) => measure(e, Math.max(1000, timeoutMs - 1000))));
    const measured = results.filter((r): r is Measured & { skewMs: number } => r.skewMs !== undefined);
    if (measured.length === 0) {
      const { endpoint, error } = results[0];
      return { name: NAME, status: 'warn', detail: `cannot reach ${endpoint} (${error}), so the clock was not checked`, fix: 'check your network, or AWS_ENDPOINT_URL_SSO' };
    }
    const worst = measured.reduce((a, b) => (Math.abs(b.skewMs) > Math.abs(a.skewMs) ? b : a));
    const detail = `the local clock is ${describeSkew(worst.skewMs)} ${worst.endpoint}`;
    if (Math.abs(worst.skewMs) > MAX_SKEW_MS) return { name: NAME, status: 'fail', detail: `${detail}; AWS refuses requests more than 5 minutes off`, fix: FIX };
    if (Math.abs(worst.skewMs) > NOTICEABLE_SKEW_MS) return { name: NAME, status: 'warn', detail, fix: FIX };
    return { name: NAME, status: 'ok', detail };
  },
};

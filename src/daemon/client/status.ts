// `keyfob status`: what the daemon knows, formatted for people. Never starts a daemon.
import { localTime, untilText } from '../../core/time.js';
import { visible } from '../../core/terminalText.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer } from './connection.js';

export interface StatusReport {
  daemon: {
    pid: number;
    socket: string;
    /** The restricted socket beside it, the one to forward (absent from older daemons). */
    restrictedSocket?: string;
    /** forward_profiles: the globs the restricted socket serves (null: every profile), or why it serves none. */
    forwardProfiles?: string[] | null | { problem: string };
    socketFallbackFrom?: string;
    uptimeSeconds: number;
    keyring: string;
    configFile: string;
    configParses: number;
  };
  sessions: { name: string; startUrl: string; region: string; signedIn: boolean; expiresAt?: string; canRefresh: boolean; signInPending: boolean; reason?: string; refreshFailing?: RefreshFailing }[];
  credentials: { ssoSession: string; accountId: string; roleName: string; expiration: string; refreshFailing?: RefreshFailing }[];
  /** Cached role chains and IAM user sessions (absent from older daemons). */
  chains?: { profile: string; kind: 'chain' | 'session'; roleArn?: string; expiration: string; refreshFailing?: RefreshFailing }[];
  /** Upstreams whose circuit is open (aws/circuits.ts; absent from older daemons). */
  upstreams?: { kind: 'portal' | 'oidc' | 'sts'; ssoSession: string; region: string; failingSince: string; retryAt?: string; lastFailure: string }[];
  /** Profiles whose IAM user keys `keyfob add` stored: names only, never keys. */
  iamUsers?: string[];
}

/** A refresh failing (an outage) while what the daemon holds is still served. */
interface RefreshFailing {
  since: string;
  error: string;
  until: string;
}

/** The daemon's report, or undefined when no daemon runs. */
export async function fetchStatus(env: NodeJS.ProcessEnv = process.env): Promise<StatusReport | undefined> {
  try {
    return parseAnswer<StatusReport>(await daemonRequest('GET', ROUTES.status, undefined, { env, noStart: true }));
  } catch (err) {
    if ((err as { code?: string }).code === 'DaemonUnavailable') return undefined;
    throw err;
  }
}


function forwardedProfiles(setting: StatusReport['daemon']['forwardProfiles']): string {
  if (setting === undefined) return '';
  if (setting === null) return ', every profile of the config';
  if (Array.isArray(setting)) return `, forward_profiles ${setting.join(' ')}`;
  return `, no profile (${setting.problem})`;
}

// One time format everywhere (src/core/time.ts): local time with its zone.
const when = (iso: string) => localTime(new Date(iso));
const failing = (f: RefreshFailing | undefined) => (f ? `; refresh failing since ${when(f.since)}: ${f.error}; serving until ${when(f.until)}` : '');
const UPSTREAM_NAMES = { portal: 'IAM Identity Center portal', oidc: 'IAM Identity Center OIDC', sts: 'STS' };

export function formatStatus(report: StatusReport | undefined): string {
  if (!report) return 'daemon: not running (it starts on demand; or run: keyfob daemon start)\n';
  const { daemon } = report;
  const lines = [
    `daemon: pid ${daemon.pid}, up ${daemon.uptimeSeconds}s, keyring ${daemon.keyring}`,
    `socket: ${daemon.socket}${daemon.socketFallbackFrom ? ` (short path; ${daemon.socketFallbackFrom} is too long for a socket)` : ''}`,
    ...(daemon.restrictedSocket ? [`restricted socket (to forward with ssh -R): ${daemon.restrictedSocket}${forwardedProfiles(daemon.forwardProfiles)}`] : []),
    `config: ${daemon.configFile}`,
    '',
    'sessions:',
  ];
  if (!report.sessions.length) lines.push('  none; run: keyfob login --start-url URL --sso-region REGION');
  for (const s of report.sessions) {
    const state = s.signInPending
      ? 'sign-in in progress'
      : s.signedIn
        ? `signed in ${untilText(s.expiresAt!)}${s.canRefresh ? ', refreshes automatically' : ', cannot refresh'}${failing(s.refreshFailing)}`
        : `signed out${s.reason ? ` (${s.reason})` : ''}; run: keyfob login --sso-session ${s.name}`;
    lines.push(`  ${s.name}  ${s.startUrl} (${s.region})  ${state}`);
  }
  lines.push('', 'cached role credentials:');
  if (!report.credentials.length) lines.push('  none');
  for (const c of report.credentials) lines.push(`  ${c.accountId}/${c.roleName}  (${c.ssoSession})  ${untilText(c.expiration)}${failing(c.refreshFailing)}`);
  if (report.chains?.length) {
    lines.push('', 'cached role chains and IAM user sessions:');
    for (const c of report.chains) lines.push(`  ${c.profile}  ${c.roleArn ?? 'session (GetSessionToken)'}  ${untilText(c.expiration)}${failing(c.refreshFailing)}`);
  }
  if (report.upstreams?.length) {
    lines.push('', 'failing upstreams (one try at a time, with backoff):');
    for (const u of report.upstreams) {
      const which = u.kind === 'sts' ? `STS (${u.region})` : `${UPSTREAM_NAMES[u.kind]} for sso-session ${u.ssoSession} (${u.region})`;
      lines.push(`  ${which}  failing since ${when(u.failingSince)} (${u.lastFailure}); ${u.retryAt ? `next try after ${when(u.retryAt)}` : 'a try is under way'}`);
    }
  }
  lines.push('', 'IAM users in the keychain (keyfob add; logout leaves them, keyfob remove PROFILE deletes them):');
  lines.push(report.iamUsers?.length ? `  ${report.iamUsers.join(', ')}` : '  none');
  // Names and reasons come from the server and the config: nothing in them may act on the terminal.
  return `${lines.map(visible).join('\n')}\n`;
}

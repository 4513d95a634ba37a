// The console for a profile: its role credentials from the daemon, its region and portal from the
// config, then the sign-in URL. Shared by `keyfob console` and `assume -c`.
import { readAwsConfig } from '../config/awsConfig.js';
import type { CredentialProcessOutput } from '../credentials/types.js';
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import { withMfa } from '../daemon/client/mfaRetry.js';
import { ROUTES } from '../daemon/protocol.js';
import { KeyfobError } from '../core/errors.js';
import { configFile } from '../core/paths.js';
import { profileLook } from './browserProfiles.js';
import { openConsoleInBrowser, usableConsoleBrowser } from './consoleBrowser.js';
import { checkRegion } from './partitions.js';
import { checkConsoleDuration, consolePath } from './services.js';
import { consoleSigninUrl } from './signinUrl.js';

export interface ProfileConsoleOptions {
  profile: string;
  /** Wins over the profile's `region`. */
  region?: string;
  service?: string;
  durationSeconds?: number;
  env?: NodeJS.ProcessEnv;
}

export async function consoleUrlForProfile(opts: ProfileConsoleOptions): Promise<string> {
  const env = opts.env ?? process.env;
  // Refuse bad input before the daemon is asked (which may want a sign-in).
  consolePath(opts.service);
  if (opts.region !== undefined) checkRegion(opts.region);
  if (opts.durationSeconds !== undefined) checkConsoleDuration(opts.durationSeconds);

  // The daemon's answer goes first: it owns the unknown-profile and not-signed-in errors.
  const credentials = await withMfa(opts.profile, async () =>
    parseAnswer<CredentialProcessOutput>(await daemonRequest('GET', `${ROUTES.credentials}?profile=${encodeURIComponent(opts.profile)}`, undefined, { env })),
  );
  if (!credentials.SessionToken) {
    throw new KeyfobError('Usage', `profile ${JSON.stringify(opts.profile)} has long-term keys, and the console takes only temporary ones; open a role profile (role_arn with source_profile = ${opts.profile}) instead`);
  }

  const config = await readAwsConfig(configFile(env));
  const values = config.profiles.get(opts.profile)?.values ?? {};
  const session = values.keyfob_sso_session ?? values.sso_session;
  // Someone whose console session ends is sent back to the access portal they came from.
  const issuer = (session ? config.ssoSessions.get(session)?.startUrl : values.sso_start_url) || undefined;

  return consoleSigninUrl({
    credentials: { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken },
    region: opts.region ?? (values.region || undefined),
    service: opts.service,
    durationSeconds: opts.durationSeconds,
    issuer,
    env,
  });
}

export { openConsoleInBrowser, openConsoleUrl, usableConsoleBrowser } from './consoleBrowser.js';

/** `keyfob console` and `assume -c`: open the console as the profile's role in its browser (KEYFOB_CONSOLE_BROWSER), or print the URL. */
export async function openProfileConsole(opts: { profile: string; service?: string; region?: string; duration?: string; url?: boolean }): Promise<void> {
  const { parseConsoleDuration } = await import('./services.js');
  // A bad browser setting, colour or icon, or no browser at hand, is refused before the daemon is asked (which may want a sign-in).
  if (!opts.url && usableConsoleBrowser().kind === 'firefox-containers') await profileLook(opts.profile);
  const url = await consoleUrlForProfile({
    profile: opts.profile,
    service: opts.service,
    region: opts.region,
    durationSeconds: opts.duration === undefined ? undefined : parseConsoleDuration(opts.duration),
  });
  if (opts.url) process.stdout.write(`${url}\n`);
  else await openConsoleInBrowser(url, { profile: opts.profile });
}

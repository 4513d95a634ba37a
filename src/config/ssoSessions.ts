// What `keyfob login` needs from the config: naming, writing and choosing [sso-session]s.
import { ConfigError } from '../errors.js';
import { configFile as defaultConfigFile } from '../paths.js';
import { readAwsConfig, type AwsConfig, type SsoSession } from './awsConfig.js';
import { editConfigFile, type EditResult } from './configWriter.js';
import { isAwsRegion } from './region.js';

/**
 * A readable session name from a start URL:
 * https://d-9067c0ffee.awsapps.com/start → d-9067c0ffee, https://acme.awsapps.com/start → acme,
 * https://ssoins-123.portal.us-east-1.app.aws → ssoins-123, anything else → its host, sanitised.
 */
export function deriveSessionName(startUrl: string): string {
  let host: string;
  try {
    host = new URL(startUrl).hostname.toLowerCase();
  } catch {
    throw new ConfigError(`not a valid start URL: ${JSON.stringify(startUrl)}; expected e.g. https://d-xxxxxxxxxx.awsapps.com/start`);
  }
  const portal = /^([a-z0-9-]+)\.(?:awsapps\.com|awsapps\.cn|portal\.[a-z0-9-]+\.app\.aws)$/.exec(host);
  const name = (portal ? portal[1] : host).replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  if (name === '') throw new ConfigError(`cannot derive a session name from ${startUrl}; pass --sso-session NAME`);
  return name;
}

export interface SsoSessionSettings {
  name: string;
  startUrl: string;
  region: string;
  scopes: string[];
}

/** Create or update `[sso-session NAME]`, touching nothing else in the file. */
export async function upsertSsoSession(configPath: string, session: SsoSessionSettings): Promise<EditResult> {
  const entries: [string, string][] = [
    ['sso_start_url', session.startUrl],
    ['sso_region', session.region],
  ];
  if (session.scopes.length > 0) entries.push(['sso_registration_scopes', session.scopes.join(',')]);
  return editConfigFile(configPath, (doc) => {
    doc.upsertSection('sso-session', session.name, entries);
  });
}

/** The session a command should use: the named one, or the only one there is. */
export function pickSsoSession(config: Pick<AwsConfig, 'ssoSessions'>, name?: string): SsoSession {
  const names = [...config.ssoSessions.keys()];
  if (name !== undefined) {
    const found = config.ssoSessions.get(name);
    if (found) return found;
    throw new ConfigError(
      names.length === 0
        ? `no sso-session "${name}" in the config; run: keyfob login --sso-session ${name} --start-url URL --sso-region REGION`
        : `no sso-session "${name}" in the config; configured: ${names.join(', ')}`,
    );
  }
  if (names.length === 1) return config.ssoSessions.get(names[0])!;
  if (names.length === 0) {
    throw new ConfigError('no sso-session configured; run: keyfob login --start-url URL --sso-region REGION');
  }
  throw new ConfigError(`several sso-sessions are configured (${names.join(', ')}); choose one with --sso-session NAME`);
}

export interface LoginRequest {
  name?: string;
  startUrl?: string;
  region?: string;
  /** Comma-separated, as on the command line. */
  scopes?: string;
}

/**
 * The session `keyfob login` signs in to. With a start URL it creates or updates the
 * `[sso-session]` section first, so later commands need no arguments.
 */
export async function resolveLoginSession(req: LoginRequest, configPath = defaultConfigFile()): Promise<string> {
  if (req.startUrl) {
    if (!req.region) throw new ConfigError('--start-url needs --sso-region too, e.g. --sso-region eu-west-1');
    if (!isAwsRegion(req.region)) throw new ConfigError(`"${req.region}" is not an AWS region; e.g. --sso-region eu-west-1`);
    const name = req.name ?? deriveSessionName(req.startUrl);
    if (!/^https?:\/\//.test(req.startUrl)) throw new ConfigError(`not a valid start URL: ${JSON.stringify(req.startUrl)}; expected e.g. https://d-xxxxxxxxxx.awsapps.com/start`);
    const scopes = (req.scopes ?? 'sso:account:access').split(',').map((s) => s.trim()).filter(Boolean);
    await upsertSsoSession(configPath, { name, startUrl: req.startUrl, region: req.region, scopes });
    return name;
  }
  if (req.region || req.scopes) throw new ConfigError('--sso-region and --scopes go with --start-url');
  return pickSsoSession(await readAwsConfig(configPath), req.name).name;
}

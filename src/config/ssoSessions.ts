// What `keyfob login` needs from the config: naming, writing and choosing [sso-session]s.
import { ConfigError } from '../core/errors.js';
import { configFile as defaultConfigFile } from '../core/paths.js';
import { DEFAULT_SCOPES, signInDefinition, type SsoSessionConfig } from '../signin/types.js';
import { interpretConfig, readAwsConfig, readConfigText, type AwsConfig, type SsoSession } from './awsConfig.js';
import { editConfigFile, type EditResult } from './configWriter.js';
import { parseConfig, type ConfigDocument } from './iniDocument.js';
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
  /** Written as sso_registration_scopes; empty: the key is left as it is. */
  scopes: string[];
}

/** Create or update `[sso-session NAME]` in the document, touching nothing else. */
function putSsoSession(doc: ConfigDocument, session: SsoSessionSettings): void {
  const entries: [string, string][] = [
    ['sso_start_url', session.startUrl],
    ['sso_region', session.region],
  ];
  if (session.scopes.length > 0) entries.push(['sso_registration_scopes', session.scopes.join(',')]);
  doc.upsertSection('sso-session', session.name, entries);
}

/** Create or update `[sso-session NAME]`, touching nothing else in the file. */
export async function upsertSsoSession(configPath: string, session: SsoSessionSettings): Promise<EditResult> {
  return editConfigFile(configPath, (doc) => putSsoSession(doc, session));
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

/** The definition of a configured session (or of the only one), for a sign-in. */
export async function configuredSession(name: string | undefined, configPath = defaultConfigFile()): Promise<SsoSessionConfig> {
  return signInDefinition(pickSsoSession(await readAwsConfig(configPath), name));
}

export interface LoginRequest {
  name?: string;
  startUrl?: string;
  region?: string;
  /** Comma-separated, as on the command line. */
  scopes?: string;
  /** Change the start URL or region of an existing section. */
  force?: boolean;
}

/** What `keyfob login` does: sign in with `session`; only once that worked, write `section` if `save`. */
export interface LoginPlan {
  session: SsoSessionConfig;
  section: SsoSessionSettings;
  save: boolean;
  force: boolean;
}

/**
 * Start URLs that name one portal: the host is case-insensitive, and a trailing `/` or `#/`
 * (as the portal's own links have) does not matter.
 */
export function sameStartUrl(a: string, b: string): boolean {
  const key = (url: string) => {
    if (!URL.canParse(url)) return url;
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}${u.hash === '#/' ? '' : u.hash}`;
  };
  return key(a) === key(b);
}

/** A section that signs in elsewhere is the user's: it changes only with --force. */
function refuseToChange(existing: SsoSession | undefined, wanted: SsoSessionSettings, force: boolean, configPath: string): void {
  if (!existing || force) return;
  if (sameStartUrl(existing.startUrl, wanted.startUrl) && existing.region === wanted.region) return;
  throw new ConfigError(
    `sso-session "${wanted.name}" in ${configPath} signs in to ${existing.startUrl} (${existing.region}), not ${wanted.startUrl} (${wanted.region}); ` +
      'pass --force to change it, or choose another name with --sso-session NAME',
  );
}

/** The configured session for this portal, if any: the one in this region first. */
export function sessionForPortal(config: Pick<AwsConfig, 'ssoSessions'>, startUrl: string, region: string): SsoSession | undefined {
  const same = [...config.ssoSessions.values()].filter((s) => sameStartUrl(s.startUrl, startUrl));
  return same.find((s) => s.region === region) ?? same[0];
}

/**
 * The sign-in `keyfob login` asks for and the `[sso-session]` it would write, decided (and
 * checked) before anything is written: the config changes only after the sign-in works.
 */
export async function planLogin(req: LoginRequest, configPath = defaultConfigFile()): Promise<LoginPlan> {
  if (!req.startUrl) {
    if (req.region || req.scopes || req.force) throw new ConfigError('--sso-region, --scopes and --force go with --start-url');
    const session = await configuredSession(req.name, configPath);
    return { session, section: { ...session, scopes: [] }, save: false, force: false };
  }
  if (!req.region) throw new ConfigError('--start-url needs --sso-region too, e.g. --sso-region eu-west-1');
  if (!isAwsRegion(req.region)) throw new ConfigError(`"${req.region}" is not an AWS region; e.g. --sso-region eu-west-1`);
  if (!/^https?:\/\//.test(req.startUrl) || !URL.canParse(req.startUrl)) {
    throw new ConfigError(`not a valid start URL: ${JSON.stringify(req.startUrl)}; expected e.g. https://d-xxxxxxxxxx.awsapps.com/start`);
  }
  const text = await readConfigText(configPath);
  const doc = parseConfig(text);
  const config = interpretConfig(doc);
  const name = req.name ?? sessionForPortal(config, req.startUrl, req.region)?.name ?? deriveSessionName(req.startUrl);
  const existing = config.ssoSessions.get(name);
  const scopes = (req.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  // The configured spelling of the same portal stays, so the sign-in matches the section as written.
  const startUrl = existing && sameStartUrl(existing.startUrl, req.startUrl) ? existing.startUrl : req.startUrl;
  const section: SsoSessionSettings = { name, startUrl, region: req.region, scopes: scopes.length || existing ? scopes : DEFAULT_SCOPES };
  const force = req.force === true;
  refuseToChange(existing, section, force, configPath);
  putSsoSession(doc, section); // checks the name and values now, not after the sign-in
  const session: SsoSessionConfig = { ...section, scopes: scopes.length ? scopes : existing ? signInDefinition(existing).scopes : DEFAULT_SCOPES };
  return { session, section, save: doc.toString() !== text, force };
}

/** After a successful sign-in: write the section as planned, re-checked under the config's lock. */
export async function saveLoginSession(plan: LoginPlan, configPath = defaultConfigFile()): Promise<void> {
  if (!plan.save) return;
  await editConfigFile(configPath, (doc) => {
    refuseToChange(interpretConfig(doc).ssoSessions.get(plan.section.name), plan.section, plan.force, configPath);
    putSsoSession(doc, plan.section);
  });
}

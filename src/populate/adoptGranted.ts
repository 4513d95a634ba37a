// `keyfob populate --adopt granted`: the profiles granted wrote (`granted sso populate`, through
// common-fate/awsconfigfile) become keyfob's under the same names, so `assume NAME` and
// `aws --profile NAME` keep working once granted is gone. Only those sections change, and in them
// only granted's keys: its `granted_*` keys and `common_fate_generated_from` go, keyfob's three
// keys come, and credential_process (granted's line) is rewritten in place. Every other byte of the
// file stays as it was; keyfob's marker above the header makes later populates refresh them.
import { interpretConfig, type AwsConfig } from '../config/awsConfig.js';
import { editConfigFile, lockWaitLine } from '../config/configWriter.js';
import { isWritableValue, type ConfigDocument, type ConfigEdits, type Section, type SectionRef } from '../config/iniDocument.js';
import { isAwsRegion } from '../config/region.js';
import { deriveSessionName, sameStartUrl, sessionForPortal } from '../config/ssoSessions.js';
import { ROUTES } from '../daemon/protocol.js';
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import type { StatusReport } from '../daemon/client/status.js';
import { configFile } from '../core/paths.js';
import { splitCommandLine } from '../core/shellWords.js';
import { credentialProcessLine, keyfobExecutable } from '../shellInit/keyfobCommand.js';
import { visible } from '../core/terminalText.js';
import { GENERATED_MARKER } from './applyProfiles.js';
import { printPatch, refuseUnparsable, type PopulateIO } from './index.js';

/** granted's keys in a profile: what awsconfigfile writes and granted's cfaws reads (granted_sso_*, granted_skip_…). */
const GRANTED_KEY = /^(?:granted_.*|common_fate_generated_from)$/;

export interface AdoptOptions {
  /** The credential_process line for a profile of this name. */
  credentialProcess: (profileName: string) => string;
}

export interface AdoptReport {
  adopted: { name: string; ssoSession: string }[];
  /** [sso-session]s added because no configured one has the start URL granted's profiles name. */
  createdSessions: { name: string; startUrl: string }[];
  skipped: { name: string; reason: string }[];
}

/** granted's own check (cfaws validateCredentialProcess): `granted credential-process … --profile NAME`; dgranted is its dev build. */
export function runsGranted(line: string): boolean {
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch {
    return false;
  }
  const program = words[0]?.split(/[\\/]/).pop() ?? '';
  return /^d?granted(?:\.exe)?$/i.test(program) && words[1] === 'credential-process';
}

interface GrantedProfile {
  name: string;
  startUrl: string;
  ssoRegion: string;
  accountId: string;
  roleName: string;
  scopes: string[];
  /** The profile's own sso_session, which granted also reads the start URL and region from. */
  ssoSession?: string;
}

/** A granted profile's settings, as granted reads them; a string is why it cannot be adopted. */
function readGrantedProfile(config: AwsConfig, section: Section): GrantedProfile | string | undefined {
  const values = config.profiles.get(section.name)?.values ?? {};
  // granted's IsValidGrantedProfile: these two make a profile granted's.
  if (!('granted_sso_account_id' in values) || !('granted_sso_role_name' in values)) return undefined;
  if ('keyfob_sso_session' in values) return 'it has keyfob_sso_session too; remove the granted_* keys or the keyfob_* keys';
  const line = values.credential_process;
  if (line !== undefined && !runsGranted(line)) return 'its credential_process does not run granted; it is left as you wrote it';
  const session = values.sso_session ? config.ssoSessions.get(values.sso_session) : undefined;
  const startUrl = (values.granted_sso_start_url || session?.startUrl || '').replace(/\/+$/, ''); // granted trims a trailing slash too
  const ssoRegion = values.granted_sso_region || session?.region || '';
  if (!/^https?:\/\//.test(startUrl) || !URL.canParse(startUrl)) return 'it has no start URL (granted_sso_start_url, or an sso_session with sso_start_url)';
  if (!isAwsRegion(ssoRegion)) return 'it has no SSO region (granted_sso_region, or an sso_session with sso_region)';
  const accountId = values.granted_sso_account_id;
  const roleName = values.granted_sso_role_name;
  if (!/^\d{12}$/.test(accountId)) return `granted_sso_account_id "${accountId}" is not a 12-digit account id`;
  if (roleName === '' || !isWritableValue(roleName)) return `granted_sso_role_name "${roleName}" is not a role name`;
  const scopes = (values.granted_sso_registration_scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { name: section.name, startUrl, ssoRegion, accountId, roleName, scopes, ...(values.sso_session ? { ssoSession: values.sso_session } : {}) };
}

/** Adopt every granted profile in the document; see the top of this file. */
export function adoptGrantedProfiles(doc: ConfigDocument, opts: AdoptOptions): AdoptReport {
  return doc.edit((edits) => planAdoption(doc, edits, opts));
}

/** Records the edits in one batch; reads see the file as it was. */
function planAdoption(doc: ConfigDocument, edits: ConfigEdits, opts: AdoptOptions): AdoptReport {
  const report: AdoptReport = { adopted: [], createdSessions: [], skipped: [] };
  const config = interpretConfig(doc);
  const found: GrantedProfile[] = [];
  for (const section of doc.sections) {
    if (section.kind !== 'profile') continue;
    const read = readGrantedProfile(config, section);
    if (typeof read === 'string') report.skipped.push({ name: section.name, reason: read });
    else if (read) found.push(read);
  }

  /** The session whose start URL matches (the profile's own first), else a new one named as `keyfob login` names it. */
  const sessionFor = (profile: GrantedProfile): string => {
    const own = profile.ssoSession ? config.ssoSessions.get(profile.ssoSession) : undefined;
    if (own && sameStartUrl(own.startUrl, profile.startUrl)) return own.name;
    const existing = sessionForPortal(config, profile.startUrl, profile.ssoRegion);
    if (existing) return existing.name;
    const base = deriveSessionName(profile.startUrl);
    let name = base;
    for (let n = 2; config.ssoSessions.has(name); n++) name = `${base}-${n}`;
    const entries: [string, string][] = [
      ['sso_start_url', profile.startUrl],
      ['sso_region', profile.ssoRegion],
    ];
    if (profile.scopes.length > 0) entries.push(['sso_registration_scopes', profile.scopes.join(',')]);
    edits.upsertSection('sso-session', name, entries);
    config.ssoSessions.set(name, { name, startUrl: profile.startUrl, region: profile.ssoRegion, scopes: profile.scopes });
    report.createdSessions.push({ name, startUrl: profile.startUrl });
    return name;
  };

  for (const profile of found) {
    const ssoSession = sessionFor(profile);
    const ref: SectionRef = { kind: 'profile', name: profile.name };
    const grantedKeys = doc.findSection('profile', profile.name)!.entries.map((e) => e.key).filter((key) => GRANTED_KEY.test(key));
    edits.markSection(ref, GENERATED_MARKER);
    // credential_process first: an existing line keeps its place and spacing, only its value changes.
    edits.setKey(ref, 'credential_process', opts.credentialProcess(profile.name));
    edits.setKey(ref, 'keyfob_sso_session', ssoSession);
    edits.setKey(ref, 'keyfob_account_id', profile.accountId);
    edits.setKey(ref, 'keyfob_role_name', profile.roleName);
    for (const key of grantedKeys) edits.removeKey(ref, key);
    report.adopted.push({ name: profile.name, ssoSession });
  }
  return report;
}

/** The sessions the daemon says are signed in; undefined when it cannot say. */
async function signedInSessions(env: NodeJS.ProcessEnv): Promise<Set<string> | undefined> {
  try {
    const status = parseAnswer<StatusReport>(await daemonRequest('GET', ROUTES.status, undefined, { env }));
    return new Set(status.sessions.filter((s) => s.signedIn).map((s) => s.name));
  } catch {
    return undefined;
  }
}

/** `keyfob populate --adopt granted [--dry-run]`. */
export async function runAdoptGranted(req: { dryRun?: boolean }, io: PopulateIO): Promise<void> {
  const path = configFile(io.env);
  const executable = keyfobExecutable(io.env);
  const say = (stream: NodeJS.WriteStream, line: string) => stream.write(`${visible(line)}\n`);
  let report!: AdoptReport;
  const result = await editConfigFile(
    path,
    (doc) => {
      refuseUnparsable(doc.problems, path);
      report = adoptGrantedProfiles(doc, { credentialProcess: (name) => credentialProcessLine(executable, name) });
    },
    { dryRun: req.dryRun, lockOnlyToWrite: true, onLockWait: (w) => say(io.stderr, lockWaitLine(path, w)) },
  );
  if (req.dryRun && result.changed) printPatch(io.stdout, path, result.before, result.after, 'after populate --adopt granted');
  for (const skip of report.skipped) say(io.stderr, `skipped "${skip.name}": ${skip.reason}`);
  if (report.adopted.length === 0) {
    say(io.stderr, `no profile in ${path} was written by granted (granted_sso_account_id and granted_sso_role_name); nothing to adopt`);
    return;
  }
  for (const created of report.createdSessions) {
    say(io.stderr, `${req.dryRun ? 'would add' : 'added'} [sso-session ${created.name}] for ${created.startUrl}`);
  }
  const sessions = [...new Set(report.adopted.map((a) => a.ssoSession))];
  const summary =
    `${report.adopted.length} granted profile(s) ${req.dryRun ? 'would become' : 'are now'} keyfob's, under the same names, ` +
    `for sso-session ${sessions.join(', ')} in ${path}; keyfob populate keeps them up to date`;
  if (req.dryRun) say(io.stderr, `${summary}; dry run, nothing was written`);
  else say(io.stdout, summary);
  const signedIn = await signedInSessions(io.env);
  for (const session of sessions) {
    if (!signedIn?.has(session)) say(io.stderr, `next: keyfob login --sso-session ${session}${signedIn ? '' : ' (if you have not signed in yet)'}`);
  }
}

// `keyfob populate`: list what the signed-in user can reach (through the daemon), then write one
// profile per account and role in a single locked, atomic edit. All or nothing: the listing
// finishes before the file is touched, and a failure anywhere leaves it as it was.
import { createTwoFilesPatch } from 'diff';
import { readAwsConfig, type SsoSession } from '../config/awsConfig.js';
import { editConfigFile, lockWaitLine } from '../config/configWriter.js';
import type { ConfigProblem } from '../config/iniDocument.js';
import { isAwsRegion } from '../config/region.js';
import { pickSsoSession } from '../config/ssoSessions.js';
import { ConfigError, KeyfobError } from '../core/errors.js';
import { listAccountsThroughDaemon } from '../daemon/client/accounts.js';
import { awsCliCacheDirOf, readAwsCliToken } from '../signin/awsCliCache.js';
import { configFile } from '../core/paths.js';
import { applyProfiles, type PopulateReport, type ProfileMode } from './applyProfiles.js';
import { credentialProcessLine, keyfobExecutable } from '../shellInit/keyfobCommand.js';
import { checkTemplate, DEFAULT_TEMPLATE, nameProfiles } from './profileNames.js';
import { visible } from '../core/terminalText.js';
import { ProgressLine } from './progress.js';
import { confirm } from './prompt.js';
import { loadRememberedSettings, rememberSettings, type PopulateSettings } from './settings.js';

export interface PopulateRequest {
  ssoSession?: string;
  startUrl?: string;
  ssoRegion?: string;
  prefix?: string;
  template?: string;
  region?: string;
  mode?: ProfileMode;
  prune?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

export interface PopulateIO {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export async function runPopulate(req: PopulateRequest, io: PopulateIO): Promise<void> {
  if (req.template !== undefined) checkTemplate(req.template);
  if (req.region !== undefined && !isAwsRegion(req.region)) throw new ConfigError(`"${req.region}" is not an AWS region; e.g. --region eu-west-1`);
  const path = configFile(io.env);
  const config = await readAwsConfig(path);
  refuseUnparsable(config.problems, path);
  const remembered = await loadRememberedSettings(io.env);

  for (const session of chooseSessions(req, config.ssoSessions, remembered)) {
    const settings: PopulateSettings = {
      prefix: req.prefix ?? remembered[session.name]?.prefix ?? '',
      template: req.template ?? remembered[session.name]?.template ?? DEFAULT_TEMPLATE,
      mode: req.mode ?? remembered[session.name]?.mode ?? 'process',
      // The SSO region by default, as granted does: without one, `aws sts get-caller-identity` fails.
      region: req.region ?? remembered[session.name]?.region ?? (isAwsRegion(session.region) ? session.region : undefined),
    };
    await populateSession(session, settings, remembered[session.name], req, io, path);
  }
}

/** The named session; the one with that start URL; else every session populated before; else the only one. */
function chooseSessions(
  req: PopulateRequest,
  sessions: Map<string, SsoSession>,
  remembered: Record<string, PopulateSettings>,
): SsoSession[] {
  if (req.startUrl) {
    const byUrl = [...sessions.values()].find((s) => sameStartUrl(s.startUrl, req.startUrl!) && (!req.ssoSession || s.name === req.ssoSession));
    const login = `keyfob login --start-url ${req.startUrl} --sso-region ${req.ssoRegion ?? 'REGION'}`;
    if (!byUrl) throw new ConfigError(`no sso-session in the config has the start URL ${req.startUrl}; sign in first: ${login}`);
    if (req.ssoRegion && byUrl.region !== req.ssoRegion) {
      throw new ConfigError(`sso-session "${byUrl.name}" uses region ${byUrl.region}, not ${req.ssoRegion}; sign in again: ${login}`);
    }
    return [byUrl];
  }
  if (req.ssoRegion) throw new ConfigError('--sso-region goes with --start-url');
  if (req.ssoSession !== undefined) return [pickSsoSession({ ssoSessions: sessions }, req.ssoSession)];
  const before = [...sessions.values()].filter((s) => s.name in remembered);
  return before.length > 0 ? before : [pickSsoSession({ ssoSessions: sessions })];
}

/** A file the AWS CLI refuses stays as it is: writing profiles into it would not make them work. */
export function refuseUnparsable(problems: readonly ConfigProblem[], path: string): void {
  const refused = problems.filter((p) => p.refused);
  if (refused.length === 0) return;
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more: ${refused.slice(1, 4).map((p) => `line ${p.line}`).join(', ')})` : '';
  throw new ConfigError(
    `the AWS CLI cannot parse ${path}: line ${refused[0].line}: ${refused[0].message}${more}; fix it and run keyfob populate again (nothing was written)`,
  );
}

function sameStartUrl(a: string, b: string): boolean {
  const norm = (u: string) => u.trim().replace(/[#/]+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

async function populateSession(
  session: SsoSession,
  settings: PopulateSettings,
  remembered: PopulateSettings | undefined,
  req: PopulateRequest,
  io: PopulateIO,
  path: string,
): Promise<void> {
  const progress = new ProgressLine(io.stderr, `Listing accounts and roles of ${session.name}`);
  let accounts;
  try {
    accounts = await listAccountsThroughDaemon(session.name, { env: io.env, onProgress: (p) => progress.update(p.accountsDone, p.accountsTotal) });
  } finally {
    progress.done();
  }
  const named = nameProfiles(accounts, { template: settings.template, prefix: settings.prefix, ssoSession: session.name });
  const executable = keyfobExecutable(io.env);
  const apply = (doc: Parameters<typeof applyProfiles>[0]) =>
    applyProfiles(doc, {
      session,
      profiles: named.profiles,
      mode: settings.mode,
      region: settings.region,
      overwriteRegion: req.region !== undefined,
      prune: Boolean(req.prune),
      credentialProcess: (name) => credentialProcessLine(executable, name),
    });

  let report!: PopulateReport;
  const interactive = Boolean(io.stdin.isTTY && io.stderr.isTTY);
  let approvedRemovals: string[] | undefined;
  if (!req.dryRun && !req.yes && req.prune && interactive) {
    // Ask before deleting, without holding the config lock while the user reads.
    const preview = await editConfigFile(
      path,
      (doc) => {
        refuseUnparsable(doc.problems, path);
        report = apply(doc);
      },
      { dryRun: true },
    );
    if (preview.changed && report.removed.length > 0) {
      const listed = report.removed.slice(0, 5).join(', ') + (report.removed.length > 5 ? `, and ${report.removed.length - 5} more` : '');
      if (!(await confirm(io, `Remove ${report.removed.length} profile(s) no longer assigned to you (${visible(listed)})? [y/N] `))) {
        throw new KeyfobError('Cancelled', 'cancelled; the config was not changed');
      }
      approvedRemovals = report.removed;
    }
  }

  const say = (stream: NodeJS.WriteStream, line: string) => stream.write(`${visible(line)}\n`);
  const result = await editConfigFile(
    path,
    async (doc, { locked }) => {
      refuseUnparsable(doc.problems, path);
      report = apply(doc);
      if (approvedRemovals && report.removed.some((name) => !approvedRemovals!.includes(name))) {
        throw new ConfigError('the config changed while you were answering; run keyfob populate again');
      }
      if (locked && !req.dryRun) await rememberSettings(session.name, settings, io.env);
    },
    {
      dryRun: req.dryRun,
      // A populate that changes nothing reads only: no lock, no write access needed.
      lockOnlyToWrite: true,
      onLockWait: (w) => say(io.stderr, lockWaitLine(path, w)),
    },
  );
  if (!result.changed && !req.dryRun && !sameSettings(remembered, settings)) {
    // Nothing to write into the config, but the settings still become this session's.
    await rememberSettings(session.name, settings, io.env);
  }

  // Names come from the server and the config: every line is escaped before it is printed (say).
  if (req.dryRun && result.changed) printPatch(io.stdout, path, result.before, result.after, 'after populate');
  for (const collision of named.collisions) {
    say(io.stderr, `note: ${collision.renamedTo.length} account roles map to "${collision.name}"; named them ${collision.renamedTo.join(', ')}`);
  }
  for (const skip of report.skipped) say(io.stderr, `skipped "${skip.name}": ${skip.reason}`);
  if (report.stale.length > 0) {
    say(io.stderr, `kept ${report.stale.length} profile(s) whose account or role is gone (${report.stale.slice(0, 5).join(', ')}); --prune removes them`);
  }
  const summary =
    `${report.total} profiles (${report.added.length} added, ${report.updated.length} updated, ` +
    `${report.removed.length} removed, ${report.skipped.length} skipped) for sso-session ${session.name} in ${path}`;
  if (req.dryRun) say(io.stderr, `${summary}; dry run, nothing was written`);
  else say(io.stdout, summary);

  if (settings.mode === 'native' && report.total > 0 && !(await readAwsCliToken(awsCliCacheDirOf(io.env), session.name))) {
    say(
      io.stderr,
      `note: native profiles are signed in by the AWS CLI itself, and it has no token for sso-session ${session.name} yet ` +
        `(aws would say "Token for ${session.name} does not exist"); run: keyfob login --sso-session ${session.name} --export-to-aws-cli`,
    );
  }
}

/** A dry run's unified diff on stdout; names in it come from the server and the config, so every line is escaped. */
export function printPatch(out: NodeJS.WritableStream, path: string, before: string, after: string, label: string): void {
  const patch = createTwoFilesPatch(path, path, before, after, 'current', label);
  // Tabs (the patch's header has one) and a CRLF file's \r before \n are harmless and kept, so the patch still applies.
  for (const line of patch.replace(/\n$/, '').split('\n')) {
    out.write(`${line.replace(/\r$/, '').split('\t').map(visible).join('\t')}${line.endsWith('\r') ? '\r' : ''}\n`);
  }
}

function sameSettings(remembered: PopulateSettings | undefined, settings: PopulateSettings): boolean {
  return JSON.stringify(remembered ?? null) === JSON.stringify(settings);
}

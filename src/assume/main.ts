// `keyfob assume` (the backend of the shell shim), `keyfob exec` and `keyfob shell-init`.
// Lean like credential-process (bundled as dist/assume.cjs, no yargs, no AWS SDK): a warm
// assume is one socket round trip to the daemon, which answers from memory. The rare paths (the
// picker, the sign-in, the console) are import()s that scripts/bundle.js leaves out of the bundle.
import { closeSync, writeSync } from 'node:fs';
import { KeyfobError, oneLine } from '../core/errors.js';
import { visible } from '../core/terminalText.js';
import { ROUTES, type AssumeAnswer, type ContainerToken, type ProfileSummary } from '../daemon/protocol.js';
import { daemonRequest, parseAnswer } from '../daemon/client/connection.js';
import { withMfa } from '../daemon/client/mfaRetry.js';
import { configFile } from '../core/paths.js';
import { commandHelp } from '../core/optionTable.js';
import { envScript } from '../render/quote.js';
import { ASSUME, EXEC, EXEC_SYNOPSIS, parseAssumeArgs, type AssumeArgs } from './options.js';
import {
  applyEnvironment,
  assumedNote,
  assumeEnvironment,
  autoRefreshEnvironment,
  EXPORTED_LIST,
  previousContainerToken,
  unsetEnvironment,
  type EnvChange,
} from '../render/environment.js';
import { runWithEnvironment } from './runCommand.js';

/** One GET to the daemon, its answer parsed. */
async function ask<T>(path: string): Promise<T> {
  return parseAnswer<T>(await daemonRequest('GET', path));
}

async function listProfiles(): Promise<ProfileSummary[]> {
  return (await ask<{ profiles: ProfileSummary[] }>(ROUTES.profiles)).profiles;
}

/** The profile named, or the one picked on the terminal; undefined when the user aborts. */
async function chooseProfile(args: AssumeArgs): Promise<string | undefined> {
  if (args.profile !== undefined) return args.profile;
  const { pickProfile } = await import('./picker.js');
  const profiles = await listProfiles();
  if (profiles.length === 0) throw new KeyfobError('NoProfiles', 'no IAM Identity Center profiles in the config; run: keyfob populate');
  return pickProfile(profiles, { prompt: 'assume> ' });
}

function writeScript(args: AssumeArgs, change: EnvChange): void {
  const script = envScript(args.shell, change.set, change.unset);
  if (args.evalFd === undefined) {
    process.stdout.write(script);
    return;
  }
  writeSync(args.evalFd, script);
  closeSync(args.evalFd);
}

async function assume(args: AssumeArgs): Promise<void> {
  if (args.help) return void process.stdout.write(commandHelp(ASSUME));
  if (args.listProfiles) {
    for (const p of await listProfiles()) process.stdout.write(`${visible(p.name)}\n`);
    return;
  }
  if (args.unset) {
    await revokePreviousToken();
    return writeScript(args, unsetEnvironment(process.env));
  }
  if (args.console) return openConsole(args);

  const name = await chooseProfile(args);
  if (name === undefined) throw new KeyfobError('Cancelled', 'no profile picked, nothing changed; name one: assume PROFILE');
  if (args.autoRefresh) return assumeAutoRefresh(name, args);
  const duration = args.durationSeconds === undefined ? '' : `&duration=${args.durationSeconds}`;
  const answer = await withSignIn(args, () =>
    withMfa(name, () => ask<AssumeAnswer>(`${ROUTES.assume}?profile=${encodeURIComponent(name)}${duration}`), args.durationSeconds),
  );
  const change = assumeEnvironment(answer, args.region, process.env);
  if (args.exec) return runWithEnvironment(args.exec, applyEnvironment(process.env, change));
  await revokePreviousToken();
  writeScript(args, change);
  process.stderr.write(`${assumedNote(answer, args.region)}\n`);
}

/** `--auto-refresh`: a token for the daemon's loopback endpoint instead of keys. */
async function assumeAutoRefresh(name: string, args: AssumeArgs): Promise<void> {
  if (args.durationSeconds !== undefined) {
    throw new KeyfobError('Usage', '--duration does not go with --auto-refresh (the endpoint renews the credentials before they expire); drop one of them');
  }
  const grant = await withSignIn(args, () =>
    withMfa(name, async () => parseAnswer<ContainerToken>(await daemonRequest('POST', ROUTES.containerTokens, { profile: name }))),
  );
  const change = autoRefreshEnvironment(grant, args.region, process.env);
  if (args.exec) {
    // The token lives as long as the command: revoked as soon as it ends.
    return runWithEnvironment(args.exec, applyEnvironment(process.env, change), () => revoke(grant.token));
  }
  await revokePreviousToken();
  writeScript(args, change);
  const userProfile = process.env.AWS_PROFILE && !(process.env[EXPORTED_LIST] ?? '').split(',').includes('AWS_PROFILE');
  if (userProfile) {
    process.stderr.write(`keyfob: AWS_PROFILE=${visible(process.env.AWS_PROFILE ?? '')} is set, and SDKs prefer a profile to the auto-refresh endpoint; run: unset AWS_PROFILE\n`);
  }
  process.stderr.write(`${visible(`keyfob: ${grant.profile.name} (${grant.profile.accountId}, ${grant.profile.roleName}) now refreshes itself through ${grant.uri}`)}\n`);
}

/** A terminal on stdin and stderr: someone is there to sign in. */
function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Ask the daemon; when the sign-in has ended and someone is at the terminal, sign in (browser or
 * device code, as `keyfob login` chooses) and ask once more, as granted does. --no-login, or no
 * terminal, fails fast with the daemon's line, which names the login command.
 */
async function withSignIn<T>(args: AssumeArgs, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (!(err instanceof KeyfobError) || !args.login || !interactive()) throw err;
    const { ssoSession, startUrl, ssoRegion } = err as KeyfobError & { ssoSession?: unknown; startUrl?: unknown; ssoRegion?: unknown };
    if (err.code === 'NotSignedIn' && typeof ssoSession === 'string') await signIn(err, { name: ssoSession });
    else if (err.code === 'NoSessionForPortal' && typeof startUrl === 'string' && typeof ssoRegion === 'string') await signIn(err, { startUrl, region: ssoRegion });
    else throw err;
    return request();
  }
}

/**
 * What `keyfob login` does, from the caller's config: a session it names, or (for a profile that
 * names its portal itself) the portal, whose [sso-session] is written once the sign-in worked.
 * Off the warm path.
 */
async function signIn(cause: KeyfobError, which: { name: string } | { startUrl: string; region: string }): Promise<void> {
  const { planLogin, saveLoginSession } = await import('../config/ssoSessions.js');
  const { loginThroughDaemon } = await import('../daemon/client/login.js');
  const plan = await planLogin(which, configFile()).catch(() => {
    throw cause; // not a session this config defines: the daemon's own line says what to do
  });
  // The daemon's reason ("the sign-in has ended for sso-session X"), without its "run: keyfob login": done here.
  process.stderr.write(`${visible(`keyfob: ${cause.message.replace(/; run: .*$/, '')}; signing in (--no-login fails instead)`)}\n`);
  await loginThroughDaemon({ session: plan.session });
  await saveLoginSession(plan, configFile());
  process.stderr.write(`${visible(`keyfob: signed in to ${plan.session.name}`)}\n`);
}

async function revoke(token: string): Promise<void> {
  await daemonRequest('POST', ROUTES.revokeContainerToken, { token }).catch(() => undefined); // a daemon that is gone forgot it anyway
}

/** A new assume, or --unset, ends the auto-refresh token the last assume exported. */
async function revokePreviousToken(): Promise<void> {
  const token = previousContainerToken(process.env);
  if (token) await revoke(token);
}

/** The console needs the config reader and the browser opener: loaded from dist only now, off the warm path. */
async function openConsole(args: AssumeArgs): Promise<void> {
  const name = await chooseProfile(args);
  if (name === undefined) throw new KeyfobError('Cancelled', 'no profile picked; nothing opened');
  const { openProfileConsole } = await import('../console/profileConsole.js');
  const duration = args.durationSeconds === undefined ? undefined : String(args.durationSeconds);
  await openProfileConsole({ profile: name, service: args.service, region: args.region, duration, url: args.url });
}

function fail(err: unknown): void {
  process.stderr.write(`keyfob: ${oneLine(err)}\n`);
  process.exitCode = 1;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await assume(parseAssumeArgs(ASSUME, argv));
  } catch (err) {
    fail(err);
  }
}

/** `keyfob exec PROFILE [-r REGION] -- cmd args`: assume's --exec outside the shim. */
export async function execMain(argv: string[]): Promise<void> {
  try {
    const args = parseAssumeArgs(EXEC, argv);
    if (args.help) return void process.stdout.write(commandHelp(EXEC));
    if (!args.profile) throw new KeyfobError('Usage', `usage: ${EXEC_SYNOPSIS}`);
    if (!args.exec) {
      // No command: a shell with the credentials, as aws-vault does.
      const shell = process.env.SHELL || '/bin/sh';
      process.stderr.write(`${visible(`keyfob: starting ${shell} with the credentials of ${args.profile}; exit it to drop them`)}\n`);
      args.exec = { argv: [shell] };
    }
    await assume(args);
  } catch (err) {
    fail(err);
  }
}

// `keyfob credential-process --profile NAME`: the hot path the AWS CLI and SDKs run.
// One socket round trip to the daemon, which answers from memory; see
// src/daemon/server/credentialService.ts for where the answer comes from.
import { oneLine } from '../../core/errors.js';
import { commandHelp, parseCommandLine, UsageError } from '../../core/optionTable.js';
import { CREDENTIAL_PROCESS } from './credentialProcessTable.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer } from './connection.js';
import { withMfa } from './mfaRetry.js';

function parseArgs(argv: string[]): { profile?: string; login: boolean; help: boolean } {
  const { values, positionals, rest, help } = parseCommandLine(CREDENTIAL_PROCESS, argv);
  const extra = [...positionals, ...(rest ?? [])][0];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, CREDENTIAL_PROCESS.hint);
  if (!help && !values.profile) throw new UsageError('credential-process needs a profile', CREDENTIAL_PROCESS.hint);
  return { profile: values.profile, login: values.login ?? false, help };
}

async function fetchCredentials(profile: string): Promise<string> {
  const res = await daemonRequest('GET', `${ROUTES.credentials}?profile=${encodeURIComponent(profile)}`);
  if (res.status === 200) return res.body;
  return parseAnswer<never>(res);
}

export async function main(argv: string[]): Promise<void> {
  try {
    const args = parseArgs(argv);
    if (args.help) return void process.stdout.write(commandHelp(CREDENTIAL_PROCESS));
    // An MFA code is asked on the terminal (/dev/tty), never on stdout, which is the JSON.
    const fetch = () => withMfa(args.profile!, () => fetchCredentials(args.profile!));
    let body: string;
    try {
      body = await fetch();
    } catch (err) {
      // Only with --login does credential_process wait for a human.
      const session = (err as { ssoSession?: string }).ssoSession;
      if (!args.login || !session) throw err;
      const { loginThroughDaemon } = await import('./login.js');
      const { configuredSession } = await import('../../config/ssoSessions.js');
      await loginThroughDaemon({ session: await configuredSession(session) });
      body = await fetch();
    }
    // Exit as soon as stdout has the answer: nothing else is left to wait for.
    process.stdout.write(body.endsWith('\n') ? body : `${body}\n`, (err) => process.exit(err ? 1 : 0));
  } catch (err) {
    process.stderr.write(`keyfob: ${oneLine(err)}\n`);
    process.exitCode = 1;
  }
}

// `keyfob credential-process --profile NAME`: the hot path the AWS CLI and SDKs run.
// One socket round trip to the daemon, which answers from memory; see
// src/daemon/server/credentialService.ts for where the answer comes from.
import { KeyfobError, oneLine } from '../../core/errors.js';
import { importFromDist } from '../../core/paths.js';
import { parseLeanArgs } from '../../core/leanArgs.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer } from './connection.js';
import { withMfa } from './mfaRetry.js';

const USAGE = 'keyfob credential-process --profile NAME [--login]';
const HELP = `usage: ${USAGE}
Prints credential_process JSON for a profile of AWS_CONFIG_FILE; the AWS CLI and SDKs run it.
  --profile NAME  the profile to answer for
  --login         if not signed in, open the browser and wait instead of failing
`;

/** Also what `keyfob completion` offers after `keyfob credential-process`. */
export const OPTIONS = { profile: { type: 'string' }, login: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

function parseArgs(argv: string[]): { profile?: string; login: boolean; help: boolean } {
  // The shape populate writes, read without util.parseArgs (loading it costs about 1 ms).
  if (argv.length === 2 && argv[0] === '--profile' && argv[1] && !argv[1].startsWith('-')) return { profile: argv[1], login: false, help: false };
  const { values } = parseLeanArgs({ args: argv, options: OPTIONS, strict: true }, USAGE);
  if (!values.help && !values.profile) throw new KeyfobError('Usage', `credential-process needs a profile; usage: ${USAGE}`);
  return { profile: values.profile, login: values.login ?? false, help: values.help ?? false };
}

async function fetchCredentials(profile: string): Promise<string> {
  const res = await daemonRequest('GET', `${ROUTES.credentials}?profile=${encodeURIComponent(profile)}`);
  if (res.status === 200) return res.body;
  return parseAnswer<never>(res);
}

export async function main(argv: string[]): Promise<void> {
  try {
    const args = parseArgs(argv);
    if (args.help) return void process.stdout.write(HELP);
    // An MFA code is asked on the terminal (/dev/tty), never on stdout, which is the JSON.
    const fetch = () => withMfa(args.profile!, () => fetchCredentials(args.profile!));
    let body: string;
    try {
      body = await fetch();
    } catch (err) {
      // Only with --login does credential_process wait for a human.
      const session = (err as { ssoSession?: string }).ssoSession;
      if (!args.login || !session) throw err;
      const { loginThroughDaemon } = await importFromDist<typeof import('./login.js')>('daemon/client/login.js');
      const { configuredSession } = await importFromDist<typeof import('../../config/ssoSessions.js')>('config/ssoSessions.js');
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

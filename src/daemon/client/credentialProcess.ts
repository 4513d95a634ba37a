// `keyfob credential-process --profile NAME`: the hot path the AWS CLI and SDKs run.
// One socket round trip to the daemon, which answers from memory; see
// src/daemon/server/credentialService.ts for where the answer comes from.
import { KeyfobError, oneLine } from '../../errors.js';
import { importFromDist } from '../../paths.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer } from './connection.js';

interface Args {
  profile?: string;
  login: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { login: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--profile') args.profile = argv[++i];
    else if (arg.startsWith('--profile=')) args.profile = arg.slice('--profile='.length);
    else if (arg === '--login') args.login = true;
    else throw new KeyfobError('Usage', `unknown argument "${arg}"; usage: keyfob credential-process --profile NAME [--login]`);
  }
  if (!args.profile) throw new KeyfobError('Usage', 'credential-process needs a profile; usage: keyfob credential-process --profile NAME [--login]');
  return args;
}

async function fetchCredentials(profile: string): Promise<string> {
  const res = await daemonRequest('GET', `${ROUTES.credentials}?profile=${encodeURIComponent(profile)}`);
  if (res.status === 200) return res.body;
  return parseAnswer<never>(res);
}

export async function main(argv: string[]): Promise<void> {
  try {
    const args = parseArgs(argv);
    let body: string;
    try {
      body = await fetchCredentials(args.profile!);
    } catch (err) {
      // Only with --login does credential_process wait for a human.
      const session = (err as { ssoSession?: string }).ssoSession;
      if (!args.login || !session) throw err;
      const { loginThroughDaemon } = await importFromDist<typeof import('./login.js')>('daemon/client/login.js');
      const { configuredSession } = await importFromDist<typeof import('../../config/ssoSessions.js')>('config/ssoSessions.js');
      await loginThroughDaemon({ session: await configuredSession(session) });
      body = await fetchCredentials(args.profile!);
    }
    process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
  } catch (err) {
    process.stderr.write(`keyfob: ${oneLine(err)}\n`);
    process.exitCode = 1;
  }
}

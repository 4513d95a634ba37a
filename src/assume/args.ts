// Arguments of `keyfob assume` (what the shell shim passes through) and `keyfob exec`.
// Parsed by hand: this is the hot path, where yargs alone would cost ~45 ms.
import { isAwsRegion } from '../config/region.js';
import { KeyfobError } from '../core/errors.js';
import { parseDurationSeconds } from '../core/duration.js';
import { SHELLS, type Shell } from '../render/quote.js';

export interface AssumeArgs {
  profile?: string;
  shell: Shell;
  /** The shim's file descriptor for the script to eval; stdout when absent. */
  evalFd?: number;
  region?: string;
  /** -d/--duration in seconds: how long the credentials (or the console session) should last. */
  durationSeconds?: number;
  /** Sign in when the session has ended (interactive use only); --no-login turns it off. */
  login: boolean;
  console: boolean;
  service?: string;
  url: boolean;
  unset: boolean;
  listProfiles: boolean;
  help: boolean;
  /** Export the daemon's auto-refresh endpoint instead of static keys (default: KEYFOB_AUTO_REFRESH=on). */
  autoRefresh: boolean;
  /** `--exec 'cmd args'` (run by /bin/sh) or `-- cmd args` (run as is). */
  exec?: { shellCommand: string } | { argv: string[] };
}

export const ASSUME_USAGE = `usage: assume [PROFILE] [-r REGION] [-d DURATION]      export credentials into this shell (no PROFILE: pick one)
                                                        -r: AWS_REGION and AWS_DEFAULT_REGION; -d: e.g. 1h, 45m, 3600 (roles keyfob assumes itself)
                                                        signs in first when the session has ended (on a terminal; --no-login: fail instead)
       assume --auto-refresh PROFILE                    export an endpoint that keeps them fresh instead (--no-auto-refresh: static keys)
       assume PROFILE --exec 'cmd args' | -- cmd args   run a command with them, leaving the shell alone
       assume -c|--console PROFILE [-s SERVICE] [-r REGION] [--url]   open (or print) the AWS console
       assume --unset                                   clear what assume set
`;

class UsageError extends KeyfobError {
  constructor(message: string) {
    super('Usage', `${message}; see: assume --help`);
  }
}

const VALUE_OPTIONS: Record<string, keyof AssumeArgs> = {
  '--shell': 'shell',
  '--eval-fd': 'evalFd',
  '-r': 'region',
  '--region': 'region',
  '-d': 'durationSeconds',
  '--duration': 'durationSeconds',
  '-s': 'service',
  '--service': 'service',
  '--exec': 'exec',
  '-x': 'exec',
};

const FLAGS: Record<string, keyof AssumeArgs> = {
  '-c': 'console',
  '--console': 'console',
  '--url': 'url',
  '--unset': 'unset',
  '-u': 'unset',
  '--list-profiles': 'listProfiles',
  '--auto-refresh': 'autoRefresh',
  '-h': 'help',
  '--help': 'help',
};

/** The flags a user types (not the shim's --shell and --eval-fd), for `keyfob completion`. */
export const ASSUME_FLAGS = [...Object.keys(FLAGS), ...Object.keys(VALUE_OPTIONS), '--no-auto-refresh', '--no-login'].filter(
  (flag) => flag.startsWith('--') && flag !== '--shell' && flag !== '--eval-fd',
);

export function parseAssumeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AssumeArgs {
  const args: AssumeArgs = {
    shell: 'bash',
    console: false,
    url: false,
    unset: false,
    listProfiles: false,
    help: false,
    autoRefresh: env.KEYFOB_AUTO_REFRESH === 'on',
    login: true,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--') {
      const rest = argv.slice(i + 1);
      if (rest.length === 0) throw new UsageError('nothing to run after --');
      args.exec = { argv: rest };
      break;
    }
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--no-auto-refresh' || arg === '--no-login') {
      if (inline !== undefined) throw new UsageError(`${arg} takes no value`);
      if (arg === '--no-login') args.login = false;
      else args.autoRefresh = false;
      continue;
    }
    const flag = FLAGS[arg];
    if (flag) {
      if (inline !== undefined) throw new UsageError(`${arg} takes no value`);
      (args[flag] as boolean) = true;
      continue;
    }
    const option = VALUE_OPTIONS[arg];
    if (option) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      setOption(args, option, value, arg);
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    if (args.profile !== undefined) throw new UsageError(`one profile at a time (got "${args.profile}" and "${arg}"); to run a command, put it after --`);
    args.profile = argv[i];
  }
  return args;
}

function setOption(args: AssumeArgs, option: keyof AssumeArgs, value: string, flag: string): void {
  switch (option) {
    case 'shell':
      if (!(SHELLS as readonly string[]).includes(value)) throw new UsageError(`--shell must be one of ${SHELLS.join(', ')}`);
      args.shell = value as Shell;
      return;
    case 'evalFd':
      if (!/^[3-9]$/.test(value)) throw new UsageError('--eval-fd must be a file descriptor from 3 to 9');
      args.evalFd = Number(value);
      return;
    case 'exec':
      if (!value.trim()) throw new UsageError(`${flag} needs a command`);
      args.exec = { shellCommand: value };
      return;
    case 'region':
      if (!isAwsRegion(value)) throw new UsageError(`"${value}" is not an AWS region, e.g. -r eu-west-1`);
      args.region = value;
      return;
    case 'service':
      args.service = value;
      return;
    case 'durationSeconds': {
      const seconds = parseDurationSeconds(value);
      if (seconds <= 0) throw new UsageError(`${flag} must be longer than 0 s, e.g. ${flag} 1h`);
      args.durationSeconds = seconds;
      return;
    }
    default:
      throw new UsageError(`unknown option ${flag}`);
  }
}

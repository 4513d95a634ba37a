// The option tables of `keyfob assume` (what the shell shims pass through) and `keyfob exec`, and
// what their values become. Parsed without yargs (src/core/optionTable.ts): this is the hot path,
// where yargs alone would cost ~45 ms. The full CLI's --help and completion read the same tables.
import { isAwsRegion } from '../config/region.js';
import { parseDurationSeconds } from '../core/duration.js';
import { parseCommandLine, UsageError, type CommandTable, type OptionTable } from '../core/optionTable.js';
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

const HINT = 'see: assume --help';

/** What assume and exec share. */
const RUN_OPTIONS = {
  region: { type: 'string', alias: 'r', describe: 'sets AWS_REGION and AWS_DEFAULT_REGION' },
  duration: { type: 'string', alias: 'd', describe: 'how long the credentials last, e.g. 1h, 45m, 3600 (roles keyfob assumes itself)' },
  exec: { type: 'string', alias: 'x', value: "'CMD ARGS'", describe: 'run a command (by /bin/sh) with the credentials, leaving the shell alone; or: -- CMD ARGS' },
  'auto-refresh': {
    type: 'boolean',
    negatable: true,
    describe: "export the daemon's auto-refresh endpoint instead of keys (default: KEYFOB_AUTO_REFRESH=on)",
  },
  login: { type: 'boolean', default: true, describe: 'sign in when the sign-in has ended, on a terminal only (--no-login: fail instead)' },
} as const satisfies OptionTable;

export const ASSUME = {
  name: 'assume',
  describe: 'The backend of the `assume` shell function (see: keyfob shell-init)',
  positionals: [{ name: 'profile', describe: 'profile in AWS_CONFIG_FILE (none: pick one)' }],
  hint: HINT,
  usage: `usage: assume [PROFILE] [-r REGION] [-d DURATION]      export credentials into this shell (no PROFILE: pick one)
                                                        signs in first when the session has ended (on a terminal; --no-login: fail instead)
       assume --auto-refresh PROFILE                    export an endpoint that keeps them fresh instead (--no-auto-refresh: static keys)
       assume PROFILE --exec 'cmd args' | -- cmd args   run a command with them, leaving the shell alone
       assume -c|--console PROFILE [-s SERVICE] [-r REGION] [--url]   open (or print) the AWS console
       assume --unset                                   clear what assume set
`,
  options: {
    ...RUN_OPTIONS,
    console: { type: 'boolean', alias: 'c', describe: 'open the AWS console as the role' },
    service: { type: 'string', alias: 's', describe: 'with --console: the console service to land on, e.g. s3, ec2, iam' },
    url: { type: 'boolean', describe: 'with --console: print the sign-in URL instead of opening it' },
    unset: { type: 'boolean', alias: 'u', describe: 'clear what assume set' },
    'list-profiles': { type: 'boolean', describe: 'print the profile names (what completion offers)' },
    shell: { type: 'string', choices: SHELLS, default: 'bash', hidden: true, describe: 'the shell to print the script for (the shim says)' },
    'eval-fd': { type: 'string', hidden: true, describe: 'the file descriptor the shim evaluates (3 to 9)' },
  },
} as const satisfies CommandTable;

export const EXEC_SYNOPSIS = 'keyfob exec PROFILE [-r REGION] [-d DURATION] [-- COMMAND [ARGS...]]';

export const EXEC = {
  name: 'exec',
  describe: "Run a command with a profile's credentials (keyfob exec PROFILE -- cmd args); with no command, open $SHELL with them",
  positionals: [
    { name: 'profile', describe: 'profile in AWS_CONFIG_FILE', required: true },
    { name: 'args', describe: 'the command and its arguments, after --', variadic: true },
  ],
  hint: HINT,
  usage: `usage: ${EXEC_SYNOPSIS}
       keyfob exec PROFILE [-r REGION] --exec 'COMMAND ARGS'   (run by /bin/sh)
Runs a command with a profile's credentials in its environment and passes its exit code through.
With no command it opens $SHELL (else /bin/sh) with them, as aws-vault does; exit it to drop them.
`,
  options: RUN_OPTIONS,
} as const satisfies CommandTable;

/** assume's or exec's argv, parsed by its table and checked. */
export function parseAssumeArgs(table: typeof ASSUME | typeof EXEC, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AssumeArgs {
  const { values: v, positionals, rest, help } = parseCommandLine<typeof ASSUME.options>(table as typeof ASSUME, argv);
  if (positionals.length > 1) {
    throw new UsageError(`one profile at a time (got "${positionals[0]}" and "${positionals[1]}"); to run a command, put it after --`, HINT);
  }
  const args: AssumeArgs = {
    profile: positionals[0],
    shell: (v.shell ?? 'bash') as Shell,
    console: v.console ?? false,
    url: v.url ?? false,
    unset: v.unset ?? false,
    listProfiles: v['list-profiles'] ?? false,
    help,
    autoRefresh: v['auto-refresh'] ?? env.KEYFOB_AUTO_REFRESH === 'on',
    login: v.login ?? true,
    service: v.service,
  };
  if (v['eval-fd'] !== undefined) {
    if (!/^[3-9]$/.test(v['eval-fd'])) throw new UsageError('--eval-fd must be a file descriptor from 3 to 9', HINT);
    args.evalFd = Number(v['eval-fd']);
  }
  if (v.region !== undefined) {
    if (!isAwsRegion(v.region)) throw new UsageError(`"${v.region}" is not an AWS region, e.g. -r eu-west-1`, HINT);
    args.region = v.region;
  }
  if (v.duration !== undefined) {
    const flag = flagAsTyped(argv, 'duration', 'd');
    const seconds = parseDurationSeconds(v.duration);
    if (seconds <= 0) throw new UsageError(`${flag} must be longer than 0 s, e.g. ${flag} 1h`, HINT);
    args.durationSeconds = seconds;
  }
  if (v.exec !== undefined) {
    if (!v.exec.trim()) throw new UsageError(`${flagAsTyped(argv, 'exec', 'x')} needs a command`, HINT);
    args.exec = { shellCommand: v.exec };
  }
  if (rest !== undefined) {
    if (rest.length === 0) throw new UsageError('nothing to run after --', HINT);
    args.exec = { argv: rest };
  }
  return args;
}

/** How the user wrote an option (the last time, before any --), for a message: -d or --duration. */
function flagAsTyped(argv: readonly string[], name: string, short: string): string {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  for (let i = words.length - 1; i >= 0; i--) {
    if (words[i] === `-${short}` || words[i]!.startsWith(`-${short}`) && !words[i]!.startsWith('--')) return `-${short}`;
    if (words[i] === `--${name}` || words[i]!.startsWith(`--${name}=`)) return `--${name}`;
  }
  return `--${name}`;
}

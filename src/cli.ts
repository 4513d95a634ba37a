// The full CLI (yargs). Each command lives in its own thin file under src/commands/, built from its
// option table (src/commands/define.ts).
import yargs from 'yargs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLine } from './core/errors.js';
import { visible } from './core/terminalText.js';
import { installRoot } from './core/paths.js';
import type { KeyfobCommand } from './commands/define.js';

import add from './commands/add.js';
import assume from './commands/assume.js';
import browser from './commands/browser.js';
import completionCommand from './commands/completion.js';
import consoleCommand from './commands/console.js';
import credentialProcess from './commands/credential-process.js';
import daemon from './commands/daemon.js';
import demo from './commands/demo.js';
import doctor from './commands/doctor.js';
import emulator from './commands/emulator.js';
import exec from './commands/exec.js';
import list from './commands/list.js';
import login from './commands/login.js';
import mfaPrompt from './commands/mfa-prompt.js';
import logout from './commands/logout.js';
import populate from './commands/populate.js';
import portal from './commands/portal.js';
import remove from './commands/remove.js';
import shellInit from './commands/shell-init.js';
import status from './commands/status.js';

/** Every command, each carrying its option table (completion and test/cli/optionTables.test.ts read them). */
export const commands: KeyfobCommand[] = [
  login,
  logout,
  populate,
  add,
  remove,
  list,
  assume,
  exec,
  consoleCommand,
  portal,
  browser,
  shellInit,
  completionCommand(() => commands),
  status,
  mfaPrompt,
  doctor,
  credentialProcess,
  daemon,
  emulator,
  demo,
];

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<void> {
  // The AWS SDK warns on every start that its releases from 2027 need Node 22. That is for
  // whoever upgrades keyfob's dependencies (see the issue notes), not for someone signing in.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Past a file-size limit (ulimit -f) a write must fail with EFBIG, which the config writer turns
  // into one line and a clean-up, instead of SIGXFSZ killing keyfob mid-write with no word.
  process.on('SIGXFSZ', () => undefined);
  const cli = yargs(argv)
    .scriptName('keyfob')
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .help()
    .version(packageVersion())
    .fail((msg, err) => {
      process.stderr.write(`keyfob: ${err ? oneLine(err) : `${visible(msg)}; see: keyfob --help`}\n`);
      process.exit(1);
    });
  for (const command of commands) cli.command(command);
  await cli.parseAsync();
}

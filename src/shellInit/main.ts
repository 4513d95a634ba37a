// `keyfob shell-init SHELL`, on the lean path (dist/assume.cjs, see src/commands/lean.ts): prints the
// `assume` shim for the shell without loading yargs or the AWS SDK.
import { oneLine } from '../core/errors.js';
import { commandHelp, parseCommandLine, type CommandTable } from '../core/optionTable.js';
import { SHELLS } from '../render/quote.js';

const SHELL_INIT_SYNOPSIS = `keyfob shell-init ${SHELLS.join('|')}`;

export const SHELL_INIT = {
  name: 'shell-init',
  describe: 'Print the `assume` shell function: eval "$(keyfob shell-init bash)" (bash, zsh, fish, powershell)',
  positionals: [{ name: 'shell', describe: 'the shell to define assume in', required: true, choices: SHELLS }],
  hint: `usage: ${SHELL_INIT_SYNOPSIS}`,
  usage: `usage: ${SHELL_INIT_SYNOPSIS}
Prints the \`assume\` shell function; add to your rc file: eval "$(keyfob shell-init bash)"
(fish: keyfob shell-init fish | source; PowerShell: keyfob shell-init powershell | Out-String | Invoke-Expression)
`,
  options: {},
} as const satisfies CommandTable;

export async function shellInitMain(argv: string[]): Promise<void> {
  try {
    const { positionals, rest, help } = parseCommandLine(SHELL_INIT, argv);
    if (help) return void process.stdout.write(commandHelp(SHELL_INIT));
    const words = [...positionals, ...(rest ?? [])];
    const { shellInit } = await import('./init.js');
    process.stdout.write(shellInit(words.length === 1 ? words[0] : undefined));
  } catch (err) {
    process.stderr.write(`keyfob: ${oneLine(err)}\n`);
    process.exitCode = 1;
  }
}

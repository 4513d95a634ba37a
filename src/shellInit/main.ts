// `keyfob shell-init SHELL`, on the lean path (dist/assume.cjs, see src/commands/lean.ts): prints the
// `assume` shim for the shell without loading yargs or the AWS SDK.
import { oneLine } from '../core/errors.js';
import { parseLeanArgs } from '../core/leanArgs.js';
import { importFromDist } from '../core/paths.js';
import { SHELLS } from '../render/quote.js';

const SHELL_INIT_SYNOPSIS = `keyfob shell-init ${SHELLS.join('|')}`;
const SHELL_INIT_USAGE = `usage: ${SHELL_INIT_SYNOPSIS}
Prints the \`assume\` shell function; add to your rc file: eval "$(keyfob shell-init bash)"
(fish: keyfob shell-init fish | source; PowerShell: keyfob shell-init powershell | Out-String | Invoke-Expression)
`;

export async function shellInitMain(argv: string[]): Promise<void> {
  try {
    const { values, positionals } = parseLeanArgs(
      { args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true },
      SHELL_INIT_SYNOPSIS,
    );
    if (values.help) return void process.stdout.write(SHELL_INIT_USAGE);
    const { shellInit } = await importFromDist<typeof import('./init.js')>('shellInit/init.js');
    process.stdout.write(shellInit(positionals.length === 1 ? positionals[0] : undefined));
  } catch (err) {
    process.stderr.write(`keyfob: ${oneLine(err)}\n`);
    process.exitCode = 1;
  }
}

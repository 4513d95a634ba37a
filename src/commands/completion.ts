import type { CommandTable } from '../core/optionTable.js';
import { defineCommand, type KeyfobCommand } from './define.js';

const COMPLETION = {
  name: 'completion',
  describe: 'Print tab completion for keyfob (commands, flags and profile names): bash, zsh or fish',
  positionals: [{ name: 'shell', required: true, choices: ['bash', 'zsh', 'fish'], describe: 'the shell to complete in' }],
  options: {},
} as const satisfies CommandTable;

/** Completion describes the other commands from their tables, so cli.ts hands it their list (importing it here would be a cycle). */
export default function completionCommand(commands: () => readonly KeyfobCommand[]): KeyfobCommand {
  return defineCommand(COMPLETION, async (args) => {
    const { completionScript } = await import('../shellInit/completion.js');
    process.stdout.write(completionScript(args.shell, commands().map((command) => command.table)));
  });
}

import type { CommandModule } from 'yargs';

/** Completion describes the other commands, so cli.ts hands it their list (importing it here would be a cycle). */
export default function completionCommand(commands: () => readonly CommandModule<any, any>[]): CommandModule<object, { shell?: string }> {
  return {
    command: 'completion <shell>',
    describe: 'Print tab completion for keyfob (commands, flags and profile names): bash, zsh or fish',
    builder: (y) => y.positional('shell', { choices: ['bash', 'zsh', 'fish'], describe: 'the shell to complete in' }),
    handler: async (args) => {
      const { completionScript } = await import('../shellInit/completion.js');
      process.stdout.write(completionScript(args.shell ?? '', commands()));
    },
  };
}

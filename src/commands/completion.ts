import type { CommandModule } from 'yargs';

const command: CommandModule<object, { shell?: string }> = {
  command: 'completion <shell>',
  describe: 'Print tab completion for keyfob (commands and profile names): bash, zsh or fish',
  handler: async (args) => {
    const { completionScript } = await import('../shell/completion.js');
    process.stdout.write(completionScript(args.shell ?? ''));
  },
};
export default command;

import type { CommandModule } from 'yargs';

// bin/keyfob.cjs sends `keyfob shell-init …` straight to the lean backend (src/assume/main.ts).
const command: CommandModule<object, { shell?: string }> = {
  command: 'shell-init <shell>',
  describe: 'Print the `assume` shell function: eval "$(keyfob shell-init bash)" (bash, zsh, fish, powershell)',
  handler: async (args) => {
    const { shellInitMain } = await import('../assume/main.js');
    await shellInitMain([args.shell ?? '']);
  },
};
export default command;

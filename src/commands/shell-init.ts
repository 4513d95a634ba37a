import type { CommandModule } from 'yargs';
import { SHELLS } from '../render/quote.js';

// bin/keyfob.cjs sends `keyfob shell-init …` straight to the lean backend (src/shellInit/main.ts).
const command: CommandModule<object, { shell?: string }> = {
  command: 'shell-init <shell>',
  describe: 'Print the `assume` shell function: eval "$(keyfob shell-init bash)" (bash, zsh, fish, powershell)',
  builder: (y) => y.positional('shell', { choices: SHELLS, describe: 'the shell to define assume in' }),
  handler: async (args) => {
    const { shellInitMain } = await import('../shellInit/main.js');
    await shellInitMain([args.shell ?? '']);
  },
};
export default command;

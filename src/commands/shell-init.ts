import type { CommandModule } from 'yargs';
import { SHELLS } from '../shell/quote.js';

// bin/keyfob.cjs sends `keyfob shell-init …` straight to the lean backend (src/assume/main.ts).
const command: CommandModule<object, { shell?: string }> = {
  command: 'shell-init <shell>',
  describe: 'Print the `assume` shell function: eval "$(keyfob shell-init bash)" (bash, zsh, fish, powershell)',
  builder: (y) => y.positional('shell', { choices: SHELLS, describe: 'the shell to define assume in' }),
  handler: async (args) => {
    const { shellInitMain } = await import('../assume/main.js');
    await shellInitMain([args.shell ?? '']);
  },
};
export default command;

import type { CommandModule } from 'yargs';

// bin/keyfob.cjs sends `keyfob assume …` straight to the lean backend (src/assume/main.ts);
// this entry exists for `keyfob --help` and for running the CLI module directly.
const command: CommandModule = {
  command: 'assume [profile]',
  describe: 'The backend of the `assume` shell function (see: keyfob shell-init)',
  builder: (y) => y.strict(false).help(false),
  handler: async () => {
    const { main } = await import('../assume/main.js');
    await main(process.argv.slice(process.argv.indexOf('assume') + 1));
  },
};
export default command;

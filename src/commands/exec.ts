import type { CommandModule } from 'yargs';

// bin/keyfob.cjs sends `keyfob exec …` straight to the lean backend (src/assume/main.ts).
const command: CommandModule = {
  command: 'exec <profile> [args..]',
  describe: 'Run a command with a profile\'s credentials (keyfob exec PROFILE -- cmd args); with no command, open $SHELL with them',
  builder: (y) => y.strict(false).help(false),
  handler: async () => {
    const { execMain } = await import('../assume/main.js');
    await execMain(process.argv.slice(process.argv.indexOf('exec') + 1));
  },
};
export default command;

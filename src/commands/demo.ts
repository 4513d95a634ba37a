import type { CommandModule } from 'yargs';

const command: CommandModule<object, { interactive?: boolean }> = {
  command: 'demo',
  describe: 'Run the whole journey against the built-in emulator, in a throwaway HOME',
  builder: (y) => y.option('interactive', { type: 'boolean', describe: 'sign in yourself in the browser instead of auto-approving' }),
  handler: async (args) => {
    const { runDemo } = await import('../demo/index.js');
    await runDemo({ interactive: args.interactive });
  },
};
export default command;

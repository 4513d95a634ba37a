import type { CommandModule } from 'yargs';

const command: CommandModule = {
  command: 'demo',
  describe: 'Run the whole journey against the built-in emulator, in a throwaway HOME',
  handler: async () => {
    const { runDemo } = await import('../demo/index.js');
    await runDemo();
  },
};
export default command;

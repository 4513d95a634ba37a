import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const DEMO = {
  name: 'demo',
  describe: 'Run the whole journey against the built-in emulator, in a throwaway HOME',
  positionals: [],
  options: {
    interactive: { type: 'boolean', describe: 'sign in yourself in the browser instead of auto-approving' },
  },
} as const satisfies CommandTable;

export default defineCommand(DEMO, async (args) => {
  const { runDemo } = await import('../demo/index.js');
  await runDemo({ interactive: args.interactive });
});

import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const PORTAL = {
  name: 'portal',
  describe: 'Serve a local page of every account and role (search, open the console, copy credentials) until stopped',
  positionals: [],
  options: {
    browser: { type: 'boolean', default: true, describe: 'open the page in the browser (--no-browser prints its one-time link)' },
    json: { type: 'boolean', describe: 'print one line {"url": …} once it listens' },
  },
} as const satisfies CommandTable;

export default defineCommand(PORTAL, async (args) => {
  const { runPortal } = await import('../portal/index.js');
  await runPortal({ browser: args.browser ?? true, json: args.json ?? false });
});

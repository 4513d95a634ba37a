import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const LIST = {
  name: 'list',
  describe: 'List every profile with its kind (sso, chain, iam-user, process, static), its source and its cached expiry; never secrets',
  positionals: [],
  options: {
    json: { type: 'boolean', describe: 'machine-readable output' },
  },
} as const satisfies CommandTable;

export default defineCommand(LIST, async (args) => {
  const { listProfiles, formatListing } = await import('../daemon/client/profileList.js');
  const { visibleJson } = await import('../core/terminalText.js');
  const profiles = await listProfiles();
  process.stdout.write(args.json ? `${visibleJson({ profiles }, 2)}\n` : formatListing(profiles));
});

import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const REMOVE = {
  name: 'remove',
  describe: 'Delete the IAM user keys `keyfob add` stored for a profile from the keychain (the config is left as it is)',
  positionals: [{ name: 'profile', describe: 'the profile whose keys to delete', required: true }],
  options: {},
} as const satisfies CommandTable;

export default defineCommand(REMOVE, async (args) => {
  const { removeIamUser } = await import('../iamUsers/add.js');
  await removeIamUser(args.profile);
});

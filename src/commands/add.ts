import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const ADD = {
  name: 'add',
  describe: "Store an IAM user's access key pair in the keychain (read from the terminal, or stdin when piped) for a profile; the daemon hands out only short-lived sessions",
  positionals: [{ name: 'profile', describe: 'the profile that uses the keys', required: true }],
  options: {
    'mfa-serial': { type: 'string', describe: "the ARN of the user's MFA device: codes are then asked on the terminal, once per session" },
    force: { type: 'boolean', describe: 'replace keys already stored for the profile (the keychain holds the only copy)' },
  },
} as const satisfies CommandTable;

export default defineCommand(ADD, async (args) => {
  const { addIamUser } = await import('../iamUsers/add.js');
  await addIamUser(args.profile, args['mfa-serial'], { force: args.force });
});

import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const CONSOLE = {
  name: 'console',
  describe: "Open the AWS console as a profile's role (--url prints the sign-in URL instead)",
  positionals: [{ name: 'profile', describe: 'profile in AWS_CONFIG_FILE', required: true }],
  options: {
    service: { type: 'string', alias: 's', describe: 'console service to land on, e.g. s3, ec2, iam' },
    region: { type: 'string', alias: 'r', describe: "region (default: the profile's region)" },
    duration: { type: 'string', alias: 'd', describe: 'console session length, 15m to 12h (e.g. 3600, 90m, 12h)' },
    url: { type: 'boolean', describe: 'print the sign-in URL (a secret: anyone with it is signed in) instead of opening it' },
  },
} as const satisfies CommandTable;

export default defineCommand(CONSOLE, async (args) => {
  const { openProfileConsole } = await import('../console/profileConsole.js');
  await openProfileConsole(args);
});

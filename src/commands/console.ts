import type { CommandModule } from 'yargs';

interface ConsoleArgs {
  profile: string;
  service?: string;
  region?: string;
  duration?: string;
  url?: boolean;
}

const command: CommandModule<object, ConsoleArgs> = {
  command: 'console <profile>',
  describe: "Open the AWS console as a profile's role (--url prints the sign-in URL instead)",
  builder: (y) =>
    y
      .positional('profile', { type: 'string', demandOption: true, describe: 'profile in AWS_CONFIG_FILE' })
      .option('service', { alias: 's', type: 'string', describe: 'console service to land on, e.g. s3, ec2, iam' })
      .option('region', { alias: 'r', type: 'string', describe: "region (default: the profile's region)" })
      .option('duration', { alias: 'd', type: 'string', describe: 'console session length, 15m to 12h (e.g. 3600, 90m, 12h)' })
      .option('url', { type: 'boolean', describe: 'print the sign-in URL (a secret: anyone with it is signed in) instead of opening it' }),
  handler: async (args) => {
    const { openProfileConsole } = await import('../console/profileConsole.js');
    await openProfileConsole(args);
  },
};
export default command;

import type { CommandModule } from 'yargs';

interface AddArgs {
  profile: string;
  'mfa-serial'?: string;
  force?: boolean;
}

const command: CommandModule<object, AddArgs> = {
  command: 'add <profile>',
  describe: "Store an IAM user's access key pair in the keychain (read from the terminal, or stdin when piped) for a profile; the daemon hands out only short-lived sessions",
  builder: (y) =>
    y
      .positional('profile', { type: 'string', demandOption: true, describe: 'the profile that uses the keys' })
      .option('mfa-serial', { type: 'string', describe: "the ARN of the user's MFA device: codes are then asked on the terminal, once per session" })
      .option('force', { type: 'boolean', describe: 'replace keys already stored for the profile (the keychain holds the only copy)' }),
  handler: async (args) => {
    const { addIamUser } = await import('../iamUsers/add.js');
    await addIamUser(args.profile, args['mfa-serial'], { force: args.force });
  },
};
export default command;

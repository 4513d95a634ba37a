import type { CommandModule } from 'yargs';

const command: CommandModule<object, { profile: string }> = {
  command: 'remove <profile>',
  describe: "Delete the IAM user keys `keyfob add` stored for a profile from the keychain (the config is left as it is)",
  builder: (y) => y.positional('profile', { type: 'string', demandOption: true, describe: 'the profile whose keys to delete' }),
  handler: async (args) => {
    const { removeIamUser } = await import('../iamUsers/add.js');
    await removeIamUser(args.profile);
  },
};
export default command;

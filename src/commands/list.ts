import type { CommandModule } from 'yargs';

const command: CommandModule<object, { json?: boolean }> = {
  command: 'list',
  describe: 'List every profile with its kind (sso, chain, iam-user, process, static), its source and its cached expiry; never secrets',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (args) => {
    const { listProfiles, formatListing } = await import('../daemon/client/profileList.js');
    const { visibleJson } = await import('../core/terminalText.js');
    const profiles = await listProfiles();
    process.stdout.write(args.json ? `${visibleJson({ profiles }, 2)}\n` : formatListing(profiles));
  },
};
export default command;

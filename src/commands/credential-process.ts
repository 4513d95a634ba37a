import type { CommandModule } from 'yargs';

// bin/keyfob.cjs sends `credential-process` straight to the lean client without loading yargs;
// this entry only makes the command show up in --help and completion.
const command: CommandModule = {
  command: 'credential-process',
  describe: 'Print credential_process JSON for a profile (used by the AWS CLI and SDKs)',
  builder: (y) =>
    y
      .option('profile', { type: 'string', demandOption: true, describe: 'profile in AWS_CONFIG_FILE' })
      .option('login', { type: 'boolean', describe: 'if not signed in, open the browser and wait' }),
  handler: async () => {
    const { main } = await import('../daemon/client/credentialProcess.js');
    await main(process.argv.slice(3));
  },
};
export default command;

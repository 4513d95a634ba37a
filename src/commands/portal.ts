import type { CommandModule } from 'yargs';

interface PortalArgs {
  browser: boolean;
  json?: boolean;
}

const command: CommandModule<object, PortalArgs> = {
  command: 'portal',
  describe: 'Serve a local page of every account and role (search, open the console, copy credentials) until stopped',
  builder: (y) =>
    y
      .option('browser', { type: 'boolean', default: true, describe: 'open the page in the browser (--no-browser prints its one-time link)' })
      .option('json', { type: 'boolean', describe: 'print one line {"url": …} once it listens' }),
  handler: async (args) => {
    const { runPortal } = await import('../portal/index.js');
    await runPortal({ browser: args.browser, json: args.json ?? false });
  },
};
export default command;

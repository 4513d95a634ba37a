import type { CommandModule } from 'yargs';
import type { StatusReport } from '../daemon/client/status.js';

const command: CommandModule<object, { json?: boolean }> = {
  command: 'status',
  describe: 'Show sessions, cached role credentials (never secrets) and the daemon',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (args) => {
    const { fetchStatus, formatStatus } = await import('../daemon/client/status.js');
    const { visibleJson } = await import('../core/terminalText.js');
    const report: StatusReport | undefined = await fetchStatus();
    if (args.json) process.stdout.write(`${visibleJson(report ?? { daemon: null }, 2)}\n`);
    else process.stdout.write(formatStatus(report));
  },
};
export default command;

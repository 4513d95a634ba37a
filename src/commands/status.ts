import type { CommandTable } from '../core/optionTable.js';
import type { StatusReport } from '../daemon/client/status.js';
import { defineCommand } from './define.js';

const STATUS = {
  name: 'status',
  describe: 'Show sessions, cached role credentials (never secrets) and the daemon',
  positionals: [],
  options: {
    json: { type: 'boolean', describe: 'machine-readable output' },
  },
} as const satisfies CommandTable;

export default defineCommand(STATUS, async (args) => {
  const { fetchStatus, formatStatus } = await import('../daemon/client/status.js');
  const { visibleJson } = await import('../core/terminalText.js');
  const report: StatusReport | undefined = await fetchStatus();
  if (args.json) process.stdout.write(`${visibleJson(report ?? { daemon: null }, 2)}\n`);
  else process.stdout.write(formatStatus(report));
});

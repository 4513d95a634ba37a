import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const DOCTOR = {
  name: 'doctor',
  describe: 'Check the keychain, socket dir, daemon, shell shim, config, clock and AWS CLI; each problem with its fix',
  positionals: [],
  options: {
    json: { type: 'boolean', describe: 'machine-readable output: {checks, ok}' },
  },
} as const satisfies CommandTable;

export default defineCommand(DOCTOR, async (args) => {
  const { formatDoctor, runDoctor } = await import('../doctor/index.js');
  const report = await runDoctor();
  const { visibleJson } = await import('../core/terminalText.js');
  const text = args.json ? `${visibleJson(report, 2)}\n` : formatDoctor(report);
  // Exit once written: a check abandoned at its time limit (a silent socket) must not keep doctor alive.
  process.stdout.write(text, () => process.exit(report.ok ? 0 : 1));
});

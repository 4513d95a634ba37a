import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const DAEMON = {
  name: 'daemon',
  describe: 'Manage the per-user daemon (clients start it on demand)',
  positionals: [
    {
      name: 'action',
      required: true,
      choices: ['start', 'stop', 'status', 'run', 'socket', 'install-agent'],
      describe: 'run stays in the foreground (systemd, launchd); socket prints its path; install-agent writes a LaunchAgent or systemd user unit',
    },
  ],
  options: {
    'idle-timeout': { type: 'number', describe: 'with run: exit after this many idle seconds' },
    restricted: { type: 'boolean', describe: 'with socket: the restricted socket, the one to forward (ssh -R)' },
    print: { type: 'boolean', describe: 'with install-agent: print the file instead of writing it' },
  },
} as const satisfies CommandTable;

type Action = (typeof DAEMON)['positionals'][0]['choices'][number];

export default defineCommand(DAEMON, async (args) => {
  const action = args.action as Action;
  if (action === 'install-agent') {
    const { installAgent } = await import('../daemon/client/agent.js');
    process.stdout.write(installAgent({ print: args.print }));
    return;
  }
  const { daemonControl } = await import('../daemon/client/control.js');
  await daemonControl(action, { idleTimeoutSeconds: args['idle-timeout'], restricted: args.restricted });
});

import type { Argv, CommandModule } from 'yargs';

interface DaemonArgs {
  action: 'start' | 'stop' | 'status' | 'run' | 'socket';
  'idle-timeout'?: number;
  restricted?: boolean;
}

const command: CommandModule<object, DaemonArgs> = {
  command: 'daemon <action>',
  describe: 'Manage the per-user daemon (clients start it on demand)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['start', 'stop', 'status', 'run', 'socket'] as const, describe: 'run stays in the foreground (systemd, launchd); socket prints its path' })
      .option('idle-timeout', { type: 'number', describe: 'with run: exit after this many idle seconds' })
      .option('restricted', { type: 'boolean', describe: 'with socket: the restricted socket, the one to forward (ssh -R)' }) as Argv<DaemonArgs>,
  handler: async (args) => {
    const { daemonControl } = await import('../daemon/client/control.js');
    await daemonControl(args.action, { idleTimeoutSeconds: args['idle-timeout'], restricted: args.restricted });
  },
};
export default command;

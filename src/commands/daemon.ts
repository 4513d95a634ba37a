import type { Argv, CommandModule } from 'yargs';

interface DaemonArgs {
  action: 'start' | 'stop' | 'status' | 'run';
  'idle-timeout'?: number;
}

const command: CommandModule<object, DaemonArgs> = {
  command: 'daemon <action>',
  describe: 'Manage the per-user daemon (clients start it on demand)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['start', 'stop', 'status', 'run'] as const, describe: 'run stays in the foreground (systemd, launchd)' })
      .option('idle-timeout', { type: 'number', describe: 'with run: exit after this many idle seconds' }) as Argv<DaemonArgs>,
  handler: async (args) => {
    const { daemonControl } = await import('../daemon/client/control.js');
    await daemonControl(args.action, { idleTimeoutSeconds: args['idle-timeout'] });
  },
};
export default command;

import type { Argv, CommandModule } from 'yargs';

interface DaemonArgs {
  action: 'start' | 'stop' | 'status' | 'run' | 'socket' | 'install-agent';
  'idle-timeout'?: number;
  restricted?: boolean;
  print?: boolean;
}

const command: CommandModule<object, DaemonArgs> = {
  command: 'daemon <action>',
  describe: 'Manage the per-user daemon (clients start it on demand)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['start', 'stop', 'status', 'run', 'socket', 'install-agent'] as const, describe: 'run stays in the foreground (systemd, launchd); socket prints its path; install-agent writes a LaunchAgent or systemd user unit' })
      .option('idle-timeout', { type: 'number', describe: 'with run: exit after this many idle seconds' })
      .option('restricted', { type: 'boolean', describe: 'with socket: the restricted socket, the one to forward (ssh -R)' })
      .option('print', { type: 'boolean', describe: 'with install-agent: print the file instead of writing it' }) as Argv<DaemonArgs>,
  handler: async (args) => {
    if (args.action === 'install-agent') {
      const { installAgent } = await import('../daemon/client/agent.js');
      process.stdout.write(installAgent({ print: args.print }));
      return;
    }
    const { daemonControl } = await import('../daemon/client/control.js');
    await daemonControl(args.action, { idleTimeoutSeconds: args['idle-timeout'], restricted: args.restricted });
  },
};
export default command;

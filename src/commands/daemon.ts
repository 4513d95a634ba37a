import type { Argv, CommandModule } from 'yargs';

interface DaemonArgs {
  action: 'start' | 'stop' | 'status' | 'run' | 'install-agent';
  'idle-timeout'?: number;
  print?: boolean;
}

const command: CommandModule<object, DaemonArgs> = {
  command: 'daemon <action>',
  describe: 'Manage the per-user daemon (clients start it on demand)',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['start', 'stop', 'status', 'run', 'install-agent'] as const, describe: 'run stays in the foreground (systemd, launchd); install-agent writes a LaunchAgent or systemd user unit' })
      .option('idle-timeout', { type: 'number', describe: 'with run: exit after this many idle seconds' })
      .option('print', { type: 'boolean', describe: 'with install-agent: print the file instead of writing it' }) as Argv<DaemonArgs>,
  handler: async (args) => {
    if (args.action === 'install-agent') {
      const { installAgent } = await import('../daemon/agent.js');
      process.stdout.write(installAgent({ print: args.print }));
      return;
    }
    const { daemonControl } = await import('../daemon/client/control.js');
    await daemonControl(args.action, { idleTimeoutSeconds: args['idle-timeout'] });
  },
};
export default command;

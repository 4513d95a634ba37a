// Run a command with credentials in its environment (`assume --exec`, `keyfob exec`), and end
// the way it ended: its exit code, or the signal that killed it. A command that cannot start ends
// as a shell's would: 127 when it is not found, 126 when it is found but cannot be run.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { visible } from '../core/terminalText.js';

export type CommandSpec = { shellCommand: string } | { argv: string[] };

/** Signals a terminal sends to the whole foreground group (the child gets them itself), and ones we pass on. */
const FROM_TERMINAL: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTSTP'];
const PASSED_ON: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];

/** `afterwards` runs once the command has ended, before this process ends the same way. */
export function runWithEnvironment(command: CommandSpec, env: NodeJS.ProcessEnv, afterwards?: () => Promise<void>): Promise<never> {
  const [file, args] = 'shellCommand' in command ? ['/bin/sh', ['-c', command.shellCommand]] : [command.argv[0], command.argv.slice(1)];
  return new Promise<never>(() => {
    const child = spawn(file, args, { env, stdio: 'inherit' });
    const ignore = () => undefined;
    const passOn = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FROM_TERMINAL) process.on(signal, ignore);
    for (const signal of PASSED_ON) process.on(signal, passOn);
    child.on('error', async (err: NodeJS.ErrnoException) => {
      await afterwards?.().catch(() => undefined);
      const notFound = err.code === 'ENOENT';
      const reason = notFound ? `command not found: ${file}` : `could not run ${file}: ${err.code === 'EACCES' ? 'permission denied' : err.message}`;
      process.stderr.write(`${visible(`keyfob: ${reason}`)}\n`);
      process.exit(notFound ? 127 : 126);
    });
    child.on('exit', async (code, signal) => {
      await afterwards?.().catch(() => undefined);
      for (const s of FROM_TERMINAL) process.off(s, ignore);
      for (const s of PASSED_ON) process.off(s, passOn);
      if (signal) {
        // Die of the same signal, so our parent sees what the command's parent would have seen.
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1000).unref();
        return;
      }
      process.exit(code ?? 1);
    });
  });
}

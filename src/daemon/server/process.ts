// The daemon as a process: start, stop on SIGTERM/SIGINT, exit when closed.
import { startDaemon } from './index.js';

export interface DaemonProcessOptions {
  idleTimeoutSeconds?: number;
  /** Started on demand by a client: its stderr is a pipe the client closes once the socket answers. */
  background?: boolean;
}

export async function runDaemonProcess(opts: DaemonProcessOptions = {}): Promise<never> {
  if (opts.background) process.stderr.on('error', () => undefined);
  const daemon = await startDaemon({ idleTimeoutMs: (opts.idleTimeoutSeconds ?? 0) * 1000 });
  const stop = () => void daemon.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (!opts.background) process.stderr.write(`keyfob daemon listening on ${daemon.socket.path} (pid ${daemon.pid})\n`);
  await daemon.closed;
  process.exit(0);
}

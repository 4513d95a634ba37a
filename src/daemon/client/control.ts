// `keyfob daemon start|stop|status|run`.
import { KeyfobError } from '../../errors.js';
import { socketLocation } from '../../paths.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer, startDaemonInBackground } from './connection.js';
import { fetchStatus } from './status.js';

export interface ControlOptions {
  idleTimeoutSeconds?: number;
  /** Started on demand by a client: log to the file only. */
  background?: boolean;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export async function daemonControl(action: 'start' | 'stop' | 'status' | 'run', opts: ControlOptions = {}): Promise<void> {
  const socket = socketLocation().path;
  if (action === 'run') {
    const { startDaemon } = await import('../server/index.js');
    const daemon = await startDaemon({ idleTimeoutMs: (opts.idleTimeoutSeconds ?? 0) * 1000 });
    const stop = () => void daemon.close();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Started on demand, stderr is a pipe its starter closes once the socket answers.
    if (opts.background) process.stderr.on('error', () => undefined);
    else process.stderr.write(`keyfob daemon listening on ${daemon.socket.path} (pid ${daemon.pid})\n`);
    await daemon.closed;
    process.exit(0);
  }
  const status = await fetchStatus();
  if (action === 'status') {
    if (!status) {
      say(`not running (socket ${socket})`);
      process.exitCode = 1;
    } else say(`running, pid ${status.daemon.pid}, socket ${status.daemon.socket}, up ${status.daemon.uptimeSeconds}s`);
    return;
  }
  if (action === 'start') {
    if (status) return say(`already running, pid ${status.daemon.pid}`);
    await startDaemonInBackground();
    const started = await fetchStatus();
    if (!started) throw new KeyfobError('DaemonUnavailable', 'the daemon started but does not answer; see KEYFOB_HOME/daemon.log');
    return say(`started, pid ${started.daemon.pid}, socket ${started.daemon.socket}`);
  }
  if (!status) return say('not running');
  parseAnswer(await daemonRequest('POST', ROUTES.shutdown, undefined, { noStart: true }));
  say(`stopped pid ${status.daemon.pid}`);
}

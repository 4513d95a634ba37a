// `keyfob daemon start|stop|status|run`.
import { KeyfobError } from '../../errors.js';
import { socketLocation } from '../../paths.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer, startDaemonInBackground } from './connection.js';
import { fetchStatus } from './status.js';

export interface ControlOptions {
  idleTimeoutSeconds?: number;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export async function daemonControl(action: 'start' | 'stop' | 'status' | 'run', opts: ControlOptions = {}): Promise<void> {
  const socket = socketLocation().path;
  if (action === 'run') {
    const { runDaemonProcess } = await import('../server/process.js');
    return runDaemonProcess(opts);
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

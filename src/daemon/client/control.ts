// `keyfob daemon start|stop|status|run|socket`.
import { KeyfobError } from '../../core/errors.js';
import { restrictedSocketPath, socketLocation } from '../../core/paths.js';
import { visible } from '../../core/terminalText.js';
import { ROUTES } from '../protocol.js';
import { daemonRequest, parseAnswer, startDaemonInBackground } from './connection.js';
import { fetchStatus } from './status.js';

export interface ControlOptions {
  idleTimeoutSeconds?: number;
  /** With socket: the restricted socket's path (the one to forward with ssh -R). */
  restricted?: boolean;
}

const say = (line: string): void => void process.stdout.write(`${visible(line)}\n`); // socket paths come from the environment

export async function daemonControl(action: 'start' | 'stop' | 'status' | 'run' | 'socket', opts: ControlOptions = {}): Promise<void> {
  const socket = socketLocation().path;
  // The path alone, for scripts: ssh -R /remote/keyfob.sock:"$(keyfob daemon socket --restricted)" host
  if (action === 'socket') return void process.stdout.write(`${opts.restricted ? restrictedSocketPath(socket) : socket}\n`);
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
  // Return once it has gone (its last writes done), so a script may remove or upgrade right after.
  const gone = await waitForExit(status.daemon.pid, 10_000);
  say(gone ? `stopped pid ${status.daemon.pid}` : `asked pid ${status.daemon.pid} to stop; it is still shutting down`);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
  }
  return false;
}

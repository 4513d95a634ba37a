// Does the daemon answer on its socket? Asked with noStart: doctor never starts a daemon.
import { oneLine } from '../core/errors.js';
import { socketLocation } from '../core/paths.js';
import type { StatusReport } from '../daemon/client/status.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'daemon';

export const daemonCheck: DoctorCheck = {
  name: NAME,
  async run({ env }): Promise<CheckResult> {
    const { daemonRequest, parseAnswer } = await import('../daemon/client/connection.js');
    const { ROUTES } = await import('../daemon/protocol.js');
    let report: StatusReport;
    try {
      report = parseAnswer<StatusReport>(await daemonRequest('GET', ROUTES.status, undefined, { env, noStart: true }));
    } catch (err) {
      const message = oneLine(err);
      // Nobody listening is a normal state, not a fault: every client starts the daemon when it needs one.
      if (message.includes('(no daemon at ')) {
        return { name: NAME, status: 'warn', detail: `no daemon is running at ${socketLocation(env).path}; clients start one on demand`, fix: 'keyfob daemon start' };
      }
      return { name: NAME, status: 'fail', detail: message, fix: 'keyfob daemon stop, then keyfob daemon start; see KEYFOB_HOME/daemon.log' };
    }

    const { daemon, sessions } = report;
    const signedIn = sessions.filter((s) => s.signedIn).length;
    const detail = `pid ${daemon.pid}, up ${daemon.uptimeSeconds}s, keyring ${daemon.keyring}, ${signedIn} of ${sessions.length} sso-session(s) signed in`;
    // Each request names its own config file, but the keyring is the daemon's, from the client that started it.
    const wantedKeyring = (env.KEYFOB_KEYRING ?? '').trim() || 'keychain';
    if (daemon.keyring !== wantedKeyring) {
      return { name: NAME, status: 'warn', detail: `${detail}; but KEYFOB_KEYRING here is ${wantedKeyring}`, fix: 'keyfob daemon stop (the next command starts one with this environment)' };
    }
    return { name: NAME, status: 'ok', detail };
  },
};

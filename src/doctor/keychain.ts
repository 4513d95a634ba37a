// Is the secret store keyfob would use reachable? The real store, probed the way the daemon does on start.
import { oneLine } from '../core/errors.js';
import { openSecretStore } from '../store/index.js';
import type { DoctorCheck } from './types.js';

const NAME = 'keychain';
/** macOS asks once per item which program may read it; the program is Apple's `security`, which node upgrades leave alone. */
export const ALWAYS_ALLOW =
  'when macOS asks whether "security" may use the keyfob item, choose Always Allow: that trusts Apple\'s /usr/bin/security, not node, so it lasts across node upgrades';

export const keychainCheck: DoctorCheck = {
  name: NAME,
  async run({ env, timeoutMs, platform = process.platform }) {
    // The helper's own limit sits below doctor's, so a hung keychain is killed, not abandoned.
    const helperLimit = env.KEYFOB_KEYCHAIN_TIMEOUT_MS || String(Math.max(1000, timeoutMs - 1000));
    let store;
    try {
      store = openSecretStore({ ...env, KEYFOB_KEYCHAIN_TIMEOUT_MS: helperLimit }, platform);
    } catch (err) {
      return { name: NAME, status: 'fail', detail: oneLine(err), fix: 'unset KEYFOB_KEYRING, or set it to keychain or memory' };
    }
    if (store.kind === 'memory') {
      return { name: NAME, status: 'ok', detail: 'KEYFOB_KEYRING=memory: tokens are kept in daemon memory only, and sign-ins end when the daemon stops' };
    }
    try {
      await store.probe();
      return { name: NAME, status: 'ok', detail: platform === 'darwin' ? `the login keychain answered through /usr/bin/security; ${ALWAYS_ALLOW}` : 'the OS keychain answered' };
    } catch (err) {
      return {
        name: NAME,
        status: 'fail',
        detail: oneLine(err).replace(/; unlock it, or set KEYFOB_KEYRING=memory.*$/, ''),
        fix:
          platform === 'darwin'
            ? `run: security unlock-keychain; ${ALWAYS_ALLOW}; or set KEYFOB_KEYRING=memory`
            : 'unlock the keychain (on Linux: a running, unlocked gnome-keyring or KWallet on D-Bus), or set KEYFOB_KEYRING=memory',
      };
    }
  },
};

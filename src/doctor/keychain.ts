// Is the secret store keyfob would use reachable? The real store, probed the way the daemon does on start.
import { oneLine } from '../errors.js';
import { openSecretStore } from '../store/index.js';
import type { DoctorCheck } from './types.js';

const NAME = 'keychain';

export const keychainCheck: DoctorCheck = {
  name: NAME,
  async run({ env, timeoutMs }) {
    // The helper's own limit sits below doctor's, so a hung keychain is killed, not abandoned.
    const helperLimit = env.KEYFOB_KEYCHAIN_TIMEOUT_MS || String(Math.max(1000, timeoutMs - 1000));
    let store;
    try {
      store = openSecretStore({ ...env, KEYFOB_KEYCHAIN_TIMEOUT_MS: helperLimit });
    } catch (err) {
      return { name: NAME, status: 'fail', detail: oneLine(err), fix: 'unset KEYFOB_KEYRING, or set it to keychain or memory' };
    }
    if (store.kind === 'memory') {
      return { name: NAME, status: 'ok', detail: 'KEYFOB_KEYRING=memory: tokens are kept in daemon memory only, and sign-ins end when the daemon stops' };
    }
    try {
      await store.probe();
      return { name: NAME, status: 'ok', detail: 'the OS keychain answered' };
    } catch (err) {
      return {
        name: NAME,
        status: 'fail',
        detail: oneLine(err).replace(/; unlock it, or set KEYFOB_KEYRING=memory.*$/, ''),
        fix: 'unlock the keychain (on Linux: a running, unlocked gnome-keyring or KWallet on D-Bus), or set KEYFOB_KEYRING=memory',
      };
    }
  },
};

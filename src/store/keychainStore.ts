// Secrets in the OS keychain through the keytar API (@github/keytar): macOS Keychain,
// Windows Credential Manager, or the Secret Service (gnome-keyring, KWallet) over D-Bus.
//
// Each operation runs in a short-lived helper process (see keychainHelper.ts for why), so
// this process never loads the native addon and a stuck keychain is killed after a time limit.
// Every failure becomes a KeychainError, whose message suggests KEYFOB_KEYRING=memory; there
// is no fallback to anything else.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KeychainError } from '../core/errors.js';
import type { KeychainRequest, KeychainResponse } from './keychainProtocol.js';
import { checkKey, checkValue, type SecretStore } from './secretStore.js';

export const KEYCHAIN_SERVICE = 'keyfob';
const PROBE_KEY = 'keyfob-probe';

export interface KeychainOptions {
  service?: string;
  /** Time limit for one keychain operation, in ms (default 10 s). */
  timeoutMs?: number;
}

// Beside this module in dist/store/, or under store/ when this code runs from the daemon bundle (dist/daemon.mjs).
const helperPath = ['./keychainHelper.js', './store/keychainHelper.js']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path)) ?? fileURLToPath(new URL('./keychainHelper.js', import.meta.url));

const verb: Record<KeychainRequest['op'], string> = {
  get: 'reading the keychain',
  set: 'writing to the keychain',
  delete: 'deleting from the keychain',
  probe: 'checking the keychain',
};

function runHelper(request: KeychainRequest, timeoutMs: number): Promise<string | boolean | undefined> {
  if (!existsSync(helperPath)) {
    return Promise.reject(new KeychainError(`keyfob's keychain helper is missing at ${helperPath}; run: npm run build`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [helperPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new KeychainError(`${verb[request.op]} failed: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new KeychainError(`${verb[request.op]} got no answer within ${timeoutMs} ms; is it waiting for an unlock prompt?`));
        return;
      }
      let response: KeychainResponse;
      try {
        response = JSON.parse(stdout) as KeychainResponse;
      } catch {
        const detail = stderr.trim().split('\n').pop() || `exit ${signal ?? code}`;
        reject(new KeychainError(`${verb[request.op]} failed: the helper ended without an answer (${detail})`));
        return;
      }
      if (response.ok) resolve(response.value);
      else if (response.stage === 'load') reject(new KeychainError(`the keytar native addon failed to load: ${response.message}`));
      else reject(new KeychainError(`${verb[request.op]} failed: ${response.message}`));
    });
    child.stdin.on('error', () => undefined); // a helper that dies early is reported on close
    child.stdin.end(JSON.stringify(request));
  });
}

export function keychainStore(opts: KeychainOptions = {}): SecretStore {
  const service = opts.service ?? KEYCHAIN_SERVICE;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    kind: 'keychain',
    async get(key) {
      checkKey(key);
      const value = await runHelper({ op: 'get', service, key }, timeoutMs);
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, value) {
      checkKey(key);
      checkValue(value);
      await runHelper({ op: 'set', service, key, value }, timeoutMs);
    },
    async delete(key) {
      checkKey(key);
      return (await runHelper({ op: 'delete', service, key }, timeoutMs)) === true;
    },
    async probe() {
      await runHelper({ op: 'probe', service, key: PROBE_KEY }, timeoutMs);
    },
  };
}

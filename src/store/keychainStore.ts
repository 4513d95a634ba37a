// Secrets in the OS keychain through the keytar API (@github/keytar): macOS Keychain,
// Windows Credential Manager, or the Secret Service (gnome-keyring, KWallet) over D-Bus.
//
// Each operation runs in a short-lived helper process (see keychainHelper.ts for why), so
// this process never loads the native addon and a stuck keychain is killed after a time limit.
// Every failure becomes a KeychainError, whose message suggests KEYFOB_KEYRING=memory; there
// is no fallback to anything else.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KeychainError } from '../core/errors.js';
import { runWithInput, type ChildResult } from './boundedChild.js';
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

async function runHelper(request: KeychainRequest, timeoutMs: number): Promise<string | boolean | undefined> {
  if (!existsSync(helperPath)) throw new KeychainError(`keyfob's keychain helper is missing at ${helperPath}; run: npm run build`);
  let ran: ChildResult;
  try {
    ran = await runWithInput(process.execPath, [helperPath], JSON.stringify(request), timeoutMs);
  } catch (err) {
    throw new KeychainError(`${verb[request.op]} failed: ${(err as Error).message}`);
  }
  if (ran.timedOut) throw new KeychainError(`${verb[request.op]} got no answer within ${timeoutMs} ms; is it waiting for an unlock prompt?`);
  let response: KeychainResponse;
  try {
    response = JSON.parse(ran.stdout) as KeychainResponse;
  } catch {
    const detail = ran.stderr.trim().split('\n').pop() || `exit ${ran.signal ?? ran.code}`;
    throw new KeychainError(`${verb[request.op]} failed: the helper ended without an answer (${detail})`);
  }
  if (response.ok) return response.value;
  if (response.stage === 'load') throw new KeychainError(`the keytar native addon failed to load: ${response.message}`);
  throw new KeychainError(`${verb[request.op]} failed: ${response.message}`);
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

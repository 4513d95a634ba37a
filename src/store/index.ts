// The secret store keyfob uses, chosen by KEYFOB_KEYRING.
import { ConfigError } from '../core/errors.js';
import { keychainStore } from './keychainStore.js';
import { macKeychainStore } from './macKeychainStore.js';
import { memoryStore } from './memoryStore.js';
import type { SecretStore } from './secretStore.js';

export type { SecretStore } from './secretStore.js';
export { keychainStore, KEYCHAIN_SERVICE, type KeychainOptions } from './keychainStore.js';
export { memoryStore } from './memoryStore.js';
export { macKeychainStore } from './macKeychainStore.js';

/**
 * KEYFOB_KEYRING unset or `keychain` → the OS keychain; `memory` → daemon memory only.
 * On darwin the keychain is reached through /usr/bin/security (macKeychainStore.ts), elsewhere through keytar.
 * KEYFOB_KEYCHAIN_TIMEOUT_MS bounds each keychain call (default 10000; 60000 on darwin, where a dialog may ask).
 */
export function openSecretStore(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): SecretStore {
  const choice = (env.KEYFOB_KEYRING ?? '').trim();
  if (choice === 'memory') return memoryStore();
  if (choice !== '' && choice !== 'keychain') {
    throw new ConfigError(`KEYFOB_KEYRING=${JSON.stringify(choice)} is not supported; use keychain (the default) or memory`);
  }
  const timeout = env.KEYFOB_KEYCHAIN_TIMEOUT_MS;
  if (timeout !== undefined && timeout !== '' && !(Number(timeout) > 0)) {
    throw new ConfigError(`KEYFOB_KEYCHAIN_TIMEOUT_MS must be a positive number of milliseconds, not ${JSON.stringify(timeout)}`);
  }
  const limit = timeout ? { timeoutMs: Number(timeout) } : {};
  return platform === 'darwin' ? macKeychainStore(limit) : keychainStore(limit);
}

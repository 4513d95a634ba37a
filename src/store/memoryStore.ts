// Secrets kept in this process only (KEYFOB_KEYRING=memory): gone when the daemon exits.
import { checkKey, checkValue, type SecretStore } from './secretStore.js';

export function memoryStore(): SecretStore {
  const entries = new Map<string, string>();
  return {
    kind: 'memory',
    async get(key) {
      checkKey(key);
      return entries.get(key);
    },
    async set(key, value) {
      checkKey(key);
      checkValue(value);
      entries.set(key, value);
    },
    async delete(key) {
      checkKey(key);
      return entries.delete(key);
    },
    async probe() {},
  };
}

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { memoryStore, openSecretStore } from '../../src/store/index.js';

describe('memory store', () => {
  it('gets, sets, overwrites and deletes', async () => {
    const store = memoryStore();
    expect(store.kind).toBe('memory');
    await store.probe();
    expect(await store.get('acme')).toBeUndefined();
    await store.set('acme', '{"accessToken":"a"}');
    await store.set('acme', '{"accessToken":"b"}');
    expect(await store.get('acme')).toBe('{"accessToken":"b"}');
    expect(await store.delete('acme')).toBe(true);
    expect(await store.delete('acme')).toBe(false);
    expect(await store.get('acme')).toBeUndefined();
  });

  it('keeps stores separate and refuses empty keys and values', async () => {
    const a = memoryStore();
    const b = memoryStore();
    await a.set('k', 'v');
    expect(await b.get('k')).toBeUndefined();
    await expect(a.set('', 'v')).rejects.toThrow(/non-empty/);
    await expect(a.set('k', '')).rejects.toThrow(/non-empty/);
  });
});

describe('openSecretStore', () => {
  it('chooses by KEYFOB_KEYRING', () => {
    expect(openSecretStore({ KEYFOB_KEYRING: 'memory' }).kind).toBe('memory');
    // the keychain store loads nothing until first used, so choosing it here is safe
    expect(openSecretStore({}).kind).toBe('keychain');
    expect(openSecretStore({ KEYFOB_KEYRING: 'keychain' }).kind).toBe('keychain');
  });

  it('rejects unknown settings with a clear ConfigError', () => {
    expect(() => openSecretStore({ KEYFOB_KEYRING: 'plaintext' })).toThrow(ConfigError);
    expect(() => openSecretStore({ KEYFOB_KEYRING: 'plaintext' })).toThrow(
      'KEYFOB_KEYRING="plaintext" is not supported; use keychain (the default) or memory',
    );
    expect(() => openSecretStore({ KEYFOB_KEYCHAIN_TIMEOUT_MS: 'soon' })).toThrow(/KEYFOB_KEYCHAIN_TIMEOUT_MS/);
  });
});

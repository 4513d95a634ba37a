// The macOS keychain backend against a recorded-contract fake of /usr/bin/security (fixtures/fakeSecurity.mjs),
// injected by path through the constructor: the only way to point the store at another program.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainError } from '../../src/core/errors.js';
import { openSecretStore } from '../../src/store/index.js';
import { MAC_KEYCHAIN_TIMEOUT_MS, macKeychainStore, SECURITY_LINE_LIMIT } from '../../src/store/macKeychainStore.js';

let dir: string;
let fake: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-fake-security-'));
  fake = join(dir, 'security');
  await copyFile(new URL('./fixtures/fakeSecurity.mjs', import.meta.url), fake);
  await import('node:fs/promises').then((fs) => fs.chmod(fake, 0o755));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Call {
  argv: string[];
  stdin: string;
}
const calls = async (): Promise<Call[]> =>
  (await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);
const keychain = async (): Promise<Record<string, string>> => JSON.parse(await readFile(join(dir, 'keychain.json'), 'utf8')) as Record<string, string>;

/** A realistic SSO token cache entry: 2-4 KB of JSON, with a refresh token and non-ASCII in it. */
function ssoToken(bytes: number): string {
  const base = { startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1', expiresAt: '2030-01-01T00:00:00Z', note: 'é✓', accessToken: '', refreshToken: 'Atzr|' + 'r'.repeat(600) };
  base.accessToken = 'aoa' + 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(JSON.stringify(base)) - 3));
  return JSON.stringify(base);
}

describe('macOS keychain through security -i (fake)', () => {
  it('round-trips small and 4 KB values, and never puts a secret in argv', async () => {
    const store = macKeychainStore({ securityPath: fake });
    expect(store.kind).toBe('keychain');
    const small = '{"accessKeyId":"AKIA-SECRET-1","secretAccessKey":"s3cr3t/with+odd=chars\\n"}';
    const big = ssoToken(4000);
    expect(Buffer.byteLength(big)).toBeGreaterThanOrEqual(3990);
    expect(await store.get('acme')).toBeUndefined();
    await store.set('acme', small);
    await store.set('big session "odd" name', big);
    expect(await store.get('acme')).toBe(small);
    expect(await store.get('big session "odd" name')).toBe(big);

    const recorded = await calls();
    for (const call of recorded) {
      // Every call is `security -i`: the commands, secrets included, go on stdin only.
      expect(call.argv).toEqual(['-i']);
      for (const line of call.stdin.split('\n')) expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(SECURITY_LINE_LIMIT);
    }
    // The value is in some stdin (hex-encoded), and in no argv.
    const argvText = recorded.map((c) => c.argv.join(' ')).join('\n');
    expect(argvText).not.toContain('SECRET');
    expect(argvText).not.toContain('aoax');
    expect(recorded.some((c) => /add-generic-password -U -s keyfob -a acme -X [0-9a-f]+$/.test(c.stdin.trim()))).toBe(true);
    // The big value was split over parts, each under the line limit.
    const stored = await keychain();
    expect(Object.keys(stored).filter((k) => k.includes('#')).length).toBeGreaterThanOrEqual(3);
  });

  it('overwrites, shrinks a split value, and deletes every part', async () => {
    const store = macKeychainStore({ securityPath: fake });
    await store.set('s', ssoToken(4000));
    await store.set('s', ssoToken(3000));
    expect(await store.get('s')).toBe(ssoToken(3000));
    await store.set('s', 'short');
    expect(await store.get('s')).toBe('short');
    expect(Object.keys(await keychain())).toHaveLength(1); // the old parts are gone
    await store.set('s', ssoToken(2500));
    expect(await store.delete('s')).toBe(true);
    expect(await store.delete('s')).toBe(false); // exit 44: nothing there
    expect(await store.get('s')).toBeUndefined();
    expect(await keychain()).toEqual({});
  });

  it('fits a 4 KB value under a long (hex-encoded) name into security\'s line', async () => {
    const store = macKeychainStore({ securityPath: fake });
    const name = 'session with spaces '.repeat(40); // 800 characters: stored under a 1,600-character hex account
    await store.set(name, ssoToken(4000));
    expect(await store.get(name)).toBe(ssoToken(4000));
    for (const call of await calls()) expect(Buffer.byteLength(call.stdin)).toBeLessThanOrEqual(SECURITY_LINE_LIMIT);
  });

  it('probes with a write and a read back, leaving nothing behind', async () => {
    const store = macKeychainStore({ securityPath: fake });
    await store.probe();
    expect(await keychain()).toEqual({});
  });

  it('reports a locked keychain with the unlock command', async () => {
    await writeFile(join(dir, 'mode'), 'locked');
    const store = macKeychainStore({ securityPath: fake });
    const err = await store.get('acme').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainError);
    expect((err as Error).message).toMatch(/keychain is locked \(run: security unlock-keychain\)/);
    await expect(store.set('acme', 'v')).rejects.toThrow(/locked/);
  });

  it('kills a security that hangs at the time limit (a dialog nobody answers)', async () => {
    await writeFile(join(dir, 'mode'), 'hang');
    const store = macKeychainStore({ securityPath: fake, timeoutMs: 1500 });
    const started = Date.now();
    await expect(store.get('acme')).rejects.toThrow(/no answer within 1\.5 s; is a keychain dialog waiting\? Answer it with Always Allow/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(MAC_KEYCHAIN_TIMEOUT_MS).toBe(60_000);
  });

  it('fails clearly when security cannot be run', async () => {
    const store = macKeychainStore({ securityPath: join(dir, 'missing') });
    await expect(store.get('acme')).rejects.toThrow(/cannot run .*missing/);
  });

  it('is what openSecretStore chooses on darwin, with the 60 s default', () => {
    expect(openSecretStore({}, 'darwin').kind).toBe('keychain');
    expect(openSecretStore({ KEYFOB_KEYRING: 'memory' }, 'darwin').kind).toBe('memory');
  });
});

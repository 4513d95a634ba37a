// Secrets in the macOS login keychain through Apple's own /usr/bin/security, not a native addon.
//
// Why: the keychain trusts the *program* that created an item. Through keytar that program is the
// `node` binary, so every `brew upgrade node` makes the keychain ask again ("node wants to use your
// confidential information"). /usr/bin/security is signed by Apple and keeps its identity across node
// upgrades, so one "Always Allow" lasts (docs/security.md, "macOS keychain").
//
// Every call runs `security -i` and writes its one command on stdin, so no secret (nor even a profile
// name) is in any argv that `ps` shows. Values are stored as `kf1:` + base64, passed with -X as hex,
// so the line needs no quoting and `find-generic-password -w` prints them back verbatim (it prints
// hex for values that are not plain text). `security -i` reads lines of at most 4096 bytes, so a
// longer value is split over numbered part entries, with the main entry naming how many and a digest.
import { createHash } from 'node:crypto';
import { KeychainError } from '../core/errors.js';
import { runWithInput } from './boundedChild.js';
import { checkKey, checkValue, type SecretStore } from './secretStore.js';

export const SECURITY_PATH = '/usr/bin/security';
/** Long enough for a person to read and answer a keychain dialog ("Allow", "Always Allow"). */
export const MAC_KEYCHAIN_TIMEOUT_MS = 60_000;
/** security(1) exits 44 (errSecItemNotFound) when there is no such item. */
export const EXIT_NOT_FOUND = 44;
/** security(1)'s interactive mode reads lines of at most this many bytes, newline included. */
export const SECURITY_LINE_LIMIT = 4096;
/** Base64 characters per entry: hex doubles them to 3,800, well under the line limit with the account name. */
export const PART_CHARS = 1900;
const MAX_ACCOUNT_CHARS = 100;
const SINGLE = 'kf1:';
const PARTS = 'kf1-parts:';
const PROBE_KEY = 'keyfob-probe';

export interface MacKeychainOptions {
  service?: string;
  timeoutMs?: number;
  /** For tests only (a recorded-contract fake); nothing a request or the environment sets reaches it. */
  securityPath?: string;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The account name for a key: as is when it is plain, else hex, so the command line never needs escaping. */
export function accountFor(key: string): string {
  return /^[A-Za-z0-9._:@\/+=-]+$/.test(key) && key.length <= MAX_ACCOUNT_CHARS ? key : `keyfob-hex:${Buffer.from(key, 'utf8').toString('hex')}`;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const lastLine = (text: string) => text.trim().split('\n').pop()?.replace(/^security:\s*/, '').trim() ?? '';
const isLocked = (r: Ran) => /User interaction is not allowed|user name or passphrase you entered is not correct|keychain is locked/i.test(r.stderr);
const isNotFound = (r: Ran) => r.code === EXIT_NOT_FOUND || /could not be found/i.test(r.stderr);

export function macKeychainStore(opts: MacKeychainOptions = {}): SecretStore {
  const service = opts.service ?? 'keyfob';
  const timeoutMs = opts.timeoutMs ?? MAC_KEYCHAIN_TIMEOUT_MS;
  const securityPath = opts.securityPath ?? SECURITY_PATH;

  function run(doing: string, line: string): Promise<Ran> {
    if (Buffer.byteLength(line) + 1 > SECURITY_LINE_LIMIT) {
      return Promise.reject(new KeychainError(`${doing} failed: the command is longer than security's ${SECURITY_LINE_LIMIT}-byte line`));
    }
    return runWithInput(securityPath, ['-i'], `${line}\n`, timeoutMs).then(
      (r) => {
        if (r.timedOut) throw new KeychainError(`${doing} got no answer within ${timeoutMs / 1000} s; is a keychain dialog waiting? Answer it with Always Allow`);
        const ran = { code: r.code, stdout: r.stdout, stderr: r.stderr };
        if (isLocked(ran)) throw new KeychainError(`${doing} failed: the keychain is locked (run: security unlock-keychain)`);
        return ran;
      },
      (err: Error) => {
        throw new KeychainError(`${doing} failed: cannot run ${securityPath}: ${err.message}`);
      },
    );
  }

  const target = (account: string) => `-s ${service} -a ${account}`;

  async function findRaw(account: string): Promise<string | undefined> {
    const r = await run('reading the keychain', `find-generic-password ${target(account)} -w`);
    if (isNotFound(r)) return undefined;
    if (r.code !== 0) throw new KeychainError(`reading the keychain failed: ${lastLine(r.stderr) || `exit ${r.code}`}`);
    // Only our own encodings are accepted; anything else around them (an interactive prompt) is dropped.
    const found = /(kf1(?:-parts)?:[A-Za-z0-9+/=:]*)/.exec(r.stdout);
    if (!found) throw new KeychainError(`reading the keychain failed: the entry ${account} is not one keyfob wrote`);
    return found[1];
  }

  async function addRaw(account: string, stored: string): Promise<void> {
    const hex = Buffer.from(stored, 'utf8').toString('hex');
    const r = await run('writing to the keychain', `add-generic-password -U ${target(account)} -X ${hex}`);
    if (r.code !== 0) throw new KeychainError(`writing to the keychain failed: ${lastLine(r.stderr) || `exit ${r.code}`}`);
  }

  async function deleteRaw(account: string): Promise<boolean> {
    const r = await run('deleting from the keychain', `delete-generic-password ${target(account)}`);
    if (isNotFound(r)) return false;
    if (r.code !== 0) throw new KeychainError(`deleting from the keychain failed: ${lastLine(r.stderr) || `exit ${r.code}`}`);
    return true;
  }

  const partCount = (main: string | undefined) => (main?.startsWith(PARTS) ? Number(main.split(':')[1]) || 0 : 0);
  const partAccount = (account: string, n: number) => `${account}#${n}`;

  async function get(key: string): Promise<string | undefined> {
    checkKey(key);
    const account = accountFor(key);
    const main = await findRaw(account);
    if (main === undefined) return undefined;
    let encoded: string;
    if (main.startsWith(PARTS)) {
      const [, count, sum] = main.slice(PARTS.length - 1).split(':');
      const parts: string[] = [];
      for (let n = 1; n <= Number(count); n++) {
        const part = await findRaw(partAccount(account, n));
        if (!part?.startsWith(SINGLE)) throw new KeychainError(`reading the keychain failed: part ${n} of ${account} is missing; sign in again`);
        parts.push(part.slice(SINGLE.length));
      }
      encoded = parts.join('');
      if (digest(encoded) !== sum) throw new KeychainError(`reading the keychain failed: the parts of ${account} do not match; sign in again`);
    } else {
      encoded = main.slice(SINGLE.length);
    }
    return Buffer.from(encoded, 'base64').toString('utf8');
  }

  async function set(key: string, value: string): Promise<void> {
    checkKey(key);
    checkValue(value);
    const account = accountFor(key);
    const encoded = Buffer.from(value, 'utf8').toString('base64');
    const before = partCount(await findRaw(account));
    // A long (hex) account name leaves less of the line for the value.
    const room = Math.min(PART_CHARS, Math.floor((SECURITY_LINE_LIMIT - 1 - Buffer.byteLength(`add-generic-password -U ${target(partAccount(account, 999))} -X `)) / 2) - SINGLE.length);
    if (room < 100) throw new KeychainError(`writing to the keychain failed: the name ${JSON.stringify(key)} is too long for a keychain entry`);
    if (encoded.length <= room) {
      await addRaw(account, SINGLE + encoded);
      for (let n = 1; n <= before; n++) await deleteRaw(partAccount(account, n));
      return;
    }
    const parts = encoded.match(new RegExp(`.{1,${room}}`, 'g')) ?? [];
    // Parts first, the main entry last: a reader sees the old value or the new one, never half of each
    // (the digest catches a concurrent writer).
    for (const [i, part] of parts.entries()) await addRaw(partAccount(account, i + 1), SINGLE + part);
    await addRaw(account, `${PARTS}${parts.length}:${digest(encoded)}`);
    for (let n = parts.length + 1; n <= before; n++) await deleteRaw(partAccount(account, n));
  }

  async function remove(key: string): Promise<boolean> {
    checkKey(key);
    const account = accountFor(key);
    const count = partCount(await findRaw(account));
    const existed = await deleteRaw(account);
    for (let n = 1; n <= count; n++) await deleteRaw(partAccount(account, n));
    return existed;
  }

  return {
    kind: 'keychain',
    get,
    set,
    delete: remove,
    async probe() {
      // A write and a read back, as keychainHelper does: a locked keychain refuses writes.
      const marker = `probe ${process.pid} ${Date.now()}`;
      await set(PROBE_KEY, marker);
      const readBack = await get(PROBE_KEY);
      await remove(PROBE_KEY);
      if (readBack !== marker) throw new KeychainError('checking the keychain failed: a value written could not be read back');
    },
  };
}

// Windows Credential Manager keeps at most 2,560 bytes per credential (CRED_MAX_CREDENTIAL_BLOB_SIZE,
// 5 × 512), and an SSO token cache entry is 2-4 KB of JSON. So a long value is split over several
// entries: the first says how many parts follow and carries a digest of the whole, which also catches
// parts left from a concurrent writer. Planned (docs/platforms.md); only the tests call this yet.
import { createHash } from 'node:crypto';

export const CRED_BLOB_LIMIT = 2560;
const PARTS = 'kf1-parts:';

/** How many bytes a stored string costs: keytar stores UTF-8; the Win32 API's own strings are UTF-16. */
export type BlobEncoding = 'utf8' | 'utf16le';

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The entries to store, in order (main entry first); each costs at most `limit` bytes. */
export function splitForCredentialManager(value: string, encoding: BlobEncoding = 'utf8', limit = CRED_BLOB_LIMIT): string[] {
  const cost = (s: string) => Buffer.byteLength(s, encoding);
  if (cost(value) <= limit && !value.startsWith(PARTS)) return [value];
  const parts: string[] = [];
  let current = '';
  // By code point, so no character is cut in two (a lone surrogate would not survive a round trip).
  for (const ch of value) {
    if (cost(current) + cost(ch) > limit) {
      parts.push(current);
      current = '';
    }
    current += ch;
  }
  if (current) parts.push(current);
  return [`${PARTS}${parts.length}:${digest(value)}`, ...parts];
}

/** The value back from the entries splitForCredentialManager gave; throws when parts are missing or mixed. */
export function joinFromCredentialManager(entries: readonly string[]): string {
  const [main, ...parts] = entries;
  if (main === undefined) throw new Error('no entries');
  if (!main.startsWith(PARTS)) return main;
  const [count, sum] = main.slice(PARTS.length).split(':');
  if (parts.length !== Number(count)) throw new Error(`expected ${count} parts, found ${parts.length}; sign in again`);
  const value = parts.join('');
  if (digest(value) !== sum) throw new Error('the parts do not belong together; sign in again');
  return value;
}

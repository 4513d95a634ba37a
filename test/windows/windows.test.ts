// Windows pieces tested on Linux: the credential_process line round-trips through botocore's own
// Windows splitter (compat_shell_split(s, 'win32'), from Debian's AWS CLI), and Credential Manager
// entries stay under 2,560 bytes with realistic SSO token sizes.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteWindowsArg, windowsCredentialProcessLine } from '../../src/windows/commandLine.js';
import { CRED_BLOB_LIMIT, joinFromCredentialManager, splitForCredentialManager } from '../../src/windows/credentialChunks.js';
import { AWSCLI_PACKAGE, PYTHON } from '../helpers/botocore.js';
import { requirePart } from '../helpers/requirePart.js';

/** botocore's split of each line, as the AWS CLI on Windows would split credential_process. */
function botocoreWindowsSplit(lines: string[]): string[][] {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(AWSCLI_PACKAGE)})
from botocore.compat import compat_shell_split
json.dump([compat_shell_split(line, 'win32') for line in json.load(sys.stdin)], sys.stdout)
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(lines), encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' } })) as string[][];
}

const NODE = 'C:\\Program Files\\nodejs\\node.exe';
const ENTRY = 'C:\\Users\\Ann Lee\\AppData\\Roaming\\npm\\node_modules\\keyfob\\bin\\keyfob.cjs';

describe('the Windows credential_process line', () => {
  it('reads as "node.exe" "…\\keyfob.cjs" credential-process --profile "NAME"', () => {
    expect(windowsCredentialProcessLine(NODE, ENTRY, 'dev')).toBe(`"${NODE}" "${ENTRY}" credential-process --profile "dev"`);
    expect(quoteWindowsArg('a\\"b\\')).toBe('"a\\\\\\"b\\\\"');
    expect(() => quoteWindowsArg('a\nb')).toThrow(/line break/);
  });

  it('round-trips through botocore\'s Windows splitter, awkward names included', (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const awkward = ['dev', 'Acme Prod/Admin', 'a"b', 'a\\"b', 'trailing\\', 'tab\there', '%PATH% ^& |', "it's", 'é✓💣', '', '\\\\server\\share\\'];
    const random = fc.sample(fc.array(fc.constantFrom('\\', '"', ' ', '\t', 'a', 'é', '%', '^', '&', "'", '💣', '-'), { maxLength: 12 }).map((cs) => cs.join('')), { numRuns: 300, seed: 22 });
    const profiles = [...awkward, ...random];
    const entries = [ENTRY, 'C:\\keyfob dir\\', 'C:\\a"b\\keyfob.cjs'];
    const cases = profiles.flatMap((profile) => entries.map((entry) => ({ entry, profile })));
    const split = botocoreWindowsSplit(cases.map(({ entry, profile }) => windowsCredentialProcessLine(NODE, entry, profile)));
    cases.forEach(({ entry, profile }, i) => expect(split[i], JSON.stringify(profile)).toEqual([NODE, entry, 'credential-process', '--profile', profile]));
  });
});

/** A realistic SSO token cache entry of about `bytes` bytes, with non-ASCII in it. */
function ssoToken(bytes: number): string {
  const token = { startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1', expiresAt: '2030-01-01T00:00:00Z', clientId: 'c'.repeat(200), clientSecret: 'eyJ' + 's'.repeat(900), refreshToken: 'Atzr|' + 'r'.repeat(500), note: 'Zoë ✓ 💣', accessToken: '' };
  token.accessToken = 'aoa' + 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(JSON.stringify(token)) - 3));
  return JSON.stringify(token);
}

describe("Credential Manager's 2,560-byte limit", () => {
  for (const encoding of ['utf8', 'utf16le'] as const) {
    it(`splits 2-4 KB tokens so every entry fits (${encoding})`, () => {
      for (const size of [500, 2000, 2559, 2560, 2561, 3000, 4096, 8000]) {
        const value = ssoToken(size);
        const entries = splitForCredentialManager(value, encoding);
        for (const entry of entries) expect(Buffer.byteLength(entry, encoding)).toBeLessThanOrEqual(CRED_BLOB_LIMIT);
        if (Buffer.byteLength(value, encoding) > CRED_BLOB_LIMIT) expect(entries.length).toBeGreaterThan(2);
        expect(joinFromCredentialManager(entries)).toBe(value);
      }
    });
  }

  it('never cuts a character in two, and refuses missing or mixed parts', () => {
    const value = '💣'.repeat(2000); // 4 bytes each in UTF-8, a surrogate pair in UTF-16
    const entries = splitForCredentialManager(value, 'utf16le');
    for (const part of entries.slice(1)) expect(part).toMatch(/^(💣)+$/u);
    expect(joinFromCredentialManager(entries)).toBe(value);
    expect(() => joinFromCredentialManager(entries.slice(0, -1))).toThrow(/expected \d+ parts/);
    const other = splitForCredentialManager('x'.repeat(value.length * 2), 'utf16le');
    expect(() => joinFromCredentialManager([entries[0], ...other.slice(1, entries.length)])).toThrow(/do not belong together/);
  });
});

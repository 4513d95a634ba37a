// keyfob's config parser against botocore's own (the AWS CLI v2's copy), file by file: where
// botocore reads a file, keyfob reads the same profiles, sso-sessions, keys and values; where
// botocore refuses it, keyfob reports a problem. The files mix every line ending Python knows
// (\n, \r\n, a lone \r) with characters that other splitters or strippers treat as line
// breaks or spaces: U+2028, U+2029, U+0085, \v, \f, U+001C, U+FEFF, U+00A0, U+200B, U+202E.
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpretConfig } from '../../src/config/awsConfig.js';
import { parseConfig } from '../../src/config/iniDocument.js';
import { botocoreAvailable, botocoreRead } from '../helpers/botocore.js';

const dir = mkdtempSync(join(tmpdir(), 'keyfob-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ODD = ['\u2028', '\u2029', '\u0085', '\v', '\f', '\x1c', '\uFEFF', '\u00A0', '\u200B', '\u202E', ' ', '\t'];
const EOL = ['\n', '\r\n', '\r'];

/** An sso-session as keyfob uses it, from botocore's raw keys. */
function sessionFields(values: Record<string, string>) {
  const scopes = (values.sso_registration_scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { startUrl: values.sso_start_url ?? '', region: values.sso_region ?? '', scopes };
}

/** What keyfob makes of a file, in the shape the oracle prints. */
function keyfobView(text: string) {
  const config = interpretConfig(parseConfig(text));
  const profiles: Record<string, Record<string, string>> = {};
  for (const [name, p] of config.profiles) profiles[name] = p.values;
  const ssoSessions: Record<string, ReturnType<typeof sessionFields>> = {};
  for (const [name, s] of config.ssoSessions) ssoSessions[name] = { startUrl: s.startUrl, region: s.region, scopes: s.scopes };
  return { view: { profiles, ssoSessions }, problems: config.problems };
}

function compare(texts: string[]) {
  const paths = texts.map((text, i) => {
    const path = join(dir, `config-${i}`);
    writeFileSync(path, text);
    return path;
  });
  const oracle = botocoreRead(paths);
  texts.forEach((text, i) => {
    const ours = keyfobView(text);
    const theirs = oracle[i];
    const label = JSON.stringify(text);
    const refused = ours.problems.filter((p) => p.refused);
    if ('error' in theirs) {
      expect(refused.length, `botocore refuses ${label} (${theirs.error}); keyfob must report a problem that says so`).toBeGreaterThan(0);
    } else {
      expect(refused, `botocore reads ${label}; keyfob must not say the AWS CLI refuses it`).toEqual([]);
    }
    if (!('error' in theirs) && ours.problems.length === 0) {
      const ssoSessions = Object.fromEntries(Object.entries(theirs.ssoSessions).map(([name, values]) => [name, sessionFields(values)]));
      expect(ours.view, label).toEqual({ profiles: theirs.profiles, ssoSessions });
    }
  });
}

describe.runIf(botocoreAvailable())('keyfob reads config files as botocore does', () => {
  it('splits lines at \\n, \\r\\n and a lone \\r only, and strips what Python strips', () => {
    compare([
      '[profile a]\nk = x\u2028y\nrole = r\n', // U+2028 inside a value: one line to Python
      '[profile a]\nk = x\u2028\nrole = r\n',
      '[profile a]\rk = v\r[profile b]\rk = w\r', // classic Mac line endings
      '[profile a]\r\nk = v\r\n[profile b]\rk = w\n',
      '[profile a]\nk = v\u0085w\n\u0085x = y\n',
      '[profile a]\nk = \vv\f\n',
      '[profile a]\nk = v\x1c\n',
      '[profile a]\nk = \uFEFFv\uFEFF\n', // not whitespace to Python
      '[profile a]\nk = v\n\u00A0sub = 1\n',
      '[profile a\u2028b]\nk = v\n',
      '[profile a\u00A0b]\nk = v\n', // one shlex word: shlex splits at space, tab, \r, \n only
      '[profile a\u200Bb]\nk\u202E = v\u202E\n',
      '[profiles x]\nk = v\n', // botocore takes the second word whatever the first
      '[profile "a\\$b"]\nk = v\n', // shlex keeps the backslash inside double quotes
      '[profile a]\ns3 =\n\u2028max = 1\n  x = 2\n',
      // Sub-settings under an empty value: botocore splits them with str.splitlines and needs `=` on each.
      '[profile a]\ns3 =\n  addressing_style: path\n',
      '[profile a]\ns3 =\n  addressing_style = path\n',
      '[profile a]\ns3 =\n  # a comment\n\n  addressing_style = path\n',
      '[profile a]\ns3 =\n  x = 1\u2028y\n',
      '[profile a]\ns3 =\n  x = 1\x1cy = 2\n',
      '[profile a]\ns3 = path\n  addressing_style\n', // starts on the key's line: plain text to botocore
      '[profile a]\nk = v\n[profile a]\nk = w\n',
      '[profile a]\nk = v\nK = w\n',
      '[profile a]\nno equals sign here\n',
      'k = v\n[profile a]\n',
      '[profile a]\n[]\n',
      '[a=b\n[profile a]\n', // an option line before any section
      '[profile a]\n[a=b\n', // an option line in [profile a]: read, not refused
      '[profile a b]\nk = v\n', // ignored by botocore, not refused
      '[DEFAULT]\nregion = x\n[profile a]\nk = v\n[profile b]\nregion = y\n[sso-session s]\nsso_start_url = https://s.awsapps.com/start\nsso_region = eu-west-1\n', // configparser's defaults
    ]);
  });

  it('agrees on generated files', () => {
    const odd = fc.constantFrom(...ODD);
    const word = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'b', 'k', 'v', '"', "'", '\\') }, { weight: 3, arbitrary: odd }), {
      minLength: 1,
      maxLength: 4,
    }).map((cs) => cs.join(''));
    const pad = fc.array(odd, { maxLength: 2 }).map((cs) => cs.join(''));
    const line = fc.oneof(
      fc.tuple(pad, fc.constantFrom('profile ', 'sso-session ', 'profile', ''), word, pad).map(([a, kind, name, b]) => `${a}[${kind}${name}]${b}`),
      fc.tuple(pad, word, pad, fc.constantFrom('=', ':'), pad, word, pad).map((parts) => parts.join('')),
      fc.tuple(pad, fc.constantFrom('#', ';'), word).map((parts) => parts.join('')),
      fc.constantFrom('[DEFAULT]', 'region = r', 's3 =', 's3 :', '  k = v', '  k: v', '  k'),
      pad,
    );
    const file = fc.tuple(
      fc.constantFrom('[default]', '[profile p]', '# no header first'),
      fc.array(fc.tuple(line, fc.constantFrom(...EOL, ...EOL, '\u2028')), { maxLength: 10 }),
    ).map(([first, lines]) => `${first}\n${lines.map(([l, eol]) => l + eol).join('')}`);
    compare(fc.sample(file, { numRuns: 1500, seed: 11 }));
  });
});

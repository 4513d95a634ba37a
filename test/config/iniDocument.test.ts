import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { shlexSplit } from '../../src/core/shellWords.js';
import { ConfigError } from '../../src/core/errors.js';

const sample = [
  '# my config',
  '[default]',
  'region=eu-west-1',
  '',
  '; work',
  '[profile a.b]',
  'Region   =  us-east-1   ',
  's3 =',
  '  max_concurrent_requests = 20',
  '',
  '  max_queue_size = 1000',
  'output: json',
  '# trailing comment of a.b',
  '',
  '[sso-session acme]',
  'sso_start_url = https://acme.awsapps.com/start',
  '',
].join('\n');

describe('parseConfig', () => {
  it('reads sections, kinds, names and entries like botocore', () => {
    const doc = parseConfig(sample);
    expect(doc.toString()).toBe(sample);
    expect(doc.sections.map((s) => [s.kind, s.name])).toEqual([
      ['default', 'default'],
      ['profile', 'a.b'],
      ['sso-session', 'acme'],
    ]);
    const ab = doc.findSection('profile', 'a.b')!;
    expect(ab.entries.map((e) => e.key)).toEqual(['region', 's3', 'output']);
    expect(doc.getValue(ab, 'region')).toBe('us-east-1');
    expect(doc.getValue(ab, 'REGION')).toBe('us-east-1');
    expect(doc.getValue(ab, 's3')).toBe('\nmax_concurrent_requests = 20\n\nmax_queue_size = 1000');
    expect(doc.getValue(ab, 'output')).toBe('json');
    expect(ab.headerLine).toBe(5);
    expect(ab.contentEnd).toBe(12);
    expect(ab.endLine).toBe(14);
    expect(doc.problems).toEqual([]);
  });

  it('is byte-identical for CRLF, mixed endings, a BOM and no final newline', () => {
    for (const text of [
      '\uFEFF[default]\r\nregion = x\r\n',
      '[default]\r\nregion = x\n\n[profile p]\r\nk=v',
      '',
      '\n',
      '\r\n\r\n',
      'junk',
      '[',
      '  indented = line\n[x]\n\tk\t=\tv\t\n',
    ]) {
      expect(parseConfig(text).toString()).toBe(text);
    }
  });

  it('reports problems with line numbers without throwing', () => {
    const doc = parseConfig(
      ['region = x', '[default]', 'just words', '[profile broken', '[profile two words]', '[default]', 'a = 1', 'A = 2'].join('\n'),
    );
    expect(doc.problems.map((p) => p.line)).toEqual([1, 3, 4, 5, 6, 8]);
    expect(doc.problems[0].message).toMatch(/before any \[section\]/);
    expect(doc.problems[1].message).toMatch(/expected "key = value"/);
    expect(doc.problems[2].message).toMatch(/malformed section header/);
    expect(doc.problems[3].message).toMatch(/ignored by the AWS CLI/);
    expect(doc.problems[4].message).toMatch(/duplicate section \[default\] \(first at line 2\)/);
    expect(doc.problems[5].message).toMatch(/duplicate key "a"/);
    // the first of duplicates wins
    expect(doc.getValue({ kind: 'default', name: 'default' }, 'a')).toBeUndefined();
    expect(doc.findSection('default', 'default')!.headerLine).toBe(1);
  });

  it('splits profile headers like shlex and keeps dots', () => {
    const doc = parseConfig('[profile "with space"]\n[profile   spaced]\n[profile a.b.c]\n[profilex]\n[services s1]\n');
    expect(doc.sections.map((s) => [s.kind, s.name])).toEqual([
      ['profile', 'with space'],
      ['profile', 'spaced'],
      ['profile', 'a.b.c'],
      ['other', 'profilex'],
      ['services', 's1'],
    ]);
    expect(shlexSplit(`a 'b c' "d\\"e"`)).toEqual(['a', 'b c', 'd"e']);
    expect(shlexSplit(`it's`)).toBeUndefined();
  });

  it('keeps comment characters inside values (no inline comments)', () => {
    const doc = parseConfig('[default]\nregion = us-east-1 # not a comment\n');
    expect(doc.getValue({ kind: 'default', name: 'default' }, 'region')).toBe('us-east-1 # not a comment');
  });
});

describe('editing', () => {
  const def = { kind: 'default', name: 'default' } as const;

  it('setKey replaces the value in place and keeps the spacing', () => {
    const text = '[default]\r\nregion   =  us-east-1\r\noutput=json\r\n# tail\r\n';
    const doc = parseConfig(text);
    expect(doc.setKey(def, 'region', 'eu-west-1')).toBe(true);
    expect(doc.setKey(def, 'output', 'text')).toBe(true);
    expect(doc.toString()).toBe('[default]\r\nregion   =  eu-west-1\r\noutput=text\r\n# tail\r\n');
    expect(doc.setKey(def, 'output', 'text')).toBe(false);
  });

  it('setKey appends a new key after the last entry, before trailing comments', () => {
    const doc = parseConfig('[default]\nregion = x\n\n# about b\n[profile b]\nk = v');
    doc.setKey(def, 'output', 'json');
    doc.setKey({ kind: 'profile', name: 'b' }, 'z', '1');
    expect(doc.toString()).toBe('[default]\nregion = x\noutput = json\n\n# about b\n[profile b]\nk = v\nz = 1');
  });

  it('setKey indents a new key so an indented header after it stays a header', () => {
    const doc = parseConfig('[default]\n  [profile p]\nk = v\n');
    doc.setKey(def, 'region', 'x');
    expect(doc.toString()).toBe('[default]\n  region = x\n  [profile p]\nk = v\n');
    expect(parseConfig(doc.toString()).findSection('profile', 'p')?.entries.map((e) => e.key)).toEqual(['k']);
  });

  it('setKey replaces a sub-section value with its continuation lines', () => {
    const doc = parseConfig('[default]\ns3 =\n  a = 1\n  b = 2\nregion = x\n');
    doc.setKey(def, 's3', 'flat');
    expect(doc.toString()).toBe('[default]\ns3 = flat\nregion = x\n');
  });

  it('removeKey drops the line and its continuations', () => {
    const doc = parseConfig('[default]\ns3 =\n  a = 1\nregion = x\n');
    expect(doc.removeKey(def, 's3')).toBe(true);
    expect(doc.removeKey(def, 's3')).toBe(false);
    expect(doc.toString()).toBe('[default]\nregion = x\n');
  });

  it('rejects values and names that would inject lines or break headers', () => {
    const doc = parseConfig('[default]\n');
    expect(() => doc.setKey(def, 'region', 'x\n[profile evil]')).toThrow(ConfigError);
    expect(() => doc.setKey(def, 'bad key', 'x')).toThrow(ConfigError);
    for (const name of ['a]b', 'a b', "it's", 'x\ny', '#x', '']) {
      expect(() => doc.upsertSection('profile', name, [])).toThrow(ConfigError);
    }
  });

  it('rejects values and names a reader would split, strip or show differently', () => {
    const doc = parseConfig('[default]\n');
    for (const value of ['x\ry', 'x\u2028y', 'x\u2029y', 'x\u0085y', 'x\vy', 'x\fy', 'x\x1cy', '\u202Eevil', 'zero\u200Bwidth', 'x\u00ADy', 'x\uFEFF', ' x', 'x\u00A0']) {
      expect(() => doc.setKey(def, 'region', value), JSON.stringify(value)).toThrow(/control or format characters/);
    }
    for (const name of ['a\u2028b', 'a\u202Eb', 'a\u200Bb', 'a\u00A0b', 'a\x85b']) {
      expect(() => doc.upsertSection('profile', name, []), JSON.stringify(name)).toThrow(ConfigError);
    }
    expect(doc.setKey(def, 'note', 'tab\tinside, Café/東京 ok')).toBe(true);
  });

  it('splits lines where botocore does: \\n, \\r\\n and a lone \\r, never U+2028 or U+0085', () => {
    const text = '[profile a]\rk = x\u2028y\u0085z\r\n[profile b]\nk = v\r';
    const doc = parseConfig(text);
    expect(doc.toString()).toBe(text);
    expect(doc.problems).toEqual([]);
    expect(doc.sections.map((s) => s.name)).toEqual(['a', 'b']);
    expect(doc.getValue({ kind: 'profile', name: 'a' }, 'k')).toBe('x\u2028y\u0085z');
    // Python's whitespace, not JavaScript's: U+FEFF is kept, U+0085 and U+001C are stripped.
    const odd = parseConfig('[default]\na = \uFEFFv\uFEFF\nb = \u0085v\x1c\n');
    expect(odd.getValue(def, 'a')).toBe('\uFEFFv\uFEFF');
    expect(odd.getValue(def, 'b')).toBe('v');
    // A lone \r is a line break for new lines too: the editor keeps the file's own style.
    const mac = parseConfig('[default]\rregion = x\r');
    mac.setKey(def, 'output', 'json');
    expect(mac.toString()).toBe('[default]\rregion = x\routput = json\r');
  });

  it('upsertSection appends with the file newline style and a blank separator', () => {
    const doc = parseConfig('[default]\r\nregion = x');
    doc.upsertSection('profile', 'Dev/Admin', [['keyfob_role_name', 'Admin']], { marker: 'keyfob: generated' });
    expect(doc.toString()).toBe('[default]\r\nregion = x\r\n\r\n# keyfob: generated\r\n[profile Dev/Admin]\r\nkeyfob_role_name = Admin\r\n');
    expect(doc.commentAbove({ kind: 'profile', name: 'Dev/Admin' })).toBe('# keyfob: generated');
    // again: nothing changes
    expect(doc.upsertSection('profile', 'Dev/Admin', [['keyfob_role_name', 'Admin']], { marker: 'keyfob: generated' })).toBe(false);
  });

  it('upsertSection into an empty file starts without a blank line', () => {
    const doc = parseConfig('');
    doc.upsertSection('sso-session', 'acme', [['sso_region', 'eu-west-1']]);
    expect(doc.toString()).toBe('[sso-session acme]\nsso_region = eu-west-1\n');
  });

  it('upsertSection on an existing section updates listed keys and keeps the rest', () => {
    const doc = parseConfig('[profile p]\nregion = x\nkeyfob_role_name = Old\n');
    doc.upsertSection('profile', 'p', [['keyfob_role_name', 'New'], ['keyfob_account_id', '1']], { marker: 'keyfob' });
    expect(doc.toString()).toBe('[profile p]\nregion = x\nkeyfob_role_name = New\nkeyfob_account_id = 1\n');
  });

  it('removeSection removes header, entries and its marker, nothing else', () => {
    const text = '[default]\nregion = x\n\n# keyfob: generated\n[profile p]\nk = v\n# user note\n\n[profile q]\nk = v\n';
    const doc = parseConfig(text);
    expect(doc.removeSection({ kind: 'profile', name: 'p' })).toBe(true);
    expect(doc.toString()).toBe('[default]\nregion = x\n\n# user note\n\n[profile q]\nk = v\n');
    // a comment that is not a keyfob marker stays
    const doc2 = parseConfig('# my own profile\n[profile q]\nk = v');
    doc2.removeSection({ kind: 'profile', name: 'q' });
    expect(doc2.toString()).toBe('# my own profile');
    expect(doc2.removeSection({ kind: 'profile', name: 'q' })).toBe(false);
  });

  it('removeSection does not pile up blank separators', () => {
    const base = '# mine\r\n[default]\r\nregion = x\r\n';
    const doc = parseConfig(base);
    for (const n of ['a', 'b', 'c']) doc.upsertSection('profile', n, [['k', n]], { marker: 'keyfob: generated' });
    for (const n of ['b', 'a', 'c']) doc.removeSection({ kind: 'profile', name: n });
    expect(doc.toString()).toBe(base);
    const noFinalNewline = parseConfig('[a]\nk = 1\n\n[b]\nk = 2');
    noFinalNewline.removeSection({ kind: 'other', name: 'b' });
    expect(noFinalNewline.toString()).toBe('[a]\nk = 1');
  });
});

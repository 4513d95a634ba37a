// `keyfob list`'s table: columns line up by the width a terminal shows, and nothing from the
// config can act on the terminal.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatListing } from '../../src/daemon/client/profileList.js';

describe('keyfob list output', () => {
  it('aligns the kind column under wide and combining names, and escapes control characters', () => {
    const out = formatListing([
      { name: 'Dev/Admin', kind: 'sso', source: 'corp/1/Admin' },
      { name: '開発/Admin', kind: 'chain', source: 'Dev/Admin' },
      { name: 'e\u0301/x', kind: 'static', source: '/home/a/.aws/credentials' },
      { name: 'evil\u001b[2J', kind: 'process', source: 'tool' },
    ]);
    const lines = out.trimEnd().split('\n');
    const kindColumn = lines.map((line) => stringWidth(line.slice(0, line.search(/ {2}(sso|chain|static|process) /))));
    expect(new Set(kindColumn).size).toBe(1);
    expect(out).not.toContain('\u001b');
  });
});

describe('keyfob list: a section that only sets defaults', () => {
  it('reads as settings with its keys, with no fix to run', () => {
    const out = formatListing([{ name: 'default', kind: 'settings', source: 'region, output' }]);
    expect(out).toBe('default  settings  region, output\n');
  });
});

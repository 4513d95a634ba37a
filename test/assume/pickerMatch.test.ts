// The picker on a real terminal (tmux), issue 12: `sec ro` (a space is AND) finds and picks
// Security/ReadOnlyAccess, and rows with emoji keep the account id column aligned.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PickerItem } from '../../src/assume/picker.js';
import { startTerminal, tmuxAvailable, type Terminal } from '../helpers/tmux.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const HARNESS = join(HERE, 'pickerHarness.mjs');

const ITEMS: PickerItem[] = [
  { name: 'Security/AdministratorAccess', accountId: '222233334444', roleName: 'AdministratorAccess' },
  { name: 'Launch 🚀/AdministratorAccess', accountId: '555566667777', roleName: 'AdministratorAccess' },
  { name: 'Security/ReadOnlyAccess', accountId: '222233334444', roleName: 'ReadOnlyAccess' },
  { name: 'Checks ✅/ReadOnlyAccess', accountId: '888899990000', roleName: 'ReadOnlyAccess' },
  { name: 'Production/ReadOnlyAccess', accountId: '111122223333', roleName: 'ReadOnlyAccess' },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kf-pickmatch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startPicker(name: string): Promise<{ term: Terminal; result(): string | undefined }> {
  const itemsFile = join(dir, `${name}.json`);
  const resultFile = join(dir, `${name}.result`);
  writeFileSync(itemsFile, JSON.stringify(ITEMS));
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const term = await startTerminal(
    ['sh', '-c', `${q(process.execPath)} ${q(HARNESS)} ${q(itemsFile)} ${q(resultFile)} </dev/null >/dev/null; echo "harness exit=$?"`],
    { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' },
  );
  await term.waitFor(/Profile>/);
  return { term, result: () => (existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : undefined) };
}

describe('the picker on a terminal, issue 12', () => {
  it('reads a space as AND: "sec ro" ranks Security/ReadOnlyAccess first and picks it', async () => {
    tmuxAvailable();
    const picker = await startPicker('and');
    try {
      await picker.term.send('-l', 'sec ro');
      const screen = await picker.term.waitFor(/Profile> sec ro\s[\s\S]*1\/\d of 5/);
      expect(screen).toMatch(/> Security\/ReadOnlyAccess +222233334444 +ReadOnlyAccess/);
      expect(screen).not.toContain('Production/ReadOnlyAccess'); // no "sec" in it
      await picker.term.send('Enter');
      await picker.term.waitFor(/harness exit=0/);
      expect(picker.result()).toBe('PICKED:Security/ReadOnlyAccess');
    } finally {
      await picker.term.close();
    }
  });

  it('ranks a word-start match first: "secro" highlights Security/ReadOnlyAccess', async () => {
    tmuxAvailable();
    const picker = await startPicker('rank');
    try {
      await picker.term.send('-l', 'secro');
      const screen = await picker.term.waitFor(/Profile> secro\s[\s\S]*1\/\d of 5/);
      expect(screen).toMatch(/> Security\/ReadOnlyAccess/);
      expect(screen.indexOf('Security/ReadOnlyAccess')).toBeLessThan(screen.indexOf('Security/AdministratorAccess'));
    } finally {
      await picker.term.close();
    }
  });

  it('measures 🚀 and ✅ as two columns: the account ids stay in one column', async () => {
    tmuxAvailable();
    const picker = await startPicker('width');
    try {
      const screen = await picker.term.waitFor(/Production\/ReadOnlyAccess/);
      // The column where each row's account id starts, in terminal cells.
      const columns = screen
        .split('\n')
        .map((line) => /\d{12}/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => stringWidth(m.input.slice(0, m.index)));
      expect(columns).toHaveLength(ITEMS.length);
      expect(new Set(columns).size, screen).toBe(1);
    } finally {
      await picker.term.close();
    }
  });
});

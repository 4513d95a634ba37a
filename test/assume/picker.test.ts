// The profile picker on a real terminal (tmux): typing filters, arrows move, Enter picks,
// Esc/Ctrl-C/Ctrl-D abort, hostile names are shown escaped, and the terminal is left as it was
// (list erased, raw mode off) on every way out. The harness runs the built picker
// (dist/assume/picker.js), so `npm run build` first.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth, filterRows, pickProfile, visible, type PickerItem } from '../../src/assume/picker.js';
import { listenForKeys, type Key } from '../../src/assume/picker/keys.js';
import { startTerminal, type Terminal } from '../helpers/tmux.js';
import { requirePart } from '../helpers/requirePart.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const HARNESS = join(HERE, 'pickerHarness.mjs');
const BUILT_PICKER = join(HERE, '..', '..', 'dist', 'assume', 'picker.js');

const PROFILES: PickerItem[] = [
  { name: 'Experiments/AdministratorAccess', accountId: '765432109876', roleName: 'AdministratorAccess' },
  { name: 'Experiments/ReadOnlyAccess', accountId: '765432109876', roleName: 'ReadOnlyAccess' },
  { name: 'Production/ReadOnlyAccess', accountId: '111122223333', roleName: 'ReadOnlyAccess' },
  { name: 'Development/AdministratorAccess', accountId: '444455556666', roleName: 'AdministratorAccess' },
];
const HOSTILE_NAME = 'Evil\x1b[2J\x1b[31mRED\nsecond line\u202eRTL';
const HOSTILE: PickerItem[] = [
  ...PROFILES,
  { name: HOSTILE_NAME, accountId: '999988887777', roleName: 'Role\x1b]0;title\x07' },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kf-picker-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunningPicker {
  term: Terminal;
  /** "PICKED:<name>" or "ABORTED", once the picker returned. */
  result(): string | undefined;
  pid(): number;
}

let runs = 0;
/**
 * Starts the harness as the shell shim would run `keyfob assume`: stdin from /dev/null and
 * stdout captured, so the picker must find the terminal itself. Afterwards the shell prints
 * the exit status and the terminal modes.
 */
async function startPicker(items: PickerItem[]): Promise<RunningPicker> {
  if (!existsSync(BUILT_PICKER)) throw new Error(`${BUILT_PICKER} is missing: run npm run build first`);
  const run = ++runs;
  const itemsFile = join(dir, `items-${run}.json`);
  const resultFile = join(dir, `result-${run}`);
  const pidFile = join(dir, `pid-${run}`);
  writeFileSync(itemsFile, JSON.stringify(items));
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const script =
    `${q(process.execPath)} ${q(HARNESS)} ${q(itemsFile)} ${q(resultFile)} ${q(pidFile)} </dev/null >/dev/null; ` +
    `echo "harness exit=$?"; stty -a | tr '\\n' ' ' | grep -o -- '-\\?icanon\\|-\\?echo ' | tr '\\n' ' '; echo`;
  const term = await startTerminal(['sh', '-c', script], { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' });
  await term.waitFor(/Profile>/);
  return {
    term,
    result: () => (existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : undefined),
    pid: () => Number(readFileSync(pidFile, 'utf8')),
  };
}

/** The terminal after the picker ended: the harness's lines, the exit status, sane modes, no list. */
async function expectCleanExit(picker: RunningPicker, exitStatus = 0): Promise<string> {
  const screen = await picker.term.waitFor(/harness exit=\d+[\s\S]*icanon/);
  expect(screen).toContain(`harness exit=${exitStatus}`);
  expect(screen).toMatch(/(^|\s)icanon echo/); // not -icanon/-echo: raw mode was turned off
  if (exitStatus === 0) expect(screen).toContain('after the picker, tty modes: icanon echo'); // off before exit, too
  expect(screen).not.toContain('Profile>');
  expect(screen).not.toMatch(/AdministratorAccess|ReadOnlyAccess|765432109876|Evil/);
  expect(screen).not.toContain('Enter pick');
  return screen;
}

describe('the picker on a terminal', () => {
  it('shows account id and role, filters as you type, moves with Down, and picks with Enter', async (ctx) => {
    requirePart(ctx, 'tmux');
    const picker = await startPicker(PROFILES);
    try {
      const first = await picker.term.waitFor(/Development\/AdministratorAccess/);
      // Given (frecency) order, each name with its account id and role on its line.
      expect(first).toMatch(/> Experiments\/AdministratorAccess +765432109876 +AdministratorAccess/);
      expect(first).toMatch(/ {2}Production\/ReadOnlyAccess +111122223333 +ReadOnlyAccess/);
      const order = ['Experiments/AdministratorAccess', 'Experiments/ReadOnlyAccess', 'Production/ReadOnlyAccess', 'Development/AdministratorAccess'];
      const positions = order.map((name) => first.indexOf(name));
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(first).toContain('1/4');

      await picker.term.send('e', 'x', 'p');
      const filtered = await picker.term.waitFor(/Profile> exp\s[\s\S]*1\/2 of 4/);
      expect(filtered).not.toContain('Production/ReadOnlyAccess');
      expect(filtered).not.toContain('Development/AdministratorAccess');
      await picker.term.send('Down');
      await picker.term.waitFor(/> Experiments\/ReadOnlyAccess[\s\S]*2\/2 of 4/);
      await picker.term.send('Enter');
      const after = await expectCleanExit(picker);
      expect(after).toMatch(/harness: before the picker\nharness: after the picker, tty modes: icanon echo\nharness exit=0/);
      expect(picker.result()).toBe('PICKED:Experiments/ReadOnlyAccess');
    } finally {
      await picker.term.close();
    }
  });

  for (const [label, key] of [
    ['Esc', 'Escape'],
    ['Ctrl-C', 'C-c'],
    ['Ctrl-D', 'C-d'],
  ] as const) {
    it(`${label} aborts, even with a filter typed, and leaves the terminal clean`, async (ctx) => {
      requirePart(ctx, 'tmux');
      const picker = await startPicker(PROFILES);
      try {
        await picker.term.send('p', 'r', 'o', 'd');
        await picker.term.waitFor(/Profile> prod/);
        await picker.term.send(key);
        await expectCleanExit(picker);
        expect(picker.result()).toBe('ABORTED');
      } finally {
        await picker.term.close();
      }
    });
  }

  it('shows hostile names escaped on one line each, without acting on them, and returns them exactly', async (ctx) => {
    requirePart(ctx, 'tmux');
    const picker = await startPicker(HOSTILE);
    try {
      const screen = await picker.term.waitFor(/999988887777/);
      // \x1b[2J would have cleared the screen; the line before the picker is still there.
      expect(screen).toContain('harness: before the picker');
      const row = screen.split('\n').find((line) => line.includes('999988887777'))!;
      expect(row).toContain('Evil\\x1b[2J\\x1b[31mRED\\nsecond line\\u{202e}RTL');
      expect(row).toContain('Role\\x1b]0;title\\x07');
      expect(screen).not.toMatch(/^second line/m);
      // The rows around it are intact.
      expect(screen).toMatch(/Development\/AdministratorAccess +444455556666 +AdministratorAccess/);
      expect(screen).toContain(' 1/5 ');

      await picker.term.send('E', 'v', 'i', 'l');
      await picker.term.waitFor(/> Evil\\x1b/);
      await picker.term.send('Enter');
      await expectCleanExit(picker);
      expect(picker.result()).toBe(`PICKED:${HOSTILE_NAME}`);
    } finally {
      await picker.term.close();
    }
  });

  it('shows at most 15 rows that scroll with the selection; Up wraps, PageDown, Ctrl-N/Ctrl-P move', async (ctx) => {
    requirePart(ctx, 'tmux');
    const items = Array.from({ length: 40 }, (_, i) => ({ name: `Account-${String(i).padStart(2, '0')}/Role`, accountId: String(100000000000 + i), roleName: 'Role' }));
    const picker = await startPicker(items);
    const rowsShown = (screen: string) => screen.split('\n').filter((line) => /Account-\d\d\/Role/.test(line));
    try {
      const first = await picker.term.waitFor(/1\/40/);
      expect(rowsShown(first)).toHaveLength(15);
      expect(first).toContain('Account-14/Role');
      expect(first).not.toContain('Account-15/Role');

      await picker.term.send('Up'); // wraps to the last
      const last = await picker.term.waitFor(/40\/40/);
      expect(rowsShown(last)).toHaveLength(15);
      expect(last).toMatch(/> Account-39\/Role/);
      expect(last).not.toContain('Account-24/Role');

      await picker.term.send('Home', 'PageDown');
      await picker.term.waitFor(/> Account-15\/Role[\s\S]*16\/40/);
      await picker.term.send('C-n', 'C-n', 'C-p');
      await picker.term.waitFor(/> Account-16\/Role[\s\S]*17\/40/);
      await picker.term.send('PageUp');
      await picker.term.waitFor(/> Account-01\/Role[\s\S]*2\/40/);
      await picker.term.send('Enter');
      await expectCleanExit(picker);
      expect(picker.result()).toBe('PICKED:Account-01/Role');
    } finally {
      await picker.term.close();
    }
  });

  it('types multi-byte characters, deletes with Backspace, and Enter with no match does nothing', async (ctx) => {
    requirePart(ctx, 'tmux');
    const picker = await startPicker([
      { name: 'Cafe/Admin', accountId: '111111111111', roleName: 'Admin' },
      { name: 'Café/Admin', accountId: '222222222222', roleName: 'Admin' },
      { name: '東京/Admin', accountId: '333333333333', roleName: 'Admin' },
    ]);
    try {
      await picker.term.send('-l', 'é');
      const accented = await picker.term.waitFor(/Profile> é[\s\S]*1\/1 of 3/);
      expect(accented).toMatch(/> Café\/Admin +222222222222/);
      await picker.term.send('z', 'z');
      await picker.term.waitFor(/Profile> ézz[\s\S]*no match/);
      // Nothing to pick: Enter leaves it open. The Backspace after it shows once both were read.
      await picker.term.send('Enter');
      await picker.term.send('BSpace');
      await picker.term.waitFor(/Profile> éz(?!z)/);
      expect(picker.result()).toBeUndefined();
      await picker.term.send('BSpace', 'BSpace');
      await picker.term.waitFor(/Profile>\s*\n[\s\S]*1\/3/);
      await picker.term.send('-l', '東');
      const wide = await picker.term.waitFor(/Profile> 東[\s\S]*1\/1 of 3/);
      await picker.term.send('BSpace');
      const all = await picker.term.waitFor(/Profile>\s*\n[\s\S]*1\/3/);
      // Wide characters take two columns: the account id column stays aligned.
      const columnOf = (screen: string, id: string) => {
        const line = screen.split('\n').find((l) => l.includes(id))!;
        return displayWidth(line.slice(0, line.indexOf(id)));
      };
      expect(columnOf(all, '333333333333')).toBe(columnOf(all, '111111111111'));
      expect(columnOf(wide, '333333333333')).toBe(columnOf(all, '111111111111'));
      await picker.term.send('Escape');
      await expectCleanExit(picker);
      expect(picker.result()).toBe('ABORTED');
    } finally {
      await picker.term.close();
    }
  });

  it('cuts long names to the terminal width, keeping the account id on the row', async (ctx) => {
    requirePart(ctx, 'tmux');
    const long = `Very${'-long'.repeat(100)}/Admin`;
    const picker = await startPicker([{ name: long, accountId: '123456789012', roleName: `Role${'X'.repeat(300)}` }, ...PROFILES]);
    try {
      const screen = await picker.term.waitFor(/123456789012/);
      const row = screen.split('\n').find((line) => line.includes('123456789012'))!;
      expect(row).toMatch(/^> Very(-long)+-lo?n?g?…  123456789012  RoleX+…$/);
      expect(displayWidth(row)).toBeLessThan(200);
      expect(screen).toMatch(/Experiments\/AdministratorAccess +765432109876/);
      await picker.term.send('Enter');
      await expectCleanExit(picker);
      expect(picker.result()).toBe(`PICKED:${long}`);
    } finally {
      await picker.term.close();
    }
  });

  it('puts the terminal back when killed with SIGTERM while open', async (ctx) => {
    requirePart(ctx, 'tmux');
    const picker = await startPicker(PROFILES);
    try {
      await picker.term.waitFor(/Development\/AdministratorAccess/);
      process.kill(picker.pid(), 'SIGTERM');
      await expectCleanExit(picker, 143); // still dies of the signal
      expect(picker.result()).toBeUndefined();
    } finally {
      await picker.term.close();
    }
  });
});

describe('the picker without a terminal', () => {
  it('resolves undefined when there is no controlling terminal', async () => {
    // setsid-like: a child with no controlling terminal cannot open /dev/tty.
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(
      'setsid',
      ['-w', process.execPath, '--input-type=module', '-e', `import { pickProfile } from ${JSON.stringify(BUILT_PICKER)}; console.log(String(await pickProfile([{ name: 'a' }])));`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out.trim()).toBe('undefined');
  });

  it('runs on given streams, and resolves undefined for no items', async () => {
    expect(await pickProfile([])).toBeUndefined();
    const input = new PassThrough() as unknown as NodeJS.ReadStream;
    let drawn = '';
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        drawn += chunk.toString();
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const picking = pickProfile(PROFILES, { input, output, prompt: 'Pick: ' });
    (input as unknown as PassThrough).write('read');
    (input as unknown as PassThrough).write('\x1b[B'); // Down, as its own chunk
    (input as unknown as PassThrough).write('\x1b'); // the start of Up, split across chunks
    (input as unknown as PassThrough).write('[A\x0e\r');
    // "read" ranks the two ReadOnlyAccess profiles first (in given order); Down, Up, Ctrl-N: the second.
    expect(await picking).toBe('Production/ReadOnlyAccess');
    expect(drawn).toContain('Pick: read');
    expect(drawn.endsWith('\r\x1b[J\x1b[0m\x1b[?7h\x1b[?25h')).toBe(true);
  });
});

describe('picker pieces', () => {
  it('decodes keys: arrows vs a lone Esc, split sequences, pasted text, multi-byte characters, controls', async () => {
    const input = new PassThrough();
    const keys: Key[] = [];
    const stop = listenForKeys(input as unknown as NodeJS.ReadStream, (chunk) => keys.push(...chunk));
    const typed = async (chunks: string[]) => {
      keys.length = 0;
      for (const chunk of chunks) input.write(Buffer.from(chunk));
      await new Promise((resolve) => setTimeout(resolve, 100)); // past the lone-Esc wait
      return keys.slice();
    };
    expect(await typed(['\x1b'])).toEqual([{ kind: 'abort' }]); // a lone Esc, after the wait
    expect(await typed(['\x1b', '[A'])).toEqual([{ kind: 'up' }]); // an arrow split across chunks
    expect(await typed(['\x1bOB', '\x1b[5~', '\x1b[6~', '\x1b[1;5A', '\x1b[H', '\x1b[F'])).toEqual(
      [{ kind: 'down' }, { kind: 'pageUp' }, { kind: 'pageDown' }, { kind: 'up' }, { kind: 'home' }, { kind: 'end' }],
    );
    const pasted = await typed(['Exp/Admin é東🙂\r']);
    expect(pasted.filter((k) => k.kind === 'text').map((k) => (k as { text: string }).text).join('')).toBe('Exp/Admin é東🙂');
    expect(pasted.at(-1)).toEqual({ kind: 'enter' });
    expect(await typed(['\x7f', '\x03', '\x04', '\x10', '\x0e', '\x15', '\x17'])).toEqual([
      { kind: 'backspace' }, { kind: 'abort' }, { kind: 'abort' }, { kind: 'up' }, { kind: 'down' }, { kind: 'clear' }, { kind: 'deleteWord' },
    ]);
    expect(await typed(['\u202eabc', '\x01', '\t', '\x1bx'])).toEqual(['a', 'b', 'c'].map((text) => ({ kind: 'text', text }))); // never typed into the filter
    stop();
  });

  it('shows invisible and control characters as escapes', () => {
    expect(visible('a\x1b[2J\nb\tc\rd\x7f\x9b\u202e\u200b\u2028\ud800e')).toBe(
      'a\\x1b[2J\\nb\\tc\\rd\\x7f\\x9b\\u{202e}\\u{200b}\\u{2028}\\u{d800}e',
    );
    expect(visible('Café/東京 🙂')).toBe('Café/東京 🙂');
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('東京')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('keeps the given order with no filter, and orders by fuzzy score (ties in given order) with one', () => {
    const rows = [{ name: 'Production/ReadOnlyAccess' }, { name: 'prod' }, { name: 'Experiments/AdministratorAccess' }, { name: 'Prod/Admin' }];
    expect(filterRows(rows, '')).toBe(rows);
    expect(filterRows(rows, 'prod').map((r) => r.name)).toEqual(['prod', 'Production/ReadOnlyAccess', 'Prod/Admin']);
    expect(filterRows([{ name: 'x', accountId: '765432109876' }, { name: 'y', roleName: 'ReadOnly' }], '7654').map((r) => r.name)).toEqual(['x']);
    expect(filterRows([{ name: 'x', roleName: 'ReadOnly' }], 'readonly').map((r) => r.name)).toEqual(['x']);
  });
});

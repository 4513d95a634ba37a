// The fuzzy profile picker `assume` opens when it gets no profile: a filter line and up to 15
// rows drawn below the cursor on the terminal, erased again on exit.
//
// It talks to the controlling terminal (/dev/tty) itself, because in the shell shim stdout is
// captured by `eval "$(…)"` and stdin may be redirected. Names come from the server and from
// the user's config, so they are hostile: control, bidi and other invisible characters are shown
// as escapes, and every row is cut to the terminal width.
import { openSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ReadStream, WriteStream } from 'node:tty';
import stringWidth from 'string-width';
import { rankMatches } from '../fuzzyMatch.js';
import { visible } from '../terminalText.js';

export { visible };

export interface PickerItem {
  name: string;
  accountId?: string;
  roleName?: string;
}

export interface PickerOptions {
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
  prompt?: string;
}

const MAX_VISIBLE_ROWS = 15;
/** How long a lone ESC waits for the rest of an arrow key's sequence before it means Esc. */
const ESC_TIMEOUT_MS = 40;
const DEFAULT_PROMPT = 'Profile> ';
const CLEANUP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const CSI = '\x1b[';
const ERASE_DOWN = `\r${CSI}J`;
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;
// With auto-wrap off a row we measured too narrow is clipped by the terminal instead of
// wrapping, which would throw off the line count we move the cursor back by.
const WRAP_OFF = `${CSI}?7l`;
const WRAP_ON = `${CSI}?7h`;
const REVERSE = `${CSI}7m`;
const DIM = `${CSI}2m`;
const RESET = `${CSI}0m`;

/**
 * Resolves the picked name, or undefined when the user aborts (Esc, Ctrl-C, Ctrl-D), there is
 * no TTY, or there are no items. `items` come in frecency order. Without streams it opens
 * /dev/tty; given streams are used as they are (raw mode only if the input is a TTY).
 */
export async function pickProfile(items: PickerItem[], opts: PickerOptions = {}): Promise<string | undefined> {
  if (items.length === 0) return undefined;
  const terminal = openTerminal(opts);
  if (!terminal) return undefined;
  return new Picker(items.map(toRow), terminal, opts.prompt ?? DEFAULT_PROMPT).run();
}

interface Terminal {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Closes what openTerminal opened itself; leaves the caller's streams open. */
  close(): void;
}

function openTerminal(opts: PickerOptions): Terminal | undefined {
  const opened: Array<ReadStream | WriteStream> = [];
  try {
    let input = opts.input;
    if (!input) {
      input = new ReadStream(openSync('/dev/tty', 'r'));
      opened.push(input as ReadStream);
    }
    let output = opts.output;
    if (!output) {
      output = new WriteStream(openSync('/dev/tty', 'w'));
      opened.push(output as WriteStream);
    }
    return { input, output, close: () => opened.forEach((stream) => stream.destroy()) };
  } catch {
    opened.forEach((stream) => stream.destroy());
    return undefined; // no controlling terminal (a daemon, CI, `setsid`)
  }
}

interface Row {
  name: string;
  accountId: string;
  roleName: string;
  /** The columns as they are safe to print, and their display widths. */
  shownName: string;
  shownAccountId: string;
  shownRoleName: string;
  nameWidth: number;
  accountIdWidth: number;
}

function toRow(item: PickerItem): Row {
  const shownName = visible(item.name);
  const shownAccountId = visible(item.accountId ?? '');
  return {
    name: item.name,
    accountId: item.accountId ?? '',
    roleName: item.roleName ?? '',
    shownName,
    shownAccountId,
    shownRoleName: visible(item.roleName ?? ''),
    nameWidth: displayWidth(shownName),
    accountIdWidth: displayWidth(shownAccountId),
  };
}

type Key =
  | { kind: 'text'; text: string }
  | { kind: 'backspace' | 'clear' | 'deleteWord' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'enter' | 'abort' };

class Picker {
  private filter = '';
  private matches: Row[];
  private selected = 0;
  private top = 0;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private escTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private finish: (picked: string | undefined) => void = () => undefined;
  private fail: (err: unknown) => void = () => undefined;
  private readonly wasRaw: boolean;
  private readonly wasFlowing: boolean | null;

  constructor(
    private readonly rows: Row[],
    private readonly terminal: Terminal,
    private readonly prompt: string,
  ) {
    this.matches = rows;
    this.wasRaw = terminal.input.isRaw ?? false;
    this.wasFlowing = terminal.input.readableFlowing;
  }

  run(): Promise<string | undefined> {
    return new Promise<string | undefined>((resolve, reject) => {
      this.finish = (picked) => {
        if (this.finished) return;
        this.restore();
        resolve(picked);
      };
      this.fail = (err) => {
        if (this.finished) return;
        this.restore();
        reject(err);
      };
      try {
        this.attach();
        this.render();
      } catch (err) {
        this.fail(err);
      }
    });
  }

  private readonly onData = (chunk: Buffer | string): void => {
    try {
      this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
      this.consumeInput(false);
    } catch (err) {
      this.fail(err);
    }
  };

  private readonly onEnd = (): void => this.finish(undefined);
  private readonly onError = (err: unknown): void => this.fail(err);
  private readonly onResize = (): void => {
    try {
      this.render();
    } catch (err) {
      this.fail(err);
    }
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.finish(undefined);
    // We only listened to put the terminal back; when nobody else handles the signal, die of
    // it as the process would have without us.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  /** Last resort when something calls process.exit() while the picker is open. */
  private readonly onExit = (): void => this.restore();

  private attach(): void {
    const { input, output } = this.terminal;
    if (input.isTTY) input.setRawMode(true);
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.on('error', this.onError);
    input.resume();
    output.on('error', this.onError);
    process.on('SIGWINCH', this.onResize);
    for (const signal of CLEANUP_SIGNALS) process.on(signal, this.onSignal);
    process.on('exit', this.onExit);
    output.write(WRAP_OFF);
  }

  /** Idempotent and synchronous, so it is safe from 'exit' and signal handlers. */
  private restore(): void {
    if (this.finished) return;
    this.finished = true;
    const { input, output } = this.terminal;
    clearTimeout(this.escTimer);
    process.off('SIGWINCH', this.onResize);
    for (const signal of CLEANUP_SIGNALS) process.off(signal, this.onSignal);
    process.off('exit', this.onExit);
    input.off('data', this.onData);
    input.off('end', this.onEnd);
    try {
      if (input.isTTY) input.setRawMode(this.wasRaw);
    } catch {
      // the terminal is gone
    }
    if (this.wasFlowing !== true) input.pause();
    try {
      output.write(`${ERASE_DOWN}${RESET}${WRAP_ON}${SHOW_CURSOR}`);
    } catch {
      // the terminal is gone
    }
    this.terminal.close();
    // Late errors from streams we closed must not crash the process.
    input.off('error', this.onError);
    output.off('error', this.onError);
    input.on('error', () => undefined);
    output.on('error', () => undefined);
  }

  /** Splits `pending` into keys; an incomplete escape sequence waits (`flushEscape` forces it). */
  private consumeInput(flushEscape: boolean): void {
    clearTimeout(this.escTimer);
    let changed = false;
    while (this.pending.length > 0 && !this.finished) {
      const parsed = parseKey(this.pending, flushEscape);
      if (!parsed) {
        // Part of an escape sequence: a lone ESC is the Esc key unless more follows soon.
        this.escTimer = setTimeout(() => this.consumeInput(true), ESC_TIMEOUT_MS);
        break;
      }
      this.pending = this.pending.slice(parsed.length);
      if (parsed.key && this.apply(parsed.key)) changed = true;
    }
    if (changed && !this.finished) this.render();
  }

  /** Applies one key; true when the screen needs redrawing. */
  private apply(key: Key): boolean {
    const visibleRows = this.visibleRowCount();
    switch (key.kind) {
      case 'text':
        return this.setFilter(this.filter + key.text);
      case 'backspace':
        return this.setFilter(dropLastGrapheme(this.filter));
      case 'deleteWord':
        return this.setFilter(this.filter.replace(/\S*\s*$/u, ''));
      case 'clear':
        return this.setFilter('');
      case 'up':
        return this.select(this.selected - 1);
      case 'down':
        return this.select(this.selected + 1);
      case 'pageUp':
        return this.select(Math.max(0, this.selected - visibleRows));
      case 'pageDown':
        return this.select(Math.min(this.matches.length - 1, this.selected + visibleRows));
      case 'home':
        return this.select(0);
      case 'end':
        return this.select(this.matches.length - 1);
      case 'enter': {
        const picked = this.matches[this.selected];
        if (picked) this.finish(picked.name);
        return false; // with no match, Enter does nothing
      }
      case 'abort':
        this.finish(undefined);
        return false;
    }
  }

  private setFilter(filter: string): boolean {
    if (filter === this.filter) return false;
    this.filter = filter;
    this.matches = filterRows(this.rows, filter);
    this.selected = 0;
    this.top = 0;
    return true;
  }

  /** Moves the highlight, wrapping around at either end as arrows do in most pickers. */
  private select(index: number): boolean {
    const count = this.matches.length;
    if (count === 0) return false;
    this.selected = ((index % count) + count) % count;
    return true;
  }

  private size(): { columns: number; rows: number } {
    const { output } = this.terminal;
    if (output.isTTY) {
      try {
        // Read afresh: only process.stdout/stderr get their size refreshed on SIGWINCH.
        const [columns, rows] = output.getWindowSize();
        if (columns > 0 && rows > 0) return { columns, rows };
      } catch {
        // fall through
      }
    }
    return { columns: output.columns || 80, rows: output.rows || 24 };
  }

  private visibleRowCount(): number {
    // The filter line and the status line need room too.
    return Math.max(1, Math.min(MAX_VISIBLE_ROWS, this.size().rows - 2));
  }

  private render(): void {
    if (this.finished) return;
    const { columns } = this.size();
    // One column spare: writing the last column leaves some terminals in a pending wrap.
    const width = Math.max(10, columns - 1);
    const visibleRows = this.visibleRowCount();
    if (this.selected < this.top) this.top = this.selected;
    if (this.selected >= this.top + visibleRows) this.top = this.selected - visibleRows + 1;
    this.top = Math.max(0, Math.min(this.top, this.matches.length - visibleRows));

    const layout = columnLayout(this.rows, width);
    const lines: string[] = [];
    for (let i = this.top; i < Math.min(this.matches.length, this.top + visibleRows); i++) {
      const row = this.matches[i]!;
      const isSelected = i === this.selected;
      const text = fit(
        `${isSelected ? '> ' : '  '}${pad(row.shownName, row.nameWidth, layout.name)}  ` +
          `${pad(row.shownAccountId, row.accountIdWidth, layout.accountId)}  ${row.shownRoleName}`,
        width,
      );
      lines.push(isSelected ? `${REVERSE}${text.text}${' '.repeat(width - text.width)}${RESET}` : text.text);
    }
    const status = this.matches.length === 0 ? 'no match' : `${this.selected + 1}/${this.matches.length}`;
    const total = this.matches.length === this.rows.length ? '' : ` of ${this.rows.length}`;
    lines.push(`${DIM}${fit(`  ${status}${total}  (↑↓ move, Enter pick, Esc cancel)`, width).text}${RESET}`);

    // The filter line: show the end of a long filter, the part being typed.
    const promptText = fit(visible(this.prompt), Math.floor(width / 2));
    const filterText = fitEnd(visible(this.filter), width - promptText.width);
    const cursorColumn = promptText.width + filterText.width;

    // Every frame starts and ends with the cursor on the filter line.
    let frame = HIDE_CURSOR + ERASE_DOWN + promptText.text + filterText.text;
    for (const line of lines) frame += `\r\n${line}`;
    frame += `${CSI}${lines.length}A\r${cursorColumn > 0 ? `${CSI}${cursorColumn}C` : ''}${SHOW_CURSOR}`;
    this.terminal.output.write(frame);
  }
}

/**
 * With no filter, the given (frecency) order. Else the rows every space-separated term matches
 * (in the name, account id or role), best match first (word starts, runs), ties in the given order.
 */
export function filterRows<T extends { name: string; accountId?: string; roleName?: string }>(rows: T[], filter: string): T[] {
  if (filter.trim() === '') return rows;
  return rankMatches(filter, rows, (row) => [row.name, row.accountId ?? '', row.roleName ?? '']);
}

/**
 * Column widths for the name and account id, from all rows so columns stay put while the
 * filter changes; a long name gets at most about 60% of the line.
 */
function columnLayout(rows: Row[], width: number): { name: number; accountId: number } {
  let longestName = 0;
  let longestAccountId = 0;
  for (const row of rows) {
    if (row.nameWidth > longestName) longestName = row.nameWidth;
    if (row.accountIdWidth > longestAccountId) longestAccountId = row.accountIdWidth;
  }
  return {
    name: Math.min(longestName, Math.max(8, Math.floor(width * 0.6))),
    accountId: Math.min(longestAccountId, 16),
  };
}

/** `text` cut or padded to exactly `width` columns. */
function pad(text: string, textWidth: number, width: number): string {
  if (textWidth <= width) return text + ' '.repeat(width - textWidth);
  const cut = fit(text, width);
  return cut.text + ' '.repeat(width - cut.width);
}

// --- Input -------------------------------------------------------------------------------------

/**
 * The first key in `data` and how many UTF-16 units it used; `undefined` when `data` is only
 * the start of an escape sequence (unless `flushEscape`). `key` is absent for input we ignore.
 */
export function parseKey(data: string, flushEscape = false): { key?: Key; length: number } | undefined {
  const first = data[0]!;
  if (first === '\x1b') return parseEscape(data, flushEscape);
  switch (first) {
    case '\r':
    case '\n':
      return { key: { kind: 'enter' }, length: 1 };
    case '\x7f':
    case '\b':
      return { key: { kind: 'backspace' }, length: 1 };
    case '\x03': // Ctrl-C
    case '\x04': // Ctrl-D
      return { key: { kind: 'abort' }, length: 1 };
    case '\x10': // Ctrl-P
      return { key: { kind: 'up' }, length: 1 };
    case '\x0e': // Ctrl-N
      return { key: { kind: 'down' }, length: 1 };
    case '\x15': // Ctrl-U
      return { key: { kind: 'clear' }, length: 1 };
    case '\x17': // Ctrl-W
      return { key: { kind: 'deleteWord' }, length: 1 };
  }
  // A run of printable text (a paste arrives as one chunk) is one key.
  const text = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]+/u.exec(data)?.[0];
  if (text) return { key: { kind: 'text', text }, length: text.length };
  // Another control or invisible character: ignored, never added to the filter.
  return { length: String.fromCodePoint(data.codePointAt(0)!).length };
}

function parseEscape(data: string, flushEscape: boolean): { key?: Key; length: number } | undefined {
  if (data.length === 1) return flushEscape ? { key: { kind: 'abort' }, length: 1 } : undefined;
  const second = data[1];
  if (second === '[') {
    // CSI: parameter bytes, intermediate bytes, then one final byte.
    const match = /^\x1b\[([0-?]*)[ -/]*([@-~])/.exec(data);
    if (!match) {
      if (/^\x1b\[[0-?]*[ -/]*$/.test(data) && !flushEscape) return undefined; // more to come
      return { length: data.length }; // garbage: drop it
    }
    return { key: csiKey(match[1]!, match[2]!), length: match[0].length };
  }
  if (second === 'O') {
    // SS3, which arrow keys send in application cursor mode.
    if (data.length === 2) return flushEscape ? { length: 2 } : undefined;
    return { key: ss3Key(data[2]!), length: 3 };
  }
  if (second === '\x1b') return { key: { kind: 'abort' }, length: 1 }; // Esc pressed twice
  // Alt+key: not bound; drop the ESC and the key.
  return { length: 1 + String.fromCodePoint(data.codePointAt(1)!).length };
}

/** The final byte of an arrow/Home/End sequence, the same after CSI (`ESC [`) and SS3 (`ESC O`). */
const CURSOR_KEYS: Record<string, Key> = { A: { kind: 'up' }, B: { kind: 'down' }, H: { kind: 'home' }, F: { kind: 'end' } };
/** `ESC [ N ~` keys, by N. */
const TILDE_KEYS: Record<string, Key> = {
  '1': { kind: 'home' },
  '7': { kind: 'home' },
  '4': { kind: 'end' },
  '8': { kind: 'end' },
  '5': { kind: 'pageUp' },
  '6': { kind: 'pageDown' },
};

function csiKey(params: string, final: string): Key | undefined {
  return final === '~' ? TILDE_KEYS[params.split(';')[0]] : CURSOR_KEYS[final];
}

function ss3Key(final: string): Key | undefined {
  return CURSOR_KEYS[final];
}

// --- Safe text ---------------------------------------------------------------------------------

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Columns a string takes on a terminal (east Asian wide characters and emoji such as 🚀 and ✅
 * take two), from string-width, which follows Unicode's East Asian Width and emoji data.
 * Only for text already made safe by visible(): it has no control characters.
 */
export function displayWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  return stringWidth(text, { countAnsiEscapeCodes: true });
}

function graphemeWidth(grapheme: string): number {
  return displayWidth(grapheme);
}

/** The start of `text` that fits in `width` columns, with "…" when something was cut. */
function fit(text: string, width: number): { text: string; width: number } {
  const total = displayWidth(text);
  if (total <= width) return { text, width: total };
  if (width <= 0) return { text: '', width: 0 };
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return { text: out + '…', width: used + 1 };
}

/** The end of `text` that fits in `width` columns, with "…" in front when something was cut. */
function fitEnd(text: string, width: number): { text: string; width: number } {
  const total = displayWidth(text);
  if (total <= width) return { text, width: total };
  if (width <= 0) return { text: '', width: 0 };
  const parts = [...graphemes.segment(text)].map((s) => s.segment);
  let out = '';
  let used = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    const w = graphemeWidth(parts[i]!);
    if (used + w > width - 1) break;
    out = parts[i] + out;
    used += w;
  }
  return { text: '…' + out, width: used + 1 };
}

function dropLastGrapheme(text: string): string {
  let lastStart = 0;
  for (const { index } of graphemes.segment(text)) lastStart = index;
  return text.slice(0, lastStart);
}

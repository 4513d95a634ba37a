// The fuzzy profile picker `assume` opens when it gets no profile: a filter line and up to 15
// rows drawn below the cursor on the terminal, erased again on exit. Here: the picker's state
// and event loop; ./session.ts owns the terminal, ./keys.ts decodes keys, ./layout.ts draws.
import { visible } from '../../core/terminalText.js';
import { listenForKeys, type Key } from './keys.js';
import { displayWidth, dropLastGrapheme, drawFrame, filterRows, toRow, type PickerItem, type Row } from './layout.js';
import { CLEANUP_SIGNALS, ERASE_DOWN, RESET, SHOW_CURSOR, WRAP_OFF, WRAP_ON, openTerminal, type PickerStreams, type Terminal } from './session.js';

export { displayWidth, filterRows, visible, type PickerItem };

export interface PickerOptions extends PickerStreams {
  prompt?: string;
}

const MAX_VISIBLE_ROWS = 15;
const DEFAULT_PROMPT = 'Profile> ';

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

export class Picker {
  filter = '';
  matches: Row[];
  selected = 0;
  top = 0;
  private stopKeys: () => void = () => undefined;
  private finished = false;
  private finish: (picked: string | undefined) => void = () => undefined;
  private fail: (err: unknown) => void = () => undefined;
  private readonly wasRaw: boolean;
  private readonly wasFlowing: boolean | null;

  constructor(
    readonly rows: Row[],
    private readonly terminal: Terminal,
    readonly prompt: string,
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

  /** The keys of one chunk of input; one redraw for all of them (a paste). */
  private readonly onKeys = (keys: Key[]): void => {
    try {
      let changed = false;
      for (const key of keys) if (!this.finished && this.apply(key)) changed = true;
      if (changed && !this.finished) this.render();
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
    this.stopKeys = listenForKeys(input, this.onKeys);
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
    process.off('SIGWINCH', this.onResize);
    for (const signal of CLEANUP_SIGNALS) process.off(signal, this.onSignal);
    process.off('exit', this.onExit);
    this.stopKeys();
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
    const { frame, top } = drawFrame(this, this.size(), this.visibleRowCount());
    this.top = top;
    this.terminal.output.write(frame);
  }

}


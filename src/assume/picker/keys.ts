// The picker's keys. Node's readline decodes the terminal's bytes (escape sequences split across
// chunks, UTF-8, a lone ESC after a short wait); here its keypress events become picker keys.
import { emitKeypressEvents } from 'node:readline';

/** How long a lone ESC waits for the rest of an arrow key's sequence before it means Esc. */
export const ESC_TIMEOUT_MS = 40;

export type Key =
  | { kind: 'text'; text: string }
  | { kind: 'backspace' | 'clear' | 'deleteWord' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'enter' | 'abort' };

/** What readline's 'keypress' event carries besides the text. */
export interface Keypress {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  sequence?: string;
}

const NAMED: Record<string, Key> = {
  return: { kind: 'enter' },
  enter: { kind: 'enter' },
  backspace: { kind: 'backspace' },
  escape: { kind: 'abort' },
  up: { kind: 'up' },
  down: { kind: 'down' },
  pageup: { kind: 'pageUp' },
  pagedown: { kind: 'pageDown' },
  home: { kind: 'home' },
  end: { kind: 'end' },
};

const CTRL: Record<string, Key> = {
  c: { kind: 'abort' },
  d: { kind: 'abort' },
  p: { kind: 'up' },
  n: { kind: 'down' },
  u: { kind: 'clear' },
  w: { kind: 'deleteWord' },
};

/** The picker key for one keypress; undefined for input we ignore (Alt+key, Tab, controls, invisible characters). */
export function keyFor(text: string | undefined, key: Keypress | undefined): Key | undefined {
  const name = key?.name;
  if (key?.ctrl && name && name in CTRL) return CTRL[name];
  if (name && name in NAMED && (!key?.meta || name === 'escape')) return NAMED[name]; // Ctrl+arrow too: the arrow
  if (key?.meta || key?.ctrl) return undefined;
  // Printable text only: never a control, format or separator character in the filter.
  if (text && /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]+$/u.test(text)) return { kind: 'text', text };
  return undefined;
}

/**
 * Calls `onKeys` with the keys of each chunk typed on `input` (a paste is one call, so one
 * redraw), and with a lone Esc when its wait ends, until the returned function is called.
 */
export function listenForKeys(input: NodeJS.ReadableStream, onKeys: (keys: Key[]) => void): () => void {
  // readline reads only escapeCodeTimeout from the interface (and sets two flags on it).
  emitKeypressEvents(input, { escapeCodeTimeout: ESC_TIMEOUT_MS } as unknown as Parameters<typeof emitKeypressEvents>[1]);
  let chunk: Key[] | undefined;
  const chunkStarts = () => {
    chunk = [];
  };
  const onKeypress = (text: string | undefined, key: Keypress | undefined) => {
    const mapped = keyFor(text, key);
    if (!mapped) return;
    if (chunk) chunk.push(mapped);
    else onKeys([mapped]); // from readline's Esc timer
  };
  const chunkEnds = () => {
    const keys = chunk ?? [];
    chunk = undefined;
    if (keys.length > 0) onKeys(keys);
  };
  // readline's own 'data' listener, added with the first 'keypress' listener, runs between these two.
  input.prependListener('data', chunkStarts);
  input.on('keypress', onKeypress);
  input.on('data', chunkEnds);
  return () => {
    input.off('data', chunkStarts);
    input.off('keypress', onKeypress);
    input.off('data', chunkEnds);
  };
}

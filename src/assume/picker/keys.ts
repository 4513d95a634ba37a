// The picker's keys: terminal input split into keys. Raw-mode input arrives in chunks that
// may split an escape sequence, so a lone ESC waits ESC_TIMEOUT_MS for the rest.

/** How long a lone ESC waits for the rest of an arrow key's sequence before it means Esc. */
export const ESC_TIMEOUT_MS = 40;

export type Key =
  | { kind: 'text'; text: string }
  | { kind: 'backspace' | 'clear' | 'deleteWord' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'enter' | 'abort' };

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


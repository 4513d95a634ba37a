// A credential_process line split into words exactly as botocore's compat_shell_split splits it
// (the AWS CLI and every SDK built on botocore run the result without a shell): shlex.split on
// POSIX, the Windows C runtime's rules on Windows. shlexSplit also splits config section headers
// as botocore does (config/ini/dialect.ts); this file imports nothing from the layers above it.
import { ConfigError } from './errors.js';

/** shlex.split (POSIX mode, no comments), or undefined where Python would raise. */
export function shlexSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word += s.slice(i + 1, close);
      i = close;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '\\"'.includes(s[j + 1])) j++;
        word += s[j];
      }
      if (j >= s.length) return undefined;
      i = j;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= s.length) return undefined;
      word += s[++i];
      inWord = true;
    } else if (' \t\r\n'.includes(c)) { // shlex.whitespace
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export function splitCommandLine(line: string): string[] {
  const words = process.platform === 'win32' ? windowsShellSplit(line) : shlexSplit(line);
  if (words === undefined) {
    throw new ConfigError(`cannot split ${JSON.stringify(line)} into words as the AWS CLI does (an unclosed quote or a trailing backslash); fix the quoting`);
  }
  return words;
}

/**
 * botocore's _windows_shell_split: space and tab delimit, only double quotes quote, and
 * backslashes are literal unless a run of them leads up to a double quote. Undefined where
 * botocore raises (an unclosed quote).
 */
export function windowsShellSplit(line: string): string[] | undefined {
  const words: string[] = [];
  let word: string[] = [];
  let quoted = false;
  let backslashes = 0;
  const flushBackslashes = () => {
    if (backslashes > 0) word.push('\\'.repeat(backslashes));
    backslashes = 0;
  };
  for (const c of line) {
    if (c === '\\') {
      backslashes++;
    } else if (c === '"') {
      if (backslashes > 0) {
        word.push('\\'.repeat(Math.floor(backslashes / 2)));
        const escaped = backslashes % 2 === 1;
        backslashes = 0;
        if (escaped) {
          word.push('"');
          continue;
        }
      }
      quoted = !quoted;
      word.push(''); // keeps "" as an empty word
    } else if ((c === ' ' || c === '\t') && !quoted) {
      flushBackslashes();
      if (word.length > 0) words.push(word.join(''));
      word = [];
    } else {
      flushBackslashes();
      word.push(c);
    }
  }
  if (quoted) return undefined;
  flushBackslashes();
  if (word.length > 0) words.push(word.join(''));
  return words;
}

/** Characters that need no quoting in POSIX sh, in Python's shlex.split, or in fish. */
export const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for POSIX sh (bash, zsh, dash) that Python's shlex.split (botocore's
 * credential_process splitting) reads back identically: single quotes, with `'` as `'\''`.
 * Every path in a command keyfob prints for a person to paste goes through it too: macOS paths
 * have "Application Support" in them.
 */
export function quotePosix(value: string, opts: { always?: boolean } = {}): string {
  if (!opts.always && PLAIN_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

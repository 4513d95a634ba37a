// How botocore splits a credential_process line into argv (compat_shell_split → Python's
// shlex.split in POSIX mode): no shell runs it, so no expansion, globbing or redirection, only
// words, quotes and backslashes. `#` starts a comment only at the start of a word (shlex's
// split() turns comments off: it is an ordinary character).
import { ConfigError } from '../errors.js';

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** The argv botocore would run for `line`; throws ConfigError on an unclosed quote or trailing backslash, as shlex does. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const fail = (what: string) => new ConfigError(`credential_process ${JSON.stringify(line)} has ${what}; fix the quoting`);
  while (i < line.length) {
    const c = line[i]!;
    if (WHITESPACE.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw fail('a backslash at the end');
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw fail('no closing quotation');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      // Inside double quotes a backslash escapes only " and \ (shlex's escapedquotes and escape).
      i++;
      for (;;) {
        if (i >= line.length) throw fail('no closing quotation');
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          word += line[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      inWord = true;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

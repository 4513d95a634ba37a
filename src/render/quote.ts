// Quoting for shells. Every value keyfob puts on a command line or prints for `eval` goes
// through here, because names come from the server and from the user's config.
import { PLAIN_WORD, quotePosix } from '../core/shellWords.js';

/** POSIX sh quoting lives in core (fix texts there quote their paths too); it is one function. */
export { quotePosix };

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** fish: inside single quotes only `\'` and `\\` are escapes; nothing expands. */
export function quoteFish(value: string, opts: { always?: boolean } = {}): string {
  if (!opts.always && PLAIN_WORD.test(value)) return value;
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * PowerShell: a single-quoted string, where the only special character is the quote, doubled.
 * PowerShell also takes the typographic single quotes (U+2018, U+2019, U+201A, U+201B) as
 * quotes, so those are doubled too.
 */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (c) => c + c)}'`;
}

export function quoteFor(shell: Shell, value: string): string {
  if (shell === 'fish') return quoteFish(value);
  if (shell === 'powershell') return quotePowerShell(value);
  return quotePosix(value);
}

/** Variable names are ours, but check anyway: a name is never quoted, so it must be plain. */
function checkName(name: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not an environment variable name: ${name}`);
  return name;
}

/**
 * A script that sets and unsets environment variables in the calling shell. Values are always
 * quoted, even plain-looking ones: zsh expands a leading `=` and `~` in assignments.
 */
export function envScript(shell: Shell, set: ReadonlyArray<readonly [string, string]>, unset: readonly string[]): string {
  const lines: string[] = [];
  for (const name of unset) {
    const n = checkName(name);
    if (shell === 'fish') lines.push(`set -e ${n}`);
    else if (shell === 'powershell') lines.push(`Remove-Item -ErrorAction SilentlyContinue Env:${n}`);
    else lines.push(`unset ${n}`);
  }
  for (const [name, value] of set) {
    const n = checkName(name);
    if (shell === 'fish') lines.push(`set -gx ${n} ${quoteFish(value, { always: true })}`);
    else if (shell === 'powershell') lines.push(`$env:${n} = ${quotePowerShell(value)}`);
    else lines.push(`export ${n}=${quotePosix(value, { always: true })}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** A statement that prints `text` on stderr when the script is evaluated. */
export function noteScript(shell: Shell, text: string): string {
  if (shell === 'powershell') return `[Console]::Error.WriteLine(${quotePowerShell(text)})\n`;
  return `printf '%s\\n' ${quoteFor(shell, text)} >&2\n`;
}

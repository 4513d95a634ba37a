// Quoting for shells. Every value keyfob puts on a command line or prints for `eval` goes
// through here, because names come from the server and from the user's config.

/** Characters that need no quoting in POSIX sh, in Python's shlex.split, or on a cmd line. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for POSIX sh (bash, zsh, dash) that Python's shlex.split (botocore's
 * credential_process splitting) reads back identically: single quotes, with `'` as `'\''`.
 */
export function quotePosix(value: string): string {
  if (PLAIN_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

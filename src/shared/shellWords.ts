// How botocore splits a credential_process line into argv (compat_shell_split → Python's
// shlex.split in POSIX mode, comments off): no shell runs it, so no expansion, globbing or
// redirection, only words, quotes and backslashes. The splitting itself is the config reader's
// shlexSplit, which reads section headers the same way.
import { shlexSplit } from '../config/iniDocument.js';
import { ConfigError } from '../errors.js';

/** The argv botocore would run for `line`; throws ConfigError where shlex raises (an unclosed quote, a trailing backslash). */
export function splitCommandLine(line: string): string[] {
  const words = shlexSplit(line);
  if (!words) throw new ConfigError(`credential_process ${JSON.stringify(line)} has an unclosed quote or a trailing backslash; fix the quoting`);
  return words;
}

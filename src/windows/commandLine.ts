// The credential_process line keyfob will write on Windows (planned: docs/platforms.md). Not used on
// Linux or macOS yet; its logic is tested here against botocore's own Windows splitter.
//
// botocore splits credential_process with the Microsoft C runtime's rules (compat_shell_split on
// win32): only space and tab separate words, only double quotes quote, and backslashes are literal
// unless a run of them leads up to a double quote, where they escape each other and the quote.
// No cmd.exe is involved, so %, ^ and & need no escaping.

/** One word, quoted so the C runtime's rules (and botocore's splitter) give it back unchanged. */
export function quoteWindowsArg(word: string): string {
  if (/[\0\r\n]/.test(word)) throw new Error(`a Windows command-line word cannot hold a NUL or a line break: ${JSON.stringify(word)}`);
  let out = '"';
  let backslashes = 0;
  for (const ch of word) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    // Backslashes before a quote are doubled, and one more escapes the quote itself.
    if (ch === '"') out += '\\'.repeat(backslashes * 2 + 1) + '"';
    else out += '\\'.repeat(backslashes) + ch;
    backslashes = 0;
  }
  // Trailing backslashes sit before the closing quote: doubled, so they do not escape it.
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}

/** `"node.exe" "…\keyfob.cjs" credential-process --profile "NAME"`, as the AWS config's credential_process. */
export function windowsCredentialProcessLine(nodePath: string, entryPath: string, profile: string): string {
  return `${quoteWindowsArg(nodePath)} ${quoteWindowsArg(entryPath)} credential-process --profile ${quoteWindowsArg(profile)}`;
}

// One short-lived child with its input on stdin and a time limit: the keychain helper (keytar, in
// its own process so the daemon never loads the addon), Apple's `security -i` on macOS, and the
// client's MFA prompt drivers (src/daemon/client/mfaDrivers.ts). Input
// goes on stdin, never in argv, where `ps` would show it; what the child prints comes back whole.
import { spawn } from 'node:child_process';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed at the time limit. */
  timedOut: boolean;
}

export interface ChildOptions {
  /** The child's environment (default: this process's); its PATH finds `command`. */
  env?: NodeJS.ProcessEnv;
  /** Also shows the child's stderr as it comes (ykman's "Touch your YubiKey"). */
  onStderr?: (text: string) => void;
}

/** Runs `command args` with `input` on stdin and kills it after `timeoutMs`. Rejects only when it cannot start. */
export function runWithInput(command: string, args: string[], input: string, timeoutMs: number, opts: ChildOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined); // an early exit is reported on close
    child.stdin.end(input);
  });
}

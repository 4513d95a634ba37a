// A real terminal for tests of interactive behaviour (prompts, progress bars, the picker):
// a detached tmux session on a private server socket, driven with send-keys and capture-pane.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { partsPresent } from './requirePart.js';

const run = promisify(execFile);
export const TMUX_PATH = '/usr/bin/tmux';
/** For skipIf at collection; throws under CI when tmux is missing. In a test body use requirePart(ctx, 'tmux'). */
export const tmuxAvailable = () => partsPresent('tmux');

export interface Terminal {
  /** Keys as tmux names them: literal text, or 'Enter', 'Escape', 'C-c', 'Up'… */
  send(...keys: string[]): Promise<void>;
  screen(): Promise<string>;
  /** Polls the screen until it matches; throws with the screen when it does not in time. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The command's exit status, once it has ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Runs argv (no shell quoting needed by the caller) in a fresh 200×50 terminal with exactly `env`. */
export async function startTerminal(argv: string[], env: Record<string, string>): Promise<Terminal> {
  const dir = mkdtempSync(join(tmpdir(), 'kf-tty-'));
  const socket = join(dir, 'tmux.sock');
  const statusFile = join(dir, 'status');
  const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const tmux = (...args: string[]) => run(TMUX_PATH, ['-S', socket, ...args], { env: { ...env, TERM: 'xterm-256color' } });
  // The trailing sleep keeps the last screen readable after the command ends.
  await tmux('new-session', '-d', '-x', '200', '-y', '50', `${quoted}; echo $? > '${statusFile}'; sleep 60`);
  const screen = async () => (await tmux('capture-pane', '-p')).stdout;
  return {
    async send(...keys) {
      await tmux('send-keys', ...keys);
    },
    screen,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await screen();
        if (pattern.test(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the terminal never showed ${pattern}; it shows:\n${last}`);
    },
    async exitCode(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        try {
          const text = readFileSync(statusFile, 'utf8').trim();
          if (text) return Number(text);
        } catch {
          // not yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the command did not end within ${timeoutMs} ms; the terminal shows:\n${await screen()}`);
    },
    async close() {
      await tmux('kill-server').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

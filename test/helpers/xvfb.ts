// A virtual X display for the desktop-dialog tests (requirePart 'desktop-dialog'): Xvfb picks a free
// display number itself (-displayfd), so tests and engineers sharing a machine never collide, and
// listens on its Unix socket only (-nolisten tcp). xdotool answers the dialogs on it.
import { spawn, type ChildProcess } from 'node:child_process';
import { runCommand, type RunResult } from './keyfob.js';

export interface VirtualDisplay {
  /** ":N", for DISPLAY. */
  display: string;
  /** xdotool on this display. */
  xdotool(args: string[], timeoutMs?: number): Promise<RunResult>;
  close(): Promise<void>;
}

export function startXvfb(): Promise<VirtualDisplay> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1024x768x24'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let number = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Xvfb did not name its display within 20 s: ${stderr}`));
    }, 20_000);
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stdio[3]!.on('data', (d: Buffer) => {
      number += d.toString();
      if (!number.includes('\n')) return;
      clearTimeout(timer);
      const display = `:${number.trim()}`;
      resolve({
        display,
        xdotool: (args, timeoutMs = 30_000) => runCommand('xdotool', args, { PATH: process.env.PATH ?? '/usr/bin:/bin', DISPLAY: display }, { timeoutMs }),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

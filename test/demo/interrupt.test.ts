// `keyfob demo` interrupted (Ctrl-C in a real terminal, SIGTERM from a supervisor) stops its
// daemon and removes its throwaway HOME; its output into a pipe, or with NO_COLOR, has no ANSI codes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { boldCodes } from '../../src/demo/index.js';
import { KEYFOB_BIN } from '../helpers/keyfob.js';
import { startTerminal, tmuxAvailable, type Terminal } from '../helpers/tmux.js';
import { daemonPid as daemonPidIn } from '../helpers/daemonChildren.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', KEYFOB_BROWSER: 'none', LANG: 'C.UTF-8' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The demo's HOME and its daemon's pid, once login waits for the browser sign-in. */
async function demoWaitingForSignIn(output: () => string): Promise<{ home: string; daemonPid: number }> {
  const home = await until('the throwaway HOME', () => /throwaway HOME (\S+)/.exec(output())?.[1]);
  await until('the sign-in prompt', () => (/sign in as /.test(output()) ? true : undefined));
  const daemonPid = await until('the daemon', () => {
    try {
      const pid = daemonPidIn(join(home, 'keyfob'));
      return pid > 0 && alive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  });
  return { home, daemonPid };
}

describe('keyfob demo --interactive, interrupted', () => {
  let terminal: Terminal | undefined;
  afterEach(async () => {
    await terminal?.close();
    terminal = undefined;
  });

  it('Ctrl-C in a terminal stops its daemon and removes its HOME', async () => {
    tmuxAvailable();
    terminal = await startTerminal([process.execPath, KEYFOB_BIN, 'demo', '--interactive'], ENV);
    let screen = '';
    const waiting = demoWaitingForSignIn(() => screen);
    const poll = setInterval(() => void terminal!.screen().then((s) => (screen = s), () => undefined), 50);
    let found;
    try {
      found = await waiting;
    } finally {
      clearInterval(poll);
    }
    await terminal.send('C-c');
    expect(await terminal.exitCode(20_000)).toBe(130);
    expect(existsSync(found.home)).toBe(false);
    expect(alive(found.daemonPid)).toBe(false);
  }, 60_000);

  it('SIGTERM stops its daemon and removes its HOME', async () => {
    const child = spawn(process.execPath, [KEYFOB_BIN, 'demo', '--interactive'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const found = await demoWaitingForSignIn(() => out);
      child.kill('SIGTERM');
      expect(await closed, out).toBe(143);
      expect(existsSync(found.home)).toBe(false);
      expect(alive(found.daemonPid)).toBe(false);
      // A pipe gets no ANSI codes.
      expect(out).not.toContain('\x1b');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('the demo output', () => {
  it('is bold on a terminal only, and never with NO_COLOR or TERM=dumb', () => {
    expect(boldCodes({ isTTY: true }, {})).toEqual({ on: '\x1b[1m', off: '\x1b[0m' });
    expect(boldCodes({ isTTY: true }, { NO_COLOR: '1' })).toEqual({ on: '', off: '' });
    expect(boldCodes({ isTTY: true }, { TERM: 'dumb' })).toEqual({ on: '', off: '' });
    expect(boldCodes({ isTTY: false }, {})).toEqual({ on: '', off: '' });
    expect(boldCodes({}, {})).toEqual({ on: '', off: '' });
  });
});

// The one lock between processes (src/core/lock.ts): one holder at a time, a wait that ends at its
// deadline naming the holder, and the holder's pid file gone with the lock.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeHolder, lockWithin, LockTimeout, type LockHolder } from '../../src/core/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lockWithin', () => {
  it('lets one holder in at a time, names it to the waiter once, and says the waiter waited', async () => {
    const file = join(dir, 'thing');
    const first = await lockWithin(file, { waitMs: 5_000 });
    expect(first.waited).toBe(false);
    expect(await readFile(`${file}.lock.pid`, 'utf8')).toBe(`${process.pid}\n`);
    const told: (LockHolder | undefined)[] = [];
    let secondHeld = false;
    const second = lockWithin(file, { waitMs: 5_000, onWait: (h) => told.push(h) }).then((l) => {
      secondHeld = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(secondHeld).toBe(false);
    expect(told).toHaveLength(1);
    expect(told[0]?.pid).toBe(process.pid);
    await first.release();
    const lock = await second;
    expect(lock.waited).toBe(true);
    expect(told).toHaveLength(1);
    await lock.release();
    await expect(readFile(`${file}.lock.pid`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives up at its deadline with LockTimeout naming the holder, and announces only after noticeAfterMs', async () => {
    const file = join(dir, 'thing');
    const held = await lockWithin(file, { waitMs: 1_000 });
    // The holder lets go well after the deadline: a waiter that overran it would get the lock instead of LockTimeout.
    const letGo = setTimeout(() => void held.release(), 3_000);
    const told: number[] = [];
    const started = Date.now();
    const err = await lockWithin(file, { waitMs: 600, noticeAfterMs: 300, onWait: () => told.push(Date.now() - started) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect((err as LockTimeout).holder?.pid).toBe(process.pid);
    expect((err as LockTimeout).lockFile).toBe(`${file}.lock`);
    expect(told).toHaveLength(1);
    expect(told[0]).toBeGreaterThanOrEqual(300);
    clearTimeout(letGo);
    await held.release();
  });

  it('throws the file system error when no lock can be made', async () => {
    await expect(lockWithin(join(dir, 'missing', 'thing'), { waitMs: 1_000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('describeHolder', () => {
  it('names the process where known, and keeps terminal controls out', () => {
    expect(describeHolder({ pid: 42, name: 'sleep' })).toBe('sleep pid 42');
    expect(describeHolder({ pid: 42 })).toBe('pid 42');
    expect(describeHolder({ pid: 42, name: 'x\u001b[2J' })).not.toContain('\u001b');
  });
});

// A wait for the config lock lasts what lockWaitMs says (proper-lockfile's own retries made a
// "20 s" wait last 43 s), and says once, after about a second, what it waits for.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editConfigFile, lockWaitLine, type LockWait } from '../../src/config/configWriter.js';
import { ConfigError } from '../../src/core/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-lockwait-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('editConfigFile: waiting for the lock', () => {
  it('gives up after lockWaitMs, not later, and tells once who holds the lock', async () => {
    const file = join(dir, 'config');
    await writeFile(file, '[default]\nregion = eu-west-1\n');
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = editConfigFile(file, async (doc) => {
      locked();
      await held;
      doc.setKey({ kind: 'default', name: 'default' }, 'region', 'us-east-1');
    });
    await isLocked;
    // Whatever process the holder file names is named as it is: here a `sleep`, not "keyfob".
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    await writeFile(`${file}.lock.pid`, `${sleeper.pid}\n`);

    const waits: LockWait[] = [];
    const started = Date.now();
    const err = await editConfigFile(file, (doc) => void doc.setKey({ kind: 'default', name: 'default' }, 'output', 'json'), {
      lockWaitMs: 2_000,
      onLockWait: (w) => waits.push({ ...w, told: Date.now() - started } as LockWait),
    }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    letGo();
    await holder;
    sleeper.kill();

    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `${file} is still locked after 2s by sleep pid ${sleeper.pid} (${file}.lock); try again, or remove ${file}.lock if no keyfob is running`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(2_600);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ lockFile: `${file}.lock`, holderPid: sleeper.pid, holderName: 'sleep', waitMs: 2_000 });
    const told = (waits[0] as LockWait & { told: number }).told;
    expect(told).toBeGreaterThanOrEqual(1_000);
    expect(told).toBeLessThan(1_500);
    // The holder's edit went in; the pid file went with its lock.
    expect(await readFile(file, 'utf8')).toContain('us-east-1');
    await expect(readFile(`${file}.lock.pid`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('lockWaitLine', () => {
  it('names the holder where the system tells its name, and otherwise says only its pid', () => {
    const w = { lockFile: '/c.lock', waitMs: 20_000 };
    expect(lockWaitLine('/c', { ...w, holderPid: 42, holderName: 'sleep' })).toBe('waiting for the lock on /c (/c.lock, held by sleep pid 42); giving up after 20s');
    expect(lockWaitLine('/c', { ...w, holderPid: 42 })).toBe('waiting for the lock on /c (/c.lock, held by pid 42); giving up after 20s');
    expect(lockWaitLine('/c', w)).toBe('waiting for the lock on /c (/c.lock); giving up after 20s');
  });
});

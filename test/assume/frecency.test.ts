// The frecency store behind the picker's order: decayed use counts, debounced atomic writes,
// and no lost update however fast uses arrive.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrecencyStore } from '../../src/daemon/server/frecency.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** A clock the test moves by hand. */
function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const items = (...names: string[]) => names.map((name) => ({ name }));
const names = (list: Array<{ name: string }>) => list.map((item) => item.name);

describe('FrecencyStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kf-frecency-'));
    file = join(dir, 'home', 'frecency.json'); // a directory that does not exist yet
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('orders by use count, keeps the given order for equal scores, and returns a copy', async () => {
    const clock = fakeClock();
    const store = new FrecencyStore(file, clock);
    await store.load();
    store.record('b');
    store.record('c');
    store.record('c');
    const given = items('a', 'b', 'c', 'd', 'e');
    expect(names(store.order(given))).toEqual(['c', 'b', 'a', 'd', 'e']);
    expect(names(given)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(store.score('c')).toBe(2);
    expect(store.score('never')).toBe(0);
  });

  it('decays with the half-life, so recent use beats old frequent use', async () => {
    const clock = fakeClock();
    const store = new FrecencyStore(file, { now: clock.now, halfLifeMs: DAY });
    await store.load();
    for (let i = 0; i < 4; i++) store.record('old-favourite');
    expect(store.score('old-favourite')).toBe(4);
    clock.advance(DAY);
    expect(store.score('old-favourite')).toBeCloseTo(2, 10);
    clock.advance(2 * DAY);
    expect(store.score('old-favourite')).toBeCloseTo(0.5, 10);
    store.record('recent');
    expect(names(store.order(items('old-favourite', 'recent')))).toEqual(['recent', 'old-favourite']);
    // A record decays what was there, then adds one.
    store.record('old-favourite');
    expect(store.score('old-favourite')).toBeCloseTo(1.5, 10);
    // A clock that steps back does not inflate scores.
    clock.advance(-DAY);
    expect(store.score('old-favourite')).toBeCloseTo(1.5, 10);
  });

  it('uses a three-day half-life by default', async () => {
    const clock = fakeClock();
    const store = new FrecencyStore(file, clock);
    store.record('x');
    clock.advance(3 * DAY);
    expect(store.score('x')).toBeCloseTo(0.5, 10);
    await store.flush();
  });

  it('persists: a round trip through the file keeps scores, and the file is private', async () => {
    const clock = fakeClock();
    const first = new FrecencyStore(file, clock);
    await first.load();
    first.record('Experiments/AdministratorAccess');
    first.record('Experiments/AdministratorAccess');
    first.record('Production/ReadOnlyAccess');
    // Hostile names survive as data.
    first.record('__proto__');
    first.record('a\nb"\\\u202e');
    await first.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    clock.advance(3 * DAY);
    const second = new FrecencyStore(file, clock);
    await second.load();
    expect(second.score('Experiments/AdministratorAccess')).toBeCloseTo(1, 10);
    expect(second.score('Production/ReadOnlyAccess')).toBeCloseTo(0.5, 10);
    expect(second.score('__proto__')).toBeCloseTo(0.5, 10);
    expect(second.score('a\nb"\\\u202e')).toBeCloseTo(0.5, 10);
    expect(names(second.order(items('Production/ReadOnlyAccess', 'Experiments/AdministratorAccess')))).toEqual([
      'Experiments/AdministratorAccess',
      'Production/ReadOnlyAccess',
    ]);
    // No temp files left behind.
    expect(readdirSync(join(dir, 'home'))).toEqual(['frecency.json']);
  });

  it('treats a missing or corrupt file as no history, and replaces it on the next write', async () => {
    const clock = fakeClock();
    const missing = new FrecencyStore(file, clock);
    await expect(missing.load()).resolves.toBeUndefined();
    expect(missing.score('x')).toBe(0);

    for (const junk of ['', '{not json', 'null', '[]', '{"version":99,"entries":[]}', '\u0000\u0001binary']) {
      const store = new FrecencyStore(join(dir, 'junk.json'), clock);
      writeFileSync(join(dir, 'junk.json'), junk);
      await expect(store.load()).resolves.toBeUndefined();
      store.record('x');
      await store.flush();
      const reread = new FrecencyStore(join(dir, 'junk.json'), clock);
      await reread.load();
      expect(reread.score('x')).toBe(1);
    }

    // Malformed entries are skipped, good ones kept.
    writeFileSync(
      join(dir, 'mixed.json'),
      JSON.stringify({
        version: 1,
        entries: [{ name: 'good', score: 2, at: clock.now() }, { name: 'bad', score: 'x', at: 0 }, null, { name: 'neg', score: -1, at: 0 }],
      }),
    );
    const mixed = new FrecencyStore(join(dir, 'mixed.json'), clock);
    await mixed.load();
    expect([mixed.score('good'), mixed.score('bad'), mixed.score('neg')]).toEqual([2, 0, 0]);
  });

  it('loses no update: 1000 rapid records, then flush, keep the exact count', async () => {
    const clock = fakeClock();
    const store = new FrecencyStore(file, { now: clock.now, debounceMs: 1 });
    await store.load();
    const flushes: Array<Promise<void>> = [];
    for (let i = 0; i < 1000; i++) {
      store.record('hot');
      store.record(`name-${i % 10}`);
      // Let debounced writes start between records, so records land while a write runs.
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      if (i % 250 === 0) flushes.push(store.flush());
    }
    await Promise.all(flushes);
    await store.flush();

    const reread = new FrecencyStore(file, clock);
    await reread.load();
    expect(reread.score('hot')).toBe(1000);
    for (let n = 0; n < 10; n++) expect(reread.score(`name-${n}`)).toBe(100);
    expect(readdirSync(join(dir, 'home'))).toEqual(['frecency.json']);
  });

  it('writes by itself after the debounce, and a record during a write causes one more write', async () => {
    const clock = fakeClock();
    const store = new FrecencyStore(file, { now: clock.now, debounceMs: 20 });
    await store.load();
    store.record('a');
    await waitUntil(() => readIfThere(file)?.includes('"a"') ?? false);
    store.record('b');
    const flushing = store.flush(); // starts a write now
    store.record('c'); // arrives while that write runs
    await flushing;
    await store.flush();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"b"');
    expect(text).toContain('"c"');
  });

  it('two stores loading the same file both see its history; records made before load are added', async () => {
    const clock = fakeClock();
    const writer = new FrecencyStore(file, clock);
    await writer.load();
    for (let i = 0; i < 3; i++) writer.record('shared');
    writer.record('only-writer');
    await writer.flush();

    const readerA = new FrecencyStore(file, clock);
    const readerB = new FrecencyStore(file, clock);
    readerB.record('shared'); // before its load: added to the file's count, not replaced by it
    await Promise.all([readerA.load(), readerB.load(), readerB.load()]);
    expect(readerA.score('shared')).toBe(3);
    expect(readerA.score('only-writer')).toBe(1);
    expect(readerB.score('shared')).toBe(4);
    expect(names(readerA.order(items('only-writer', 'other', 'shared')))).toEqual(['shared', 'only-writer', 'other']);
  });

  it('a flush without a load never drops the history already on disk', async () => {
    const clock = fakeClock();
    const first = new FrecencyStore(file, clock);
    first.record('kept');
    first.record('kept');
    await first.flush();
    const second = new FrecencyStore(file, clock);
    second.record('new'); // no load() called
    await second.flush();
    const reread = new FrecencyStore(file, clock);
    await reread.load();
    expect([reread.score('kept'), reread.score('new')]).toEqual([2, 1]);
  });

  it('caps the file, dropping the lowest scores', async () => {
    const clock = fakeClock();
    const store = new FrecencyStore(file, { now: clock.now, maxEntries: 5 });
    await store.load();
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j <= i; j++) store.record(`n${i}`); // n9 used most
    }
    await store.flush();
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<{ name: string }> };
    expect(stored.entries.map((e) => e.name).sort()).toEqual(['n5', 'n6', 'n7', 'n8', 'n9']);
  });

  it('keeps the counts and reports the error when a write fails; a later flush succeeds', async () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    const blocked = join(dir, 'blocker');
    writeFileSync(blocked, 'a file where the directory should be');
    const store = new FrecencyStore(join(blocked, 'frecency.json'), { now: clock.now, debounceMs: 1, onWriteError: (e) => errors.push(e) });
    store.record('x');
    await waitUntil(() => errors.length > 0);
    await expect(store.flush()).rejects.toThrow();
    rmSync(blocked);
    await store.flush();
    const reread = new FrecencyStore(join(blocked, 'frecency.json'), clock);
    await reread.load();
    expect(reread.score('x')).toBe(1);
  });
});

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

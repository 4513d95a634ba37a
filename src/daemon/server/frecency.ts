// How often and how recently each profile was assumed, so the picker can list the likely ones
// first. Each name keeps an exponentially decayed use count: {score, at}, where a use adds 1
// and the score halves every `halfLifeMs`; ordering decays every score to "now" when it reads.
//
// Why no update is lost: only the daemon writes this file (there is one daemon per
// KEYFOB_HOME), and it keeps the counts in memory, so every record() lands in the one
// in-memory map and there is no read-modify-write across processes. Writes are debounced,
// serialised (never two at once; a record during a write causes exactly one more write) and
// atomic (temp file, fsync, rename), so a crash leaves the old file or the new one.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../../core/atomicFile.js';

export const DEFAULT_HALF_LIFE_MS = 3 * 24 * 60 * 60 * 1000;
const DEFAULT_DEBOUNCE_MS = 200;
const DEFAULT_MAX_ENTRIES = 5000;
const FILE_VERSION = 1;

interface Entry {
  score: number;
  /** When `score` was last brought up to date, in ms since the epoch. */
  at: number;
}

interface StoredEntry extends Entry {
  name: string;
}

export interface FrecencyOptions {
  halfLifeMs?: number;
  now?: () => number;
  /** How long to wait after a record before writing, so a burst costs one write. */
  debounceMs?: number;
  /** The file keeps at most this many names; the lowest scores go first. */
  maxEntries?: number;
  /** Told about a failed background write (flush() throws instead); the counts stay in memory. */
  onWriteError?: (err: unknown) => void;
}

export class FrecencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly halfLifeMs: number;
  private readonly now: () => number;
  private readonly debounceMs: number;
  private readonly maxEntries: number;
  private readonly onWriteError: (err: unknown) => void;
  private loading: Promise<void> | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Counts changed since the last write began. */
  private dirty = false;

  constructor(
    private readonly file: string,
    opts: FrecencyOptions = {},
  ) {
    this.halfLifeMs = opts.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
    if (!(this.halfLifeMs > 0)) throw new RangeError('halfLifeMs must be positive');
    this.now = opts.now ?? Date.now;
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.onWriteError = opts.onWriteError ?? (() => undefined);
  }

  /**
   * Reads the file once; later calls return the same promise. A missing or corrupt file means
   * no history, never an error. Uses recorded before the load are added to what it finds.
   */
  load(): Promise<void> {
    this.loading ??= this.readFile();
    return this.loading;
  }

  /** One use of `name`, now. */
  record(name: string): void {
    const now = this.now();
    this.entries.set(name, { score: this.decayed(this.entries.get(name), now) + 1, at: now });
    this.dirty = true;
    this.scheduleWrite();
  }

  /** The decayed use count of `name` now; 0 for a name never used. */
  score(name: string): number {
    return this.decayed(this.entries.get(name), this.now());
  }

  /** A copy of `items`, highest score first; equal scores keep their given order. */
  order<T extends { name: string }>(items: T[]): T[] {
    const now = this.now();
    const scored = items.map((item, index) => ({ item, index, score: this.decayed(this.entries.get(item.name), now) }));
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return scored.map((s) => s.item);
  }

  /** Writes now if anything changed, after any write in progress. Shutdown calls this. */
  async flush(): Promise<void> {
    this.cancelDebounce();
    if (this.writing) await this.writing.catch(() => undefined);
    if (this.dirty) await this.writePending();
  }

  private decayed(entry: Entry | undefined, now: number): number {
    if (!entry) return 0;
    // A clock that stepped back must not make scores grow.
    const elapsed = Math.max(0, now - entry.at);
    return entry.score * 0.5 ** (elapsed / this.halfLifeMs);
  }

  private async readFile(): Promise<void> {
    let stored: StoredEntry[];
    try {
      stored = parseStoredEntries(await readFile(this.file, 'utf8'));
    } catch {
      return; // missing, unreadable or corrupt: start with no history
    }
    const now = this.now();
    for (const { name, score, at } of stored) {
      const recorded = this.entries.get(name);
      const fromFile = this.decayed({ score, at }, now);
      this.entries.set(name, recorded ? { score: this.decayed(recorded, now) + fromFile, at: now } : { score, at });
    }
  }

  private scheduleWrite(): void {
    if (this.debounceTimer) return;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.writePending().catch(this.onWriteError);
    }, this.debounceMs);
    // A pending write must never keep the daemon alive; shutdown calls flush().
    this.debounceTimer.unref();
  }

  private cancelDebounce(): void {
    if (!this.debounceTimer) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
  }

  /** The single writer: one write at a time, looping while records arrived during a write. */
  private writePending(): Promise<void> {
    this.writing ??= (async () => {
      try {
        // Never replace the file before its history has been merged in.
        await this.load();
        while (this.dirty) {
          this.dirty = false;
          try {
            await this.writeSnapshot();
          } catch (err) {
            this.dirty = true; // the counts are still in memory; the next record or flush retries
            throw err;
          }
        }
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private async writeSnapshot(): Promise<void> {
    const now = this.now();
    let stored: StoredEntry[] = [...this.entries].map(([name, entry]) => ({ name, ...entry }));
    if (stored.length > this.maxEntries) {
      stored = stored
        .map((entry) => ({ entry, current: this.decayed(entry, now) }))
        .sort((a, b) => b.current - a.current)
        .slice(0, this.maxEntries)
        .map(({ entry }) => entry);
      // Forget the dropped names in memory too, so memory and file agree.
      const kept = new Set(stored.map((entry) => entry.name));
      for (const name of [...this.entries.keys()]) if (!kept.has(name)) this.entries.delete(name);
    }
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.file, JSON.stringify({ version: FILE_VERSION, entries: stored }) + '\n', 0o600);
  }
}

/** Throws on anything that is not a file this module wrote; skips malformed entries. */
function parseStoredEntries(text: string): StoredEntry[] {
  const data: unknown = JSON.parse(text);
  if (typeof data !== 'object' || data === null) throw new Error('not an object');
  const { version, entries } = data as { version?: unknown; entries?: unknown };
  if (version !== FILE_VERSION || !Array.isArray(entries)) throw new Error('unknown format');
  const valid: StoredEntry[] = [];
  for (const raw of entries as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const { name, score, at } = raw as Record<string, unknown>;
    if (typeof name !== 'string' || typeof score !== 'number' || typeof at !== 'number') continue;
    if (!Number.isFinite(score) || score < 0 || !Number.isFinite(at)) continue;
    valid.push({ name, score, at });
  }
  return valid;
}

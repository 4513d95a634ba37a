// A lock lost while editing (its directory removed, or taken over as stale by another writer)
// must stop the write: the file keeps its old content and the caller hears why.
import { mkdtemp, readFile, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editConfigFile } from '../../src/config/configWriter.js';
import { ConfigError } from '../../src/core/errors.js';

const ORIGINAL = '[default]\nregion = eu-west-1\n';
// lockStaleMs is clamped to at least 2 s, and the lock is checked every stale/2: one check fits in this.
const STALE_MS = 2000;
const CHECK_MS = STALE_MS / 2 + 300;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configWith(name: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, ORIGINAL, { mode: 0o600 });
  return file;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('editConfigFile: a compromised lock', () => {
  it('the lock removed under us: the edit is refused and the file is unchanged', async () => {
    const file = await configWith('removed');
    const result = editConfigFile(
      file,
      async (doc) => {
        doc.setKey({ kind: 'default', name: 'default' }, 'region', 'us-east-1');
        await rmdir(`${file}.lock`);
        await sleep(CHECK_MS);
      },
      { lockStaleMs: STALE_MS },
    );
    const err = await result.catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/the file was left unchanged/);
    expect(await readFile(file, 'utf8')).toBe(ORIGINAL);
  });

  it('the lock taken over by another writer (its mtime changed): the edit is refused', async () => {
    const file = await configWith('taken');
    const err = await editConfigFile(
      file,
      async (doc) => {
        doc.setKey({ kind: 'default', name: 'default' }, 'region', 'us-east-1');
        const lock = `${file}.lock`;
        const taken = new Date((await stat(lock)).mtimeMs + 60_000);
        await utimes(lock, taken, taken);
        await sleep(CHECK_MS);
      },
      { lockStaleMs: STALE_MS },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(await readFile(file, 'utf8')).toBe(ORIGINAL);
  });

  it('a lock held throughout (the control): the same slow edit is written', async () => {
    const file = await configWith('held');
    const result = await editConfigFile(
      file,
      async (doc) => {
        doc.setKey({ kind: 'default', name: 'default' }, 'region', 'us-east-1');
        await sleep(CHECK_MS);
      },
      { lockStaleMs: STALE_MS },
    );
    expect(result.changed).toBe(true);
    expect(await readFile(file, 'utf8')).toContain('us-east-1');
  });
});

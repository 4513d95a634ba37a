import { spawn } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_SUFFIX, editConfigFile } from '../../src/config/configWriter.js';
import { parseConfig } from '../../src/config/iniDocument.js';
import { ConfigError } from '../../src/core/errors.js';
import { compileForChild, type CompiledModules } from './compileForChild.js';

const def = { kind: 'default', name: 'default' } as const;
let dir: string;
let compiled: CompiledModules;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-writer-'));
  compiled = compileForChild(['src/config/index.ts']);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  compiled?.cleanup();
});

async function fresh(name: string, text?: string, mode = 0o644): Promise<string> {
  const sub = join(dir, name);
  await mkdir(sub, { recursive: true });
  const file = join(sub, 'config');
  if (text !== undefined) {
    await writeFile(file, text);
    await chmod(file, mode);
  }
  return file;
}

/** Run a small ESM script in a child process; resolves with its exit code, stdout and stderr. */
function runChild(script: string, args: string[], opts: { shellPrefix?: string; killAfterMs?: number } = {}) {
  const scriptPath = join(compiled.outDir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  return writeFile(scriptPath, script).then(
    () =>
      new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = opts.shellPrefix
          ? spawn('bash', ['-c', `${opts.shellPrefix}; exec "$0" "$@"`, process.execPath, scriptPath, ...args])
          : spawn(process.execPath, [scriptPath, ...args]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const killer = opts.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined;
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(killer);
          resolve({ code, signal, stdout, stderr });
        });
      }),
  );
}

describe('editConfigFile', () => {
  it('creates a missing file (and its dir) with mode 0600', async () => {
    const file = join(dir, 'new', 'deeper', 'config');
    const result = await editConfigFile(file, (doc) => {
      doc.upsertSection('sso-session', 'acme', [['sso_region', 'eu-west-1']]);
    });
    expect(result.changed).toBe(true);
    expect(result.before).toBe('');
    expect(await readFile(file, 'utf8')).toBe('[sso-session acme]\nsso_region = eu-west-1\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'new', 'deeper'))).mode & 0o777).toBe(0o700);
    // nothing to back up for a new file, and no lock or temp files left behind
    expect(await readdir(join(dir, 'new', 'deeper'))).toEqual(['config']);
  });

  it('keeps the mode, writes one rotated backup, and writes nothing when unchanged', async () => {
    const file = await fresh('mode', '[default]\nregion = a\n', 0o640);
    await editConfigFile(file, (doc) => void doc.setKey(def, 'region', 'b'));
    await editConfigFile(file, (doc) => void doc.setKey(def, 'region', 'c'));
    expect(await readFile(file, 'utf8')).toBe('[default]\nregion = c\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readFile(file + BACKUP_SUFFIX, 'utf8')).toBe('[default]\nregion = b\n');
    expect((await stat(file + BACKUP_SUFFIX)).mode & 0o777).toBe(0o640);
    expect((await readdir(join(dir, 'mode'))).sort()).toEqual(['config', 'config.keyfob-backup']);

    // An hour back, so that a write (which would set the mtime to now) cannot go unseen.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(file, anHourAgo, anHourAgo);
    const before = await stat(file);
    const result = await editConfigFile(file, (doc) => void doc.setKey(def, 'region', 'c'));
    expect(result.changed).toBe(false);
    const after = await stat(file);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(await readFile(file + BACKUP_SUFFIX, 'utf8')).toBe('[default]\nregion = b\n');
  });

  it('dry run computes the change but writes nothing', async () => {
    const file = await fresh('dry', '[default]\nregion = a\n');
    const result = await editConfigFile(file, (doc) => void doc.setKey(def, 'region', 'b'), { dryRun: true });
    expect(result).toMatchObject({ changed: true, before: '[default]\nregion = a\n', after: '[default]\nregion = b\n' });
    expect(await readFile(file, 'utf8')).toBe('[default]\nregion = a\n');
  });

  it('follows a symlink: the link stays a link and its target is updated', async () => {
    const target = await fresh('real', '# dotfiles\n[default]\nregion = a\n', 0o600);
    const linkDir = join(dir, 'home', '.aws');
    await mkdir(linkDir, { recursive: true });
    const link = join(linkDir, 'config');
    await symlink(target, link);
    const result = await editConfigFile(link, (doc) => void doc.setKey(def, 'region', 'b'));
    expect(result.realPath).toBe(target);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(target);
    expect(await readFile(target, 'utf8')).toBe('# dotfiles\n[default]\nregion = b\n');
    expect(await readFile(target + BACKUP_SUFFIX, 'utf8')).toBe('# dotfiles\n[default]\nregion = a\n');
    expect(await readdir(linkDir)).toEqual(['config']);

    // a dangling relative link: the target is created where it points
    const dangling = join(linkDir, 'dangling');
    await symlink('../elsewhere/config', dangling);
    await editConfigFile(dangling, (doc) => void doc.upsertSection('default', 'default', [['region', 'x']]));
    expect(await readFile(join(dir, 'home', 'elsewhere', 'config'), 'utf8')).toBe('[default]\nregion = x\n');
    expect((await lstat(dangling)).isSymbolicLink()).toBe(true);
  });

  it('leaves the file alone and throws ConfigError when the edit throws', async () => {
    const file = await fresh('throws', '[default]\nregion = a\n');
    await expect(
      editConfigFile(file, (doc) => {
        doc.setKey(def, 'region', 'b');
        throw new Error('upstream failed');
      }),
    ).rejects.toThrow('upstream failed');
    expect(await readFile(file, 'utf8')).toBe('[default]\nregion = a\n');
    // the lock was released
    await editConfigFile(file, (doc) => void doc.setKey(def, 'region', 'c'), { lockWaitMs: 500 });
    expect(await readFile(file, 'utf8')).toBe('[default]\nregion = c\n');
  });

  it('serialises concurrent edits from two processes (no lost update)', async () => {
    const file = await fresh('concurrent', '# counter\n[default]\ncounter = 0\n');
    const script = `
      import { editConfigFile } from './config/index.js';
      const [file, times] = process.argv.slice(2);
      const def = { kind: 'default', name: 'default' };
      for (let i = 0; i < Number(times); i++) {
        await editConfigFile(file, async (doc) => {
          const current = Number(doc.getValue(def, 'counter'));
          await new Promise((r) => setTimeout(r, 3)); // widen the read-modify-write window
          doc.setKey(def, 'counter', String(current + 1));
        });
      }
    `;
    const results = await Promise.all([runChild(script, [file, '20']), runChild(script, [file, '20'])]);
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(await readFile(file, 'utf8')).toBe('# counter\n[default]\ncounter = 40\n');
  });

  it('a kill -9 in the middle of a write loop leaves one complete version', async () => {
    const file = await fresh('kill', '# mine\n[default]\nregion = a\n');
    const padding = 'x'.repeat(200_000); // big enough that a kill can land inside a write
    const script = `
      import { editConfigFile } from './config/index.js';
      const [file] = process.argv.slice(2);
      for (let i = 1; ; i++) {
        await editConfigFile(file, (doc) => {
          doc.upsertSection('profile', 'gen', [['counter', String(i)], ['padding', '${padding}']], { marker: 'keyfob: generated' });
        }, { lockWaitMs: 100, lockStaleMs: 2000 });
        if (i === 3) process.stdout.write('going\\n');
      }
    `;
    const result = await runChild(script, [file], { killAfterMs: 1500 });
    expect(result.signal).toBe('SIGKILL');
    expect(result.stdout).toContain('going');
    const text = await readFile(file, 'utf8');
    const doc = parseConfig(text);
    expect(doc.problems).toEqual([]);
    const counter = doc.getValue({ kind: 'profile', name: 'gen' }, 'counter');
    expect(Number(counter)).toBeGreaterThan(3);
    expect(text).toBe(
      `# mine\n[default]\nregion = a\n\n# keyfob: generated\n[profile gen]\ncounter = ${counter}\npadding = ${padding}\n`,
    );
    // The next edit waits out the dead writer's lock, and clears any temp file it left.
    await editConfigFile(file, (doc) => void doc.setKey(def, 'region', 'b'), { lockStaleMs: 2_000, lockWaitMs: 5_000 });
    expect((await readFile(file, 'utf8')).startsWith('# mine\n[default]\nregion = b\n')).toBe(true);
    expect((await readdir(join(dir, 'kill'))).sort()).toEqual(['config', 'config.keyfob-backup']);
  });

  it('a failing write (file size limit, like a full disk) leaves the original intact', async () => {
    const original = '# precious\n[default]\nregion = a\n';
    const file = await fresh('full', original, 0o600);
    const script = `
      import { editConfigFile } from './config/index.js';
      process.on('SIGXFSZ', () => {}); // get EFBIG instead of being killed
      const [file] = process.argv.slice(2);
      try {
        await editConfigFile(file, (doc) => void doc.setKey({ kind: 'default', name: 'default' }, 'big', 'y'.repeat(20000)));
        console.log(JSON.stringify({ ok: true }));
      } catch (err) {
        console.log(JSON.stringify({ name: err.constructor.name, message: err.message }));
      }
    `;
    const result = await runChild(script, [file], { shellPrefix: 'ulimit -f 8' }); // 8 KiB per file
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.name).toBe(ConfigError.name);
    expect(outcome.message).toMatch(/^could not write .*config \(EFBIG\); the file was left unchanged; free some disk space \(or raise the file-size limit\) and run it again$/);
    expect(await readFile(file, 'utf8')).toBe(original);
    // no temp file or lock left behind
    expect((await readdir(join(dir, 'full'))).sort()).toEqual(['config', 'config.keyfob-backup']);
  });
});

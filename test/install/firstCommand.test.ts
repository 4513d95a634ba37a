// Slow, like install.test.ts beside it: a fresh clone's first command. A copy of the tree as git
// sees it, with no node_modules and no dist/, where `npm run demo` is the first thing typed: it
// installs (npm ci, from npm's cache here), builds, and runs the whole journey.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partsPresent } from '../helpers/requirePart.js';

const REPO = new URL('../..', import.meta.url).pathname;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm as a newcomer's shell has it: none of the npm_* variables `npm test` sets. */
const npmEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

describe.skipIf(!partsPresent('git', 'bash'))('a fresh clone: npm run demo as the first command', () => {
  const work = mkdtempSync(join(tmpdir(), 'kf-clone-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs, builds and runs the journey, saying once that it installs', async () => {
    const listed = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], REPO, process.env, 30_000);
    expect(listed.code).toBe(0);
    for (const file of listed.stdout.split('\0')) {
      if (!file || file === 'node_modules' || file.startsWith('node_modules/')) continue;
      if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(work, file));
    }
    expect(existsSync(join(work, 'node_modules'))).toBe(false);
    expect(existsSync(join(work, 'dist'))).toBe(false);

    const demo = await run('npm', ['run', 'demo'], work, { ...npmEnv(), npm_config_prefer_offline: 'true' }, 540_000);
    expect(demo.code, demo.stderr.slice(-2000)).toBe(0);
    expect(demo.stderr).toContain('keyfob: node_modules is missing; running npm ci first (once)\n');
    for (let n = 1; n <= 12; n++) expect(demo.stdout).toContain(`==> ${n}. `);
    expect(demo.stdout).toContain('keyfob: assumed Experiments/AdministratorAccess (765432109876, AdministratorAccess, eu-west-1)');

    // The second time, nothing is installed: the check is silent.
    const again = await run(process.execPath, ['scripts/ensure-deps.js'], work, npmEnv(), 30_000);
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: '' });
  }, 600_000);
});

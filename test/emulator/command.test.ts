// `keyfob emulator` as a spawned process: the JSON line, flags, and a clean stop on SIGTERM.
// Needs the build (npx tsc -p .), as every test that runs bin/keyfob.cjs does.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFixture } from '../helpers/emulator.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/keyfob.cjs');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function start(args: string[]) {
  if (!existsSync(join(root, 'dist/commands/emulator.js'))) throw new Error('dist/ is missing: run npx tsc -p . before these tests');
  const child = spawn(process.execPath, [bin, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  /** Resolves with all lines so far once one matches; rejects if the process exits first. */
  async function waitForLine(match: (line: string) => boolean): Promise<string[]> {
    for (;;) {
      if (lines.some(match)) return lines;
      if (child.exitCode !== null) throw new Error(`keyfob emulator exited ${child.exitCode}: ${stderr}`);
      await Promise.race([new Promise<void>((wake) => waiters.push(wake)), exited]);
    }
  }
  return { child, exited, stderr: () => stderr, waitForLine };
}

describe('keyfob emulator', () => {
  it('prints one JSON line with --json, serves on that port, and stops on SIGTERM', async () => {
    const run = start(['--port', '0', '--json']);
    const info = JSON.parse((await run.waitForLine(() => true))[0]!);
    expect(info).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), startUrl: 'https://d-9067c0ffee.awsapps.com/start', region: 'eu-west-1' });
    const registered = await fetch(`${info.url}/client/register`, { method: 'POST', body: JSON.stringify({ clientName: 'cli', clientType: 'public' }) });
    expect(registered.status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await expect(fetch(`${info.url}/_emulator/stats`)).rejects.toThrow();
  });

  it('takes a fixture file, generated accounts and a rate limit, and describes itself without --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyfob-fixture-'));
    try {
      const fixture = defaultFixture();
      fixture.startUrl = 'https://d-1234567890.awsapps.com/start';
      fixture.region = 'us-east-2';
      writeFileSync(join(dir, 'org.json'), JSON.stringify(fixture));
      const run = start(['--fixture', join(dir, 'org.json'), '--accounts', '30', '--roles-per-account', '4', '--rate-limit', '1']);
      const lines = await run.waitForLine((line) => line.startsWith('Press Ctrl-C'));
      expect(lines[0]).toMatch(/^keyfob emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = lines[0]!.split(' ').pop()!;
      const text = lines.join('\n');
      expect(text).toContain('https://d-1234567890.awsapps.com/start');
      expect(text).toContain('us-east-2');
      expect(text).toContain('alice / keyfob-demo, MFA code 123456');
      const info = await (await fetch(`${url}/_emulator/info`)).json();
      expect(info).toMatchObject({ accounts: 30, permissionSets: ['AdministratorAccess', 'ReadOnlyAccess', 'PowerUserAccess', 'ViewOnlyAccess'] });
      const register = () => fetch(`${url}/client/register`, { method: 'POST', body: JSON.stringify({ clientName: 'cli', clientType: 'public' }) });
      expect((await register()).status).toBe(200);
      expect((await register()).status).toBe(429);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a one-line error naming the bad fixture field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyfob-fixture-'));
    try {
      const fixture = defaultFixture() as unknown as Record<string, unknown>;
      (fixture.permissionSets as Array<Record<string, unknown>>)[1]!.sessionDuration = 'four hours';
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(fixture));
      const run = start(['--fixture', join(dir, 'bad.json')]);
      expect(await run.exited).not.toBe(0);
      expect(run.stderr().trim()).toBe(
        'keyfob: emulator fixture: permissionSets[1].sessionDuration must be an ISO 8601 duration like "PT4H" or a number of seconds; see docs/emulator.md for the format',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Another tool's credential_process as keyfob's client runs it: split like shlex and run without a shell,
// credential_process JSON v1 read from its stdout, bounded in time and output, and never from a
// file another user can write (a request names only a profile; the file must be the user's own).
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessProvider } from '../../src/credentials/processProvider.js';
import { splitCommandLine } from '../../src/core/shellWords.js';
import { otherUser, type OtherUser } from '../helpers/otherUser.js';

let dir: string;
let config: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyfob-process-'));
  chmodSync(dir, 0o700);
  config = join(dir, 'config');
  writeFileSync(config, '', { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tool: node running `source`, the line quoted as a user would write it. */
function tool(source: string, extra = ''): string {
  const script = join(dir, `tool-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(script, source);
  return `${process.execPath} '${script}' "an arg" ${extra}`;
}

const provider = (command: string, file = config, timeoutMs?: number) => new ProcessProvider({ profile: 'tool', command, file, ...(timeoutMs ? { timeoutMs } : {}) });

describe('ProcessProvider', () => {
  it('runs the line without a shell, as botocore splits it, and reads credential_process JSON v1', async () => {
    const command = tool(
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIATOOL', SecretAccessKey: process.argv.slice(2).join('|'), SessionToken: 't', Expiration: '2099-01-01T00:00:00Z' }))`,
      `'$HOME' \\; "x\\"y"`,
    );
    const c = await provider(command).retrieve();
    expect(c).toMatchObject({ accessKeyId: 'ASIATOOL', sessionToken: 't', expiration: Date.parse('2099-01-01T00:00:00Z') });
    expect(c.secretAccessKey).toBe('an arg|$HOME|;|x"y'); // no expansion, no shell
    expect(splitCommandLine(command).slice(2)).toEqual(['an arg', '$HOME', ';', 'x"y']);
  });

  it.each([
    ['a failure, with its first stderr line', `process.stderr.write('token expired\\nmore'); process.exit(3)`, /\(node\) failed \(exit 3: token expired\); run it yourself/],
    ['no JSON', `process.stdout.write('hello')`, /did not print JSON/],
    ['another version', `process.stdout.write('{"Version":2}')`, /printed Version 2, and only version 1/],
    ['no secret', `process.stdout.write('{"Version":1,"AccessKeyId":"A"}')`, /printed no SecretAccessKey/],
    ['too much output', `process.stdout.write('x'.repeat(200000))`, /wrote more than 65536 bytes/],
  ])('refuses %s in one line naming the profile', async (_what, source, message) => {
    const err = await provider(tool(source)).retrieve().catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'ProcessFailed' });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('profile "tool"');
    expect((err as Error).message).not.toContain('\n');
  });

  it('stops a tool that does not finish', async () => {
    const started = Date.now();
    const err = await provider(tool('setInterval(() => {}, 1000)'), config, 500).retrieve().catch((e: Error) => e);
    expect((err as Error).message).toMatch(/did not finish within 0.5 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a config file others can write, and runs nothing', async () => {
    const open = join(dir, 'open-config');
    writeFileSync(open, '');
    chmodSync(open, 0o666);
    const marker = join(dir, 'ran');
    const err = await provider(tool(`require('fs').writeFileSync(${JSON.stringify(marker)}, '')`), open).retrieve().catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'UntrustedPath' });
    expect((err as Error).message).toMatch(/can be written by other users.*chmod go-w/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('ProcessProvider and another user', () => {
  let mallory: OtherUser;
  beforeAll(() => {
    const attacker = otherUser();
    expect(attacker, 'these tests need root, to act as a second user').toBeDefined();
    mallory = attacker!;
  });
  afterAll(() => mallory?.cleanup());

  it("refuses a config another user owns, or a directory of another user's", async () => {
    const marker = join(dir, 'ran-as-root');
    const command = tool(`require('fs').writeFileSync(${JSON.stringify(marker)}, '')`);
    const theirs = join(mallory.scratch(), 'config');
    writeFileSync(theirs, `[profile tool]\ncredential_process = ${command}\n`, { mode: 0o644 });
    chownSync(theirs, mallory.uid, mallory.gid);
    const owned = await provider(command, theirs).retrieve().catch((e: Error) => e);
    expect(owned).toMatchObject({ code: 'UntrustedPath' });
    expect((owned as Error).message).toMatch(new RegExp(`is owned by uid ${mallory.uid}`));
    // Our own file, in their directory: they could swap it.
    const ours = join(mallory.scratch(), 'config');
    writeFileSync(ours, '', { mode: 0o600 });
    const inTheirDir = await provider(command, ours).retrieve().catch((e: Error) => e);
    expect(inTheirDir).toMatchObject({ code: 'UntrustedPath' });
    expect(existsSync(marker)).toBe(false);
  });
});

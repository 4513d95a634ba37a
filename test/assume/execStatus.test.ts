// `keyfob exec P -- CMD` ends as a shell would: CMD's own status, 127 when CMD is not found and
// 126 when it is found but cannot be run, each with one line on stderr (and nothing on stdout).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeyfob, signedInSuite } from '../helpers/keyfob.js';

const PROFILE = 'QA/ReadOnlyAccess';
const suite = signedInSuite();

describe('keyfob exec exit status', () => {
  it('passes on the command’s own status', async () => {
    const r = await runKeyfob(['exec', PROFILE, '--', 'sh', '-c', 'exit 7'], suite.home.env);
    expect(r.code).toBe(7);
  });

  it('exits 127 with one line when the command is not found', async () => {
    const r = await runKeyfob(['exec', PROFILE, '--', 'keyfob-no-such-command'], suite.home.env);
    expect([r.code, r.stderr]).toEqual([127, 'keyfob: command not found: keyfob-no-such-command\n']);
  });

  it('exits 127 for a path that does not exist', async () => {
    const r = await runKeyfob(['exec', PROFILE, '--', join(suite.home.dir, 'gone', 'tool')], suite.home.env);
    expect([r.code, r.stdout]).toEqual([127, '']);
  });

  it('exits 126 with one line when the file is not executable, or is a directory', async () => {
    const script = join(suite.home.dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const dir = join(suite.home.dir, 'a-directory');
    mkdirSync(dir, { recursive: true });
    for (const path of [script, dir]) {
      const r = await runKeyfob(['exec', PROFILE, '--', path], suite.home.env);
      expect([r.code, r.stderr]).toEqual([126, `keyfob: could not run ${path}: permission denied\n`]);
    }
  });

  it('assume --exec through /bin/sh keeps sh’s 127', async () => {
    const r = await runKeyfob(['assume', PROFILE, '--exec', 'keyfob-no-such-command'], suite.home.env);
    expect(r.code).toBe(127);
  });
});

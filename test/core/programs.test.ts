import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath, isExecutableFile } from '../../src/core/programs.js';

describe('findOnPath', () => {
  const root = mkdtempSync(join(tmpdir(), 'kf-programs-'));
  const [notExec, dirOnly, real] = ['a', 'b', 'c'].map((d) => join(root, d));
  for (const d of [notExec!, dirOnly!, real!]) mkdirSync(d);
  writeFileSync(join(notExec!, 'tool'), '#!/bin/sh\n'); // not executable
  mkdirSync(join(dirOnly!, 'tool')); // a directory is not a program
  writeFileSync(join(real!, 'tool'), '#!/bin/sh\n');
  chmodSync(join(real!, 'tool'), 0o755);

  it('takes the first executable regular file, as a shell would', () => {
    expect(findOnPath('tool', { PATH: [notExec, dirOnly, real].join(':') })).toBe(join(real!, 'tool'));
    expect(isExecutableFile(join(dirOnly!, 'tool'))).toBe(false);
    expect(findOnPath('tool', { PATH: [notExec, dirOnly].join(':') })).toBeUndefined();
    expect(findOnPath('tool', {})).toBeUndefined();
  });

  it('skips relative PATH entries when asked', () => {
    const env = { PATH: `.:${real}` };
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(findOnPath('c/tool', { PATH: '.' })).toBe(join('.', 'c/tool'));
      expect(findOnPath('tool', env, { absoluteOnly: true })).toBe(join(real!, 'tool'));
    } finally {
      process.chdir(cwd);
    }
  });
});

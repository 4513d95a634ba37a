// The lean bundles (scripts/bundle.js) hold only what a warm call runs: each rare path (the picker,
// the sign-in, the console, MFA prompts, another tool's credential_process, the shims' text) is a
// plain import() in src/, which tsc checks, left in the bundle as an import() of that module's tsc
// output in dist/. A lazy import that esbuild pulled into a bundle, or one naming no file, fails here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/', import.meta.url).pathname;

const LAZY: Record<string, string[]> = {
  'credential-process.cjs': ['./config/ssoSessions.js', './daemon/client/login.js', './daemon/client/mfaPrompt.js', './daemon/client/processNeed.js'],
  'assume.cjs': [
    './assume/picker.js',
    './config/ssoSessions.js',
    './console/profileConsole.js',
    './daemon/client/login.js',
    './daemon/client/mfaPrompt.js',
    './daemon/client/processNeed.js',
    './shellInit/init.js',
  ],
};

describe('the lean bundles load their rare paths lazily', () => {
  it.each(Object.entries(LAZY))('%s imports exactly its lazy modules, each a file of dist/', (bundle, expected) => {
    const code = readFileSync(join(DIST, bundle), 'utf8');
    const lazy = [...new Set([...code.matchAll(/\bimport\("(\.[^"]+)"\)/g)].map((m) => m[1]!))].sort();
    expect(lazy).toEqual(expected);
    for (const path of lazy) expect(existsSync(join(DIST, path)), path).toBe(true);
    // Nothing else of src/ is loaded at run time: no require of a relative path.
    expect(code).not.toMatch(/\brequire\("\.\.?\//);
  });
});

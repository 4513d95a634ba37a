// The layers of docs/architecture.md, checked by dependency-cruiser with .dependency-cruiser.cjs: no
// upward import, hence no folder cycle; the daemon server imports no client or terminal code; the
// emulator imports nothing of the product. The check runs on the real tree, and on copies with one
// deliberate bad import each, which it must refuse by the rule's name.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = new URL('../..', import.meta.url).pathname;
const DEPCRUISE = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(cwd: string) {
  const run = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('the layers (docs/architecture.md)', () => {
  const copies: string[] = [];
  afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('holds in the tree as it is', () => {
    const r = cruise(REPO);
    expect(r.out).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  // One copy holding every bad import (a cruise takes seconds); each must be named by its rule.
  const BAD: [what: string, file: string, line: string, rule: string][] = [
    ['an upward import', 'src/config/awsConfig.ts', "import '../daemon/server/router.js';", 'no-upward-import-from-config'],
    ['a folder cycle', 'src/core/errors.ts', "import '../store/secretStore.js';", 'no-upward-import-from-core'],
    ['the daemon server importing client code', 'src/daemon/server/router.ts', "import '../client/connection.js';", 'daemon-server-imports-no-client-or-terminal-code'],
    ['the emulator importing the product', 'src/emulator/ids.ts', "import '../core/errors.js';", 'emulator-imports-nothing-of-the-product'],
    ['the product importing the emulator', 'src/daemon/client/control.ts', "import '../../emulator/ids.js';", 'only-demo-and-commands-start-the-emulator'],
    ['a folder with no layer', 'src/newFolder/thing.ts', "import '../core/errors.js';", 'every-folder-has-a-layer'],
  ];

  it(`refuses ${BAD.map(([what]) => what).join(', ')}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-layers-'));
    copies.push(dir);
    for (const part of ['src', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(REPO, part), join(dir, part), { recursive: true });
    for (const [, file, line] of BAD) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      appendFileSync(join(dir, file), `\n${line}\n`);
    }
    const r = cruise(dir);
    expect(r.code).not.toBe(0);
    for (const [what, file, , rule] of BAD) expect(r.out, what).toContain(`error ${rule}: ${file}`);
  });
});

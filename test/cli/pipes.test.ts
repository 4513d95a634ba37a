// A reader that stops early (`keyfob … | head -1`) ends keyfob quietly: no Node EPIPE stack trace,
// and the command's own exit status (0), whatever it was printing and however much of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runCommand, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

let emulator: RunningEmulator;
let home: KeyfobHome;

beforeAll(async () => {
  // Enough accounts that every output below is far bigger than a pipe's buffer (64 KiB).
  emulator = await startTestEmulator({ autoApprove: true, accounts: 400, rolesPerAccount: 3 });
  home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1', '--prefix', 'big/'] });
}, 180_000);

afterAll(async () => {
  await home?.cleanup();
  await emulator?.close();
});

/** `keyfob ARGS | head -1` in bash: keyfob's exit status, its stderr, and what head printed. */
async function throughHead(args: string[]) {
  const quoted = [process.execPath, KEYFOB_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // Asynchronously: the emulator answers from this process.
  const script = `${quoted} 2>"$KF_ERR" | head -1; echo "status=\${PIPESTATUS[0]}"; cat "$KF_ERR"`;
  const run = await runCommand('bash', ['-c', script], { ...home.env, KF_ERR: `${home.dir}/stderr` }, { timeoutMs: 60_000 });
  const [first, status, ...stderr] = run.stdout.split('\n');
  return { first, status, stderr: stderr.join('\n').trim() };
}

describe('keyfob … | head -1', () => {
  it.each([
    [['populate', '--dry-run', '--prefix', 'other/']],
    [['list']],
    [['list', '--json']],
  ])('%j ends quietly, exit 0', async (args) => {
    const r = await throughHead(args);
    expect(r.first).not.toBe('');
    expect(r.stderr).not.toMatch(/EPIPE|Error|^\s+at /m);
    expect(r.status).toBe('status=0');
  });
});

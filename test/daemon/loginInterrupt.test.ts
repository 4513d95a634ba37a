// Ctrl-C during `keyfob login` cancels the sign-in: the client says so and exits 130, and the
// daemon stops polling for it, unless another client still waits for the same sign-in, which then
// goes on for that one. A real login on a terminal (tmux), waiting on the emulator's approval.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { startTerminal, type Terminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/waitFor.js';

const SESSION = 'corp';
let emulator: RunningEmulator;
let home: KeyfobHome;

beforeAll(async () => {
  emulator = await startTestEmulator(); // nothing approves a sign-in but the test
  home = keyfobHome(emulator);
  appendFileSync(home.configFile, `[sso-session ${SESSION}]\nsso_start_url = ${emulator.startUrl}\nsso_region = ${emulator.region}\n`);
});
afterAll(async () => {
  await home?.cleanup();
  await emulator?.close();
});

const session = async () => {
  const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
  return status.sessions.find((s: { name: string }) => s.name === SESSION) as { signedIn: boolean; signInPending: boolean };
};

/** `keyfob login` on a terminal, once it shows the code to confirm. */
async function loginOnTerminal(): Promise<{ terminal: Terminal; userCode: string }> {
  const terminal = await startTerminal([process.execPath, KEYFOB_BIN, 'login', '--sso-session', SESSION], home.env);
  const screen = await terminal.waitFor(/confirm the code ([A-Z]{4}-[A-Z]{4})/, 30_000);
  return { terminal, userCode: /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(screen)![1]! };
}

describe('Ctrl-C during keyfob login', () => {
  it('cancels the sign-in in the daemon, and says so', async (ctx) => {
    requirePart(ctx, 'tmux');
    const { terminal, userCode } = await loginOnTerminal();
    try {
      expect((await session()).signInPending).toBe(true);
      await terminal.send('C-c');
      await terminal.waitFor(/keyfob: sign-in cancelled/);
      expect(await terminal.exitCode()).toBe(130);
      // The daemon stops within a poll interval (1 s here); an approval afterwards signs no one in.
      await waitFor(async () => !(await session()).signInPending, { timeoutMs: 10_000, what: 'the sign-in to stop' });
      expect((await adminCall(emulator, 'approve', { userCode })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await session()).toMatchObject({ signedIn: false, signInPending: false });
    } finally {
      await terminal.close();
    }
  }, 60_000);

  it('leaves the sign-in going for another client that waits for it', async (ctx) => {
    requirePart(ctx, 'tmux');
    const { terminal, userCode } = await loginOnTerminal();
    try {
      const other = spawn(process.execPath, [KEYFOB_BIN, 'login', '--sso-session', SESSION], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      other.stderr.on('data', (d) => (stderr += d));
      const otherCode = new Promise<number | null>((resolve) => other.on('close', resolve));
      await waitFor(() => stderr.includes('(joined a sign-in already under way)'), { timeoutMs: 20_000, what: 'the second login to join' });
      await terminal.send('C-c');
      expect(await terminal.exitCode()).toBe(130);
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await session()).signInPending).toBe(true);
      expect((await adminCall(emulator, 'approve', { userCode })).status).toBe(200);
      expect(await otherCode, stderr).toBe(0);
      expect((await session()).signedIn).toBe(true);
    } finally {
      await terminal.close();
    }
  }, 60_000);
});

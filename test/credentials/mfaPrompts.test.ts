// MFA codes where there is no terminal, as an IDE (the AWS Toolkit) runs credential_process: no
// stdin, no controlling terminal (setsid), against the emulator's STS. With `auto` and no desktop
// the one line names the pre-warm command and what auto looked for. With KEYFOB_MFA_PROMPT=zenity
// a real zenity on a virtual display (Xvfb) asks, answered with xdotool: Escape is one line and
// exit 1, nothing sent; the code typed gives the role chained from the IAM user, with one
// GetSessionToken. Then 8 such callers at once whose driver answers instantly (a fake zenity that
// counts its runs, as ykman or a password manager would answer) ask once in every one of 20 runs.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/emulator/mfa.js';
import { adminCall, DEMO_IAM_USER } from '../helpers/emulator.js';
import { KEYFOB_COMMAND, runKeyfob, signedInSuite, type RunResult } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { startXvfb } from '../helpers/xvfb.js';

const CHAIN = `
[profile ci-deploy]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = ci
role_session_name = ci
`;
const CLIENTS = 8;
const RUNS = 20;
const KEYS = `${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`;

/**
 * `keyfob credential-process` as an IDE runs the line populate writes: the installed sh front (its
 * curl meets 428, then the Node client), stdin closed, in its own session (no controlling terminal).
 */
function credentialProcess(profile: string, env: Record<string, string>, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KEYFOB_COMMAND, ['credential-process', '--profile', profile], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // its group: a dialog it started goes too
      } catch {}
      reject(new Error(`credential-process ${profile} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'kf-mfa-prompts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('MFA prompts with no terminal', () => {
  const suite = signedInSuite(CHAIN);
  const calls = async () => (await adminCall(suite.emulator, 'stats')).body.calls as Record<string, number>;
  /** Stores the IAM user's keys again: that drops its MFA session, so the next request needs a code. */
  const freshUser = async () => {
    const added = await runKeyfob(['add', 'ci', '--mfa-serial', DEMO_IAM_USER.mfaSerial, '--force'], suite.home.env, 60_000, undefined, KEYS);
    expect(added.code, added.stderr).toBe(0);
    await adminCall(suite.emulator, 'reset-stats');
  };

  it('no terminal and nothing to ask with: one line naming the pre-warm command, and what auto looked for', async () => {
    await freshUser();
    const env = { ...suite.home.env, KEYFOB_MFA_PROMPT: 'auto' };
    delete (env as Record<string, string | undefined>).DISPLAY;
    delete (env as Record<string, string | undefined>).WAYLAND_DISPLAY;
    const r = await credentialProcess('ci-deploy', env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `keyfob: profile "ci" needs a code from MFA device ${DEMO_IAM_USER.mfaSerial}, and there is no terminal to ask it on; in a terminal, run: keyfob exec ci -- true (the MFA prompt "auto" found no terminal and no dialog: zenity or kdialog need DISPLAY or WAYLAND_DISPLAY, osascript is macOS)\n`,
    );
    // A setting outside the list: refused in one line before anything is asked.
    const bad = await credentialProcess('ci-deploy', { ...env, KEYFOB_MFA_PROMPT: '/bin/sh' });
    expect([bad.code, bad.stderr]).toEqual([1, 'keyfob: KEYFOB_MFA_PROMPT is "/bin/sh"; choose one of terminal, zenity, kdialog, osascript, ykman, auto, e.g. run: keyfob mfa-prompt set auto\n']);
    expect((await calls()).GetSessionToken ?? 0).toBe(0);
  }, 120_000);

  it('zenity on a desktop: Escape is one line and exit 1; the typed code gives the chained role, with one GetSessionToken', async (ctx) => {
    requirePart(ctx, 'desktop-dialog');
    await freshUser();
    const x = await startXvfb();
    try {
      const env = { ...suite.home.env, DISPLAY: x.display, KEYFOB_MFA_PROMPT: 'zenity' };
      // Waits for the dialog (its title is keyfob) and gives it the keyboard; keys then go by XTEST.
      const focusDialog = async () => {
        const found = await x.xdotool(['search', '--sync', '--name', '^keyfob$', 'windowfocus', '--sync'], 60_000);
        expect(found.code, found.stderr).toBe(0);
      };
      // Cancelled: nothing sent, nothing asked of STS.
      const cancelled = credentialProcess('ci-deploy', env);
      await focusDialog();
      expect((await x.xdotool(['key', 'Escape'])).code).toBe(0);
      const c = await cancelled;
      expect(c.code).toBe(1);
      expect(c.stdout).toBe('');
      expect(c.stderr).toBe('keyfob: the zenity MFA prompt for profile "ci" was cancelled; nothing was sent, run the command again to be asked again\n');
      expect((await calls()).GetSessionToken ?? 0).toBe(0);
      // Answered: the code typed into the dialog.
      const answered = credentialProcess('ci-deploy', env);
      await focusDialog();
      const typed = await x.xdotool(['type', '--delay', '20', totp(DEMO_IAM_USER.totpSecret)]);
      expect(typed.code, typed.stderr).toBe(0);
      expect((await x.xdotool(['key', 'Return'])).code).toBe(0);
      const r = await answered;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      const answer = JSON.parse(r.stdout) as { Version: number; AccessKeyId: string; AccountId?: string };
      expect(answer.Version).toBe(1);
      expect(answer.AccessKeyId).toMatch(/^ASIA/);
      expect((await calls()).GetSessionToken).toBe(1);
      // The role's own credentials (Deploy in Development), and the daemon holds them now.
      expect(answer.AccountId).toBe('210987654321');
      const again = await credentialProcess('ci-deploy', env);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).AccessKeyId).toBe(answer.AccessKeyId);
    } finally {
      await x.close();
    }
    expect((await calls()).GetSessionToken).toBe(1);
  }, 240_000);

  it(`${CLIENTS} callers at once, a driver that answers instantly: one prompt and one GetSessionToken in each of ${RUNS} runs`, async () => {
    // A fake zenity first on PATH: counts its runs and prints the code at once, as zenity prints the typed line.
    const bin = join(scratch, 'bin');
    const counter = join(scratch, 'prompts');
    const codeFile = join(scratch, 'code');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'zenity'), `#!/bin/sh\necho "$$" >> '${counter}'\ncat '${codeFile}'\n`);
    chmodSync(join(bin, 'zenity'), 0o755);
    const env = { ...suite.home.env, PATH: `${bin}:${suite.home.env.PATH}`, DISPLAY: ':404', KEYFOB_MFA_PROMPT: 'zenity' };
    const prompts: number[] = [];
    const sessions: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await freshUser();
      writeFileSync(counter, '');
      writeFileSync(codeFile, `${totp(DEMO_IAM_USER.totpSecret)}\n`);
      const runs = await Promise.all(Array.from({ length: CLIENTS }, () => credentialProcess('ci', env)));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(new Set(runs.map((r) => (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId)).size).toBe(1);
      prompts.push(readFileSync(counter, 'utf8').split('\n').filter(Boolean).length);
      sessions.push((await calls()).GetSessionToken ?? 0);
    }
    console.log(`prompts per run: ${prompts.join(' ')}; GetSessionToken per run: ${sessions.join(' ')}`);
    expect(prompts).toEqual(Array(RUNS).fill(1));
    expect(sessions).toEqual(Array(RUNS).fill(1));
  }, 900_000);
});


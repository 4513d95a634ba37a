// When the sign-in has ended, an interactive `assume` signs in and then carries on, as granted
// does: in bash on a real terminal (tmux), a session revoked at the emulator makes the shim's fast
// path hand the refusal to the backend, which shows a device code (approved here through the
// emulator's admin API, as a person would in the browser) and then exports. Without a terminal,
// or with --no-login, it fails fast with the login hint and starts no sign-in.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { missingPart, requirePart } from '../helpers/requirePart.js';
import { startTerminal, type Terminal } from '../helpers/tmux.js';

const SESSION = 'd-9067c0ffee';
const HINT = `keyfob: the sign-in has ended for sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}`;

describe('assume signs in when the session has ended', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let terminal: Terminal | undefined;
  const term = () => terminal!;

  /** End every portal session at the emulator, and leave the next sign-in to a person. */
  async function revoke(): Promise<void> {
    emulator.state.settings.autoApprove = false;
    expect((await adminCall(emulator, 'revoke', {})).status).toBe(200);
  }
  const pending = async () => (await adminCall<{ pending: unknown[] }>(emulator, 'pending')).body.pending;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
    if (missingPart('tmux') === undefined && missingPart('bash') === undefined) {
      terminal = await startTerminal(['/usr/bin/bash', '--norc', '--noprofile', '-i'], { ...home.env, LANG: 'C.UTF-8', PS1: '$ ' });
      await terminal.send(`eval "$(${KEYFOB_BIN} shell-init bash)"`, 'Enter');
    }
  });
  afterAll(async () => {
    await terminal?.close();
    await home?.cleanup();
    await emulator?.close();
  });

  it('without a terminal, fails fast with the login hint and starts no sign-in', async (ctx) => {
    requirePart(ctx, 'bash');
    await revoke();
    const backend = await runKeyfob(['assume', 'Production/ReadOnlyAccess'], home.env);
    expect([backend.code, backend.stdout, backend.stderr]).toEqual([1, '', `${HINT}\n`]);
    // The shim's fast path (the daemon runs, curl answers) prints the same line and changes nothing.
    const shim = await runCommand('/usr/bin/bash', ['--norc', '--noprofile', '-c', `eval "$("${process.execPath}" "${KEYFOB_BIN}" shell-init bash)"; assume Production/ReadOnlyAccess; echo "status=$? profile=\${AWS_PROFILE-}"`], home.env);
    expect(shim.stdout).toBe('status=1 profile=\n');
    expect(shim.stderr).toBe(`${HINT}\n`);
    expect(await pending()).toEqual([]);
  });

  it('--no-login at a terminal fails fast with the hint', async (ctx) => {
    requirePart(ctx, 'tmux', 'bash');
    await term().send('clear', 'Enter');
    await term().send('assume --no-login Production/ReadOnlyAccess; echo "status=$?"', 'Enter');
    const screen = await term().waitFor(/status=1/);
    expect(screen).toContain(HINT);
    expect(screen).not.toContain('To sign in');
    expect(await pending()).toEqual([]);
  });

  it('at a terminal, signs in with a device code and then exports', async (ctx) => {
    requirePart(ctx, 'tmux', 'bash');
    await term().send('clear', 'Enter');
    await term().send('assume Production/ReadOnlyAccess', 'Enter');
    const prompt = await term().waitFor(/confirm the code ([A-Z]{4}-[A-Z]{4})/);
    expect(prompt).toContain(`keyfob: the sign-in has ended for sso-session "${SESSION}"; signing in (--no-login fails instead)`);
    const userCode = /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(prompt)![1];
    expect((await adminCall(emulator, 'approve', { userCode })).status).toBe(200);
    await term().waitFor(/keyfob: assumed Production\/ReadOnlyAccess \(432109876543, ReadOnlyAccess, eu-west-1\)/, 30_000);
    await term().send('echo "P=$AWS_PROFILE K=${AWS_ACCESS_KEY_ID:0:4}"', 'Enter');
    await term().waitFor(/P=Production\/ReadOnlyAccess K=ASIA/);
    // Signed in again for everyone: a script now gets credentials without asking.
    const after = await runKeyfob(['assume', 'QA/ReadOnlyAccess'], home.env);
    expect(after.code, after.stderr).toBe(0);
  });

  it('in fish too: the fast path hands the refusal to the backend at a terminal, and prints it without one', async (ctx) => {
    requirePart(ctx, 'tmux', 'fish');
    await revoke();
    const init = `"${process.execPath}" "${KEYFOB_BIN}" shell-init fish | source`;
    const script = await runCommand('/usr/bin/fish', ['--no-config', '-c', `${init}; assume Development/ReadOnlyAccess; echo "status=$status profile=$AWS_PROFILE"`], home.env);
    expect([script.stdout, script.stderr]).toEqual(['status=1 profile=\n', `${HINT}\n`]);
    const fish = await startTerminal(['/usr/bin/fish', '--no-config', '-i'], { ...home.env, LANG: 'C.UTF-8' });
    try {
      await fish.send(init, 'Enter');
      await fish.send('assume Development/ReadOnlyAccess; and echo "P=$AWS_PROFILE"', 'Enter');
      const prompt = await fish.waitFor(/confirm the code ([A-Z]{4}-[A-Z]{4})/);
      const userCode = /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(prompt)![1];
      expect((await adminCall(emulator, 'approve', { userCode })).status).toBe(200);
      await fish.waitFor(/P=Development\/ReadOnlyAccess/, 30_000);
    } finally {
      await fish.close();
    }
  });
});

describe('a profile that names its portal itself, with no [sso-session] for it yet', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    // As the AWS CLI's `aws configure sso` wrote profiles before sso-session existed.
    writeFileSync(
      home.configFile,
      `[profile legacy]\nsso_start_url = ${emulator.startUrl}\nsso_region = ${emulator.region}\nsso_account_id = 432109876543\nsso_role_name = ReadOnlyAccess\nregion = eu-west-1\n`,
    );
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('without a terminal: one line naming the login that would serve it', async () => {
    const r = await runKeyfob(['assume', 'legacy'], home.env);
    expect([r.code, r.stderr]).toEqual([
      1,
      `keyfob: profile "legacy" signs in to ${emulator.startUrl}, and no [sso-session] does; run: keyfob login --start-url ${emulator.startUrl} --sso-region ${emulator.region}\n`,
    ]);
  });

  it('at a terminal: assume signs in to that portal, writes its [sso-session], and exports', async (ctx) => {
    requirePart(ctx, 'tmux', 'bash');
    const terminal = await startTerminal(['/usr/bin/bash', '--norc', '--noprofile', '-i'], { ...home.env, LANG: 'C.UTF-8', PS1: '$ ' });
    try {
      await terminal.send(`eval "$(${KEYFOB_BIN} shell-init bash)"`, 'Enter');
      await terminal.send('assume legacy; echo "status=$? P=$AWS_PROFILE K=${AWS_ACCESS_KEY_ID:0:4}"', 'Enter');
      const screen = await terminal.waitFor(/status=\d+ P=\S* K=\S*/, 60_000);
      expect(screen).toContain('status=0 P=legacy K=ASIA');
      expect(screen).toContain('signing in (--no-login fails instead)');
    } finally {
      await terminal.close();
    }
    expect(readFileSync(home.configFile, 'utf8')).toMatch(/\[sso-session [^\]]+\]\nsso_start_url = https:\/\/d-9067c0ffee\.awsapps\.com\/start/);
  });
});

// `assume` with no argument in an interactive bash on a real terminal (tmux): the picker lists
// the profiles with account and role, typing filters, Enter assumes, Esc changes nothing, the
// order follows use (frecency), and no secret reaches the shell's history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { missingPart, requirePart } from '../helpers/requirePart.js';
import { startTerminal, type Terminal } from '../helpers/tmux.js';

describe('assume with the picker, in an interactive bash', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let terminal: Terminal | undefined;
  /** The terminal, in a test that first required tmux (skipped without it, failed under CI). */
  const term = () => terminal!;
  let histfile: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    histfile = join(home.dir, '.bash_history');
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env)).code).toBe(0);
    expect((await runKeyfob(['populate', '--region', 'eu-west-1'], home.env)).code).toBe(0);
    // Without tmux the tests that need the terminal skip (or, under CI, fail) on requirePart.
    if (missingPart('tmux') === undefined) {
      terminal = await startTerminal(['/usr/bin/bash', '--norc', '--noprofile', '-i'], { ...home.env, HISTFILE: histfile, LANG: 'C.UTF-8' });
      await terminal.send(`eval "$(${KEYFOB_BIN} shell-init bash)"`, 'Enter');
    }
  });
  afterAll(async () => {
    await terminal?.close();
    await home?.cleanup();
    await emulator?.close();
  });

  it('lists profiles in file order before any use', async () => {
    const listed = await runKeyfob(['assume', '--list-profiles'], home.env);
    expect(listed.stdout.split('\n')[0]).toBe('Management/AdministratorAccess');
  });

  it('filters as you type and assumes what Enter picks', async (ctx) => {
    requirePart(ctx, 'tmux');
    await term().send('assume', 'Enter');
    const screen = await term().waitFor(/Experiments\/ReadOnlyAccess.*765432109876.*ReadOnlyAccess/);
    expect(screen).toContain('Management/AdministratorAccess');
    await term().send('-l', 'expadm');
    await term().waitFor(/assume> expadm/);
    await term().send('Enter');
    await term().waitFor(/keyfob: assumed Experiments\/AdministratorAccess \(765432109876, AdministratorAccess, eu-west-1\)/);
    await term().send('echo "P=$AWS_PROFILE R=$AWS_REGION"; history -a', 'Enter');
    await term().waitFor(/P=Experiments\/AdministratorAccess R=eu-west-1/);
  });

  it('Esc picks nothing and changes nothing', async (ctx) => {
    requirePart(ctx, 'tmux');
    await term().send('clear', 'Enter');
    await term().send('assume', 'Enter');
    await term().waitFor(/765432109876/);
    await term().send('Escape');
    await term().waitFor(/keyfob: no profile picked, nothing changed/);
    await term().send('echo "S=$? P=$AWS_PROFILE"', 'Enter');
    await term().waitFor(/S=1 P=Experiments\/AdministratorAccess/);
  });

  it('puts the profile used first next time, and keeps secrets out of history', async (ctx) => {
    requirePart(ctx, 'tmux');
    const listed = await runKeyfob(['assume', '--list-profiles'], home.env);
    expect(listed.stdout.split('\n')[0]).toBe('Experiments/AdministratorAccess');
    // The typed line shows "SAV""ED"; only the output shows SAVED.
    await term().send(`printf %s "$AWS_SECRET_ACCESS_KEY" > ${join(home.dir, 'secret')}; history -a; echo "SAV""ED"`, 'Enter');
    await term().waitFor(/^SAVED$/m);
    const secret = readFileSync(join(home.dir, 'secret'), 'utf8');
    expect(secret).toMatch(/^\S{40}$/);
    const history = readFileSync(histfile, 'utf8');
    expect(history).toContain('assume');
    expect(history).not.toContain(secret);
  });
});

// `npm run demo` (keyfob demo): the README's main command runs the whole journey and exits 0.
import { describe, expect, it } from 'vitest';
import { runKeyfob } from '../helpers/keyfob.js';

describe('keyfob demo', () => {
  it('runs every step of the journey against the embedded emulator and cleans up', async () => {
    const r = await runKeyfob(['demo'], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, 90_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (let n = 1; n <= 8; n++) expect(r.stdout).toContain(`==> ${n}. `);
    expect(r.stdout).not.toContain('\x1b'); // a pipe gets no ANSI codes
    expect(r.stdout).toMatch(/16 profiles \(16 added, 0 updated, 0 removed, 0 skipped\)/);
    expect(r.stdout).toContain('keyfob: assumed Experiments/AdministratorAccess (765432109876, AdministratorAccess, eu-west-1)');
    expect(r.stdout).toMatch(/Arn {5}arn:aws:sts::765432109876:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\/alice/);
    expect(r.stdout).toContain("the emulator's console page: account 765432109876, role AdministratorAccess");
    expect(r.stdout).not.toMatch(/SigninToken=[A-Za-z0-9]/); // the sign-in token is shortened, never shown
    const home = /throwaway HOME (\S+)/.exec(r.stdout)![1];
    const { existsSync } = await import('node:fs');
    expect(existsSync(home)).toBe(false);
  });
});

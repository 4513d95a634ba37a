// `npm run demo` (keyfob demo): the README's main command runs the whole journey, a role chain
// and `keyfob list` included, and exits 0.
import { describe, expect, it } from 'vitest';
import { DEMO_IAM_USER } from '../../src/emulator/index.js';
import { runKeyfob } from '../helpers/keyfob.js';

describe('keyfob demo', () => {
  it('runs every step of the journey against the embedded emulator and cleans up', async () => {
    const r = await runKeyfob(['demo'], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, 90_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (let n = 1; n <= 12; n++) expect(r.stdout).toContain(`==> ${n}. `);
    expect(r.stdout).not.toContain('\x1b'); // a pipe gets no ANSI codes
    expect(r.stdout).toMatch(/16 profiles \(16 added, 0 updated, 0 removed, 0 skipped\)/);
    expect(r.stdout).toContain('keyfob: assumed Experiments/AdministratorAccess (765432109876, AdministratorAccess, eu-west-1)');
    expect(r.stdout).toMatch(/Arn {5}arn:aws:sts::765432109876:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\/alice/);
    // The role chain written by hand on top of a generated profile, assumed in bash: AssumeRole
    // into Development's Deploy with Security/AdministratorAccess's credentials.
    expect(r.stdout).toContain('[profile deploy-dev]\n    role_arn = arn:aws:iam::210987654321:role/Deploy\n    source_profile = Security/AdministratorAccess\n');
    expect(r.stdout).toContain('keyfob: assumed deploy-dev (210987654321, Deploy, eu-west-1)');
    expect(r.stdout).toMatch(/Account 210987654321\n {4}Arn {5}arn:aws:sts::210987654321:assumed-role\/Deploy\/demo\n/);
    // keyfob list names each kind, and the chain's cached expiry; the IAM user's keys are never shown.
    expect(r.stdout).toMatch(/\n {4}Experiments\/AdministratorAccess +sso +d-9067c0ffee\/765432109876\/AdministratorAccess/);
    expect(r.stdout).toMatch(/\n {4}deploy-dev +chain +Security\/AdministratorAccess +cached until /);
    expect(r.stdout).toMatch(/\n {4}ci-deployer +iam-user +keychain\n/);
    expect(r.stdout).not.toContain(DEMO_IAM_USER.secretAccessKey);
    expect(r.stdout).not.toContain(DEMO_IAM_USER.accessKeyId);
    expect(r.stdout).toContain("the emulator's console page: account 765432109876, role AdministratorAccess");
    expect(r.stdout).not.toMatch(/SigninToken=[A-Za-z0-9]/); // the sign-in token is shortened, never shown
    const home = /throwaway HOME (\S+)/.exec(r.stdout)![1];
    const { existsSync } = await import('node:fs');
    expect(existsSync(home)).toBe(false);
  });
});

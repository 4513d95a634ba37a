// The assume backend on its own (what the shims run): its plain stdout contract, its one-line
// errors, and that nothing reaches stdout (or the eval fd) when it fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

describe('keyfob assume (the backend)', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('prints the script on stdout without --eval-fd, for the shell named, and -r overrides the region', async () => {
    const fish = await runKeyfob(['assume', '--shell', 'fish', 'QA/ReadOnlyAccess', '-r', 'ap-southeast-2'], home.env);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toMatch(/^set -gx AWS_ACCESS_KEY_ID 'ASIA[A-Z0-9]{16}'$/m);
    expect(fish.stdout).toContain("set -gx AWS_PROFILE 'QA/ReadOnlyAccess'\n");
    expect(fish.stdout).toContain("set -gx AWS_REGION 'ap-southeast-2'\n");
    expect(fish.stderr).toMatch(/^keyfob: assumed QA\/ReadOnlyAccess \(321098765432, ReadOnlyAccess, ap-southeast-2\) until \d\d:\d\d \S+ \(\d+[hm]( \d+m)?\)\n$/);
    const ps = await runKeyfob(['assume', '--shell', 'powershell', 'QA/ReadOnlyAccess'], home.env);
    expect(ps.stdout).toContain("$env:AWS_PROFILE = 'QA/ReadOnlyAccess'\n");
  });

  it('clears only what it set before: --unset follows KEYFOB_EXPORTED', async () => {
    const r = await runKeyfob(['assume', '--unset'], { ...home.env, KEYFOB_EXPORTED: 'AWS_PROFILE,AWS_REGION,not-a-name' });
    expect(r.stdout).toBe('unset AWS_PROFILE\nunset AWS_REGION\nunset KEYFOB_EXPORTED\n');
  });

  it('fails in one line with nothing on stdout: usage, unknown profile, not signed in', async () => {
    const cases: [string[], RegExp][] = [
      [['assume', '--shell', 'tcsh', 'QA/ReadOnlyAccess'], /^keyfob: --shell must be one of bash, zsh, fish, powershell; see: assume --help\n$/],
      [['assume', 'a', 'b'], /^keyfob: one profile at a time \(got "a" and "b"\); to run a command, put it after --; see: assume --help\n$/],
      [['assume', '--bogus'], /^keyfob: unknown option --bogus; see: assume --help\n$/],
      [['assume', 'QA/ReadOnly', '-r', 'mars'], /^keyfob: "mars" is not an AWS region, e.g. -r eu-west-1; see: assume --help\n$/],
      [['exec'], /^keyfob: usage: keyfob exec PROFILE \[-r REGION\] \[-d DURATION\] \[-- COMMAND \[ARGS\.\.\.\]\]\n$/],
      [['assume', 'QA/ReadOnly'], /^keyfob: profile "QA\/ReadOnly" is not in .*; nearest: "QA\/ReadOnlyAccess", .*; check the name, or run: keyfob populate\n$/],
    ];
    for (const [args, expected] of cases) {
      const r = await runKeyfob(args, home.env);
      expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([1, '', expect.stringMatching(expected)]);
    }
    expect((await runKeyfob(['logout', '--all'], home.env)).code).toBe(0);
    const signedOut = await runKeyfob(['assume', 'QA/ReadOnlyAccess'], home.env);
    expect([signedOut.code, signedOut.stdout]).toEqual([1, '']);
    expect(signedOut.stderr).toBe('keyfob: not signed in to sso-session "d-9067c0ffee"; run: keyfob login --sso-session d-9067c0ffee\n');
  });

  it('prints usage for --help, on stdout, with status 0', async () => {
    const r = await runKeyfob(['assume', '--help'], home.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: assume \[PROFILE\]/);
  });
});

// `keyfob logout` ends sign-ins, nothing else: IAM user keys (keyfob add) are not a session, so
// they stay, and logout, its --help and status say so.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEMO_IAM_USER } from '../helpers/emulator.js';
import { KEYFOB_BIN, runKeyfob, signedInSuite } from '../helpers/keyfob.js';

const suite = signedInSuite();

function addKeys(profile: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KEYFOB_BIN, 'add', profile], { env: suite.home.env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('close', resolve);
    child.stdin.end(`${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`);
  });
}

describe('keyfob logout', () => {
  it('--help says it signs out and leaves IAM user keys', async () => {
    const help = await runKeyfob(['logout', '--help'], suite.home.env);
    expect(help.stdout).toMatch(/Sign out of IAM Identity Center/);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/IAM user keys \(keyfob add\) are no sign-in and stay; keyfob remove PROFILE deletes them/);
  });

  it('--all signs out of every sign-in, keeps IAM user keys, and says so', async () => {
    expect(await addKeys('ci')).toBe(0);
    const out = await runKeyfob(['logout', '--all'], suite.home.env);
    expect([out.code, out.stdout]).toEqual([0, 'Signed out of d-9067c0ffee\nIAM user keys stay in the keychain for ci; to delete them: keyfob remove PROFILE\n']);
    const status = JSON.parse((await runKeyfob(['status', '--json'], suite.home.env)).stdout);
    expect(status.sessions.every((s: { signedIn: boolean }) => !s.signedIn)).toBe(true);
    expect(status.iamUsers).toEqual(['ci']);
    expect((await runKeyfob(['status'], suite.home.env)).stdout).toContain(
      'IAM users in the keychain (keyfob add; logout leaves them, keyfob remove PROFILE deletes them):\n  ci\n',
    );
    // Once the keys are gone, logout has nothing more to say.
    expect((await runKeyfob(['remove', 'ci'], suite.home.env)).code).toBe(0);
    expect((await runKeyfob(['logout', '--all'], suite.home.env)).stdout).toBe('Nothing to sign out of\n');
  });
});

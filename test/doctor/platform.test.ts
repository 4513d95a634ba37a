// doctor's macOS texts and its /proc-free parent lookup, checked on Linux with the platform injected.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clockFix } from '../../src/doctor/clockSkew.js';
import { keychainCheck } from '../../src/doctor/keychain.js';
import { processName } from '../../src/doctor/shellShim.js';

describe('doctor on darwin (platform injected)', () => {
  it('gives sntp, not timedatectl, for clock skew', () => {
    expect(clockFix('darwin')).toContain('sudo sntp -sS time.apple.com');
    expect(clockFix('darwin')).not.toContain('timedatectl');
    expect(clockFix('linux')).toContain('timedatectl');
  });

  it('gives security unlock-keychain and explains Always Allow when the keychain fails', async () => {
    // There is no /usr/bin/security on Linux, so the darwin store fails: what matters is the text.
    const result = await keychainCheck.run({ env: { PATH: '/usr/bin:/bin' }, timeoutMs: 5000, platform: 'darwin' });
    const one = Array.isArray(result) ? result[0] : result;
    expect(one.status).toBe('fail');
    expect(one.detail).toContain('/usr/bin/security');
    expect(one.fix).toContain('run: security unlock-keychain');
    expect(one.fix).toContain('Always Allow');
    expect(one.fix).not.toContain('gnome-keyring');
  });
});

describe('processName without /proc', () => {
  it('falls back to ps -o comm=', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      expect(processName(child.pid!, '/nonexistent-proc')).toBe('sleep');
      expect(processName(child.pid!)).toBe('sleep');
      expect(processName(2 ** 22 + 12345, '/nonexistent-proc')).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

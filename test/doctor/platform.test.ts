// doctor's macOS texts and its /proc-free parent lookup, checked on Linux with the platform injected.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clockFix, clockSkewCheck } from '../../src/doctor/clockSkew.js';
import { keychainCheck } from '../../src/doctor/keychain.js';
import { processName } from '../../src/doctor/shellShim.js';

describe('doctor on darwin (platform injected)', () => {
  it('gives sntp, not timedatectl, for clock skew', () => {
    expect(clockFix('darwin')).toContain('sudo sntp -sS time.apple.com');
    expect(clockFix('darwin')).not.toContain('timedatectl');
    expect(clockFix('linux')).toContain('timedatectl');
  });

  it('the clock check itself gives the darwin fix when told the platform', async () => {
    // A portal whose Date header is 10 minutes ahead.
    const server = createServer((_req, res) => res.writeHead(404, { Date: new Date(Date.now() + 10 * 60_000).toUTCString() }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'keyfob-clock-'));
    try {
      const config = join(dir, 'config');
      writeFileSync(config, '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\n');
      const env = { HOME: dir, AWS_CONFIG_FILE: config, AWS_ENDPOINT_URL_SSO: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      const darwin = await clockSkewCheck.run({ env, timeoutMs: 5000, platform: 'darwin' });
      const linux = await clockSkewCheck.run({ env, timeoutMs: 5000, platform: 'linux' });
      expect(darwin).toMatchObject({ status: 'fail', fix: clockFix('darwin') });
      expect(linux).toMatchObject({ status: 'fail', fix: clockFix('linux') });
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
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

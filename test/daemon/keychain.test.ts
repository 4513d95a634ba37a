// The daemon with the REAL keychain: gnome-keyring inside dbus-run-session. The token survives a
// SIGKILLed daemon because it lives in the keychain, and nowhere in a file.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, KEYFOB_BIN, keyfobHome, profileSection, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';

describe('daemon with gnome-keyring', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator, { KEYFOB_KEYRING: 'keychain' });
    appendFileSync(home.configFile, `[sso-session d-9067c0ffee]\nsso_start_url = ${emulator.startUrl}\nsso_region = eu-west-1\n\n${profileSection(PROFILE, 'd-9067c0ffee', '765432109876', 'AdministratorAccess')}`);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('keeps the token in the keychain across a killed daemon', async (ctx) => {
    requirePart(ctx, 'keychain');
    const out = join(home.dir, 'out');
    const kf = `'${process.execPath}' '${KEYFOB_BIN}'`;
    const script = join(home.dir, 'journey.sh');
    writeFileSync(
      script,
      [
        'set -u',
        `echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null`,
        `${kf} login > '${out}.login' 2>&1`,
        `${kf} credential-process --profile '${PROFILE}' > '${out}.1' 2>&1`,
        `secret-tool lookup service keyfob account d-9067c0ffee > '${out}.keychain'`,
        `kill -9 "$(head -n 1 "$KEYFOB_HOME/daemon.pid")"`,
        `${kf} credential-process --profile '${PROFILE}' > '${out}.2' 2>&1`,
        `${kf} daemon stop >/dev/null`,
      ].join('\n'),
    );
    await adminCall(emulator, 'reset-stats');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('dbus-run-session', ['--', 'sh', script], { env: home.env, stdio: 'ignore' });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    expect(readFileSync(`${out}.login`, 'utf8')).toMatch(/Signed in to d-9067c0ffee/);
    const first = JSON.parse(readFileSync(`${out}.1`, 'utf8'));
    const second = JSON.parse(readFileSync(`${out}.2`, 'utf8'));
    expect(first.AccountId).toBe('765432109876');
    // The restarted daemon had no memory of the first credentials but found the token in the keychain.
    expect(second.AccountId).toBe('765432109876');
    expect(second.AccessKeyId).not.toBe(first.AccessKeyId);
    const calls = (await adminCall(emulator, 'stats')).body.calls;
    expect(calls.StartDeviceAuthorization).toBe(1);
    expect(calls.GetRoleCredentials).toBe(2);
    const entry = JSON.parse(readFileSync(`${out}.keychain`, 'utf8'));
    expect(entry.token.accessToken.length).toBeGreaterThan(10);
    // Nothing outside the keychain holds the token.
    for (const path of filesUnder(home.dir)) {
      if (path === `${out}.keychain`) continue;
      const text = readFileSync(path, 'utf8');
      expect(text, path).not.toContain(entry.token.accessToken);
      if (entry.token.refreshToken) expect(text, path).not.toContain(entry.token.refreshToken);
      expect(text, path).not.toContain(entry.registrations.device.clientSecret);
    }
  }, 60_000);
});

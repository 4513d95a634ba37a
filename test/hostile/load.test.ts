// Load: 1000 real `keyfob credential-process` processes, in waves of 100 started at once. All
// succeed, all get the same credentials, and the daemon makes exactly one upstream call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

const WAVES = 10;
const PER_WAVE = 100;

describe('load', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
    await adminCall(emulator, 'reset-stats', {});
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it(`serves ${WAVES * PER_WAVE} concurrent credential-process processes with one upstream call`, async () => {
    const keys = new Set<string>();
    let failed: string[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const results = await Promise.all(
        Array.from({ length: PER_WAVE }, () => runKeyfob(['credential-process', '--profile', 'Experiments/AdministratorAccess'], home.env, 120_000)),
      );
      failed = failed.concat(results.filter((r) => r.code !== 0).map((r) => r.stderr));
      for (const r of results.filter((x) => x.code === 0)) keys.add(JSON.parse(r.stdout).AccessKeyId);
    }
    expect(failed).toEqual([]);
    expect(keys.size).toBe(1);
    expect((await adminCall(emulator, 'stats')).body.calls.GetRoleCredentials).toBe(1);
  }, 300_000);
});

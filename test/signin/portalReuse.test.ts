// A legacy (sso_start_url) or granted profile in a config with no [sso-session] for its portal uses
// the sign-in the daemon already holds to exactly that start URL and region: no second sign-in.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminCall } from '../helpers/emulator.js';
import { runKeyfob, signedInSuite } from '../helpers/keyfob.js';

const suite = signedInSuite();

describe('a signed-in portal is reused', () => {
  it('by a legacy and a granted profile of another config, with no new sign-in', async () => {
    const { emulator, home } = suite;
    const other = join(home.dir, 'other-config');
    writeFileSync(
      other,
      `[profile legacy]\nsso_start_url = ${emulator.startUrl}/\nsso_region = ${emulator.region}\nsso_account_id = 321098765432\nsso_role_name = ReadOnlyAccess\n\n` +
        `[profile granted]\ngranted_sso_start_url = ${emulator.startUrl}\ngranted_sso_region = ${emulator.region}\ngranted_sso_account_id = 321098765432\ngranted_sso_role_name = ReadOnlyAccess\n`,
      { mode: 0o600 },
    );
    const env = { ...home.env, AWS_CONFIG_FILE: other };
    const signIns = async () => {
      const { calls } = (await adminCall(emulator, 'stats')).body as { calls: Record<string, number> };
      return (calls.StartDeviceAuthorization ?? 0) + (calls.RegisterClient ?? 0);
    };
    const before = await signIns();
    for (const profile of ['legacy', 'granted']) {
      const r = await runKeyfob(['credential-process', '--profile', profile], env);
      expect([r.code, r.stderr], profile).toEqual([0, '']);
      expect(JSON.parse(r.stdout).AccountId).toBe('321098765432');
    }
    expect(await signIns(), 'no sign-in started').toBe(before);
  });
});

// Caching of chained profiles, end to end: 50 `keyfob credential-process` processes at once, on a
// daemon that has cached nothing yet, cost IAM Identity Center and STS one call per link, counted
// by the emulator itself. A two-link chain (Security/AdministratorAccess → Deploy → Auditor with
// an external id) is one GetRoleCredentials and two AssumeRoles; two roles chained from the IAM
// user with MFA are one GetSessionToken, one AssumeRole each, and the code asked once.
import { describe, expect, it } from 'vitest';
import { totp } from '../../src/emulator/mfa.js';
import { adminCall, DEMO_IAM_USER } from '../helpers/emulator.js';
import { KEYFOB_BIN, runKeyfob, signedInSuite, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { startTerminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/waitFor.js';

const CONCURRENT = 50;
const DEPLOY = 'arn:aws:iam::210987654321:role/Deploy';
const AUDITOR = 'arn:aws:iam::432109876543:role/Auditor';
const BREAK_GLASS = 'arn:aws:iam::432109876543:role/BreakGlass';

const CHAINS = `
[profile deploy]
role_arn = ${DEPLOY}
source_profile = Security/AdministratorAccess

[profile auditor]
role_arn = ${AUDITOR}
source_profile = deploy
external_id = keyfob-demo-external-id

[profile ci-deploy]
role_arn = ${DEPLOY}
source_profile = ci

[profile ci-breakglass]
role_arn = ${BREAK_GLASS}
source_profile = ci
`;

interface Answer {
  AccessKeyId: string;
  AccountId?: string;
}

/** `keyfob credential-process` for each profile, all started at once and none with a terminal; every one must answer. */
async function concurrently(home: KeyfobHome, profiles: string[]): Promise<Map<string, Set<string>>> {
  const runs = await Promise.all(profiles.map((profile) => runKeyfob(['credential-process', '--profile', profile], home.env, 120_000)));
  const keysByProfile = new Map<string, Set<string>>();
  runs.forEach((r, i) => {
    expect(r.code, `${profiles[i]}: ${r.stderr}`).toBe(0);
    expect(r.stderr).toBe('');
    const answer = JSON.parse(r.stdout) as Answer;
    const keys = keysByProfile.get(profiles[i]!) ?? new Set();
    keysByProfile.set(profiles[i]!, keys.add(answer.AccessKeyId));
  });
  return keysByProfile;
}

describe(`${CONCURRENT} concurrent credential_process runs for chained profiles`, () => {
  const suite = signedInSuite(CHAINS);
  const calls = async () => (await adminCall(suite.emulator, 'stats')).body.calls as Record<string, number>;


  it('a two-link chain: one GetRoleCredentials and one AssumeRole per link, one answer for all', async () => {
    await adminCall(suite.emulator, 'reset-stats');
    const keys = await concurrently(suite.home, Array.from({ length: CONCURRENT }, () => 'auditor'));
    expect(keys.get('auditor')?.size).toBe(1);
    const c = await calls();
    expect({ GetRoleCredentials: c.GetRoleCredentials, AssumeRole: c.AssumeRole }).toEqual({ GetRoleCredentials: 1, AssumeRole: 2 });
    // The chain's first link is cached too: asking for it alone calls nobody.
    await concurrently(suite.home, ['deploy', 'auditor']);
    expect((await calls()).AssumeRole).toBe(2);
  }, 180_000);

  it('two roles from the IAM user with MFA: one GetSessionToken, one AssumeRole each, the code asked once', async (ctx) => {
    requirePart(ctx, 'tmux');
    const added = await runKeyfob(['add', 'ci', '--mfa-serial', DEMO_IAM_USER.mfaSerial], suite.home.env, 30_000, undefined, `${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`);
    expect(added.code, added.stderr).toBe(0);
    await adminCall(suite.emulator, 'reset-stats');
    // The one code, typed on a terminal for the user's session.
    const term = await startTerminal([process.execPath, KEYFOB_BIN, 'exec', 'ci', '--', 'true'], suite.home.env);
    let screen: string;
    try {
      await term.waitFor(/MFA code for ci/, 30_000);
      await term.send(totp(DEMO_IAM_USER.totpSecret), 'Enter');
      expect(await term.exitCode(30_000), await term.screen()).toBe(0);
      screen = await term.screen();
    } finally {
      await term.close();
    }
    expect(screen.match(/MFA code for ci/g)).toHaveLength(1);
    // Every run below has no terminal: one that needed a code would fail (MfaRequired), not ask.
    const profiles = Array.from({ length: CONCURRENT }, (_, i) => ['ci-deploy', 'ci-breakglass', 'ci'][i % 3]!);
    const keys = await concurrently(suite.home, profiles);
    expect([...keys.values()].map((k) => k.size)).toEqual([1, 1, 1]);
    expect(keys.get('ci')).not.toContain(DEMO_IAM_USER.accessKeyId); // the session, never the long-term key
    const c = await calls();
    expect({ GetSessionToken: c.GetSessionToken, AssumeRole: c.AssumeRole }).toEqual({ GetSessionToken: 1, AssumeRole: 2 });
  }, 180_000);
});

describe('two terminals that need the same MFA session at once', () => {
  const suite = signedInSuite(CHAINS);

  it('one asks for the code, the other waits for it and asks nothing', async (ctx) => {
    requirePart(ctx, 'tmux');
    const added = await runKeyfob(['add', 'ci', '--mfa-serial', DEMO_IAM_USER.mfaSerial], suite.home.env, 30_000, undefined, `${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`);
    expect(added.code, added.stderr).toBe(0);
    await adminCall(suite.emulator, 'reset-stats');
    const terms = await Promise.all(
      ['ci-deploy', 'ci-breakglass'].map((profile) => startTerminal([process.execPath, KEYFOB_BIN, 'exec', profile, '--', 'true'], suite.home.env)),
    );
    try {
      // Both have met MfaRequired: one holds the prompt, the other says it waits.
      const asking = await waitFor(
        async () => {
          const screens = await Promise.all(terms.map((t) => t.screen()));
          const prompt = screens.findIndex((s) => /MFA code for ci/.test(s));
          return prompt >= 0 && /waiting for it/.test(screens[1 - prompt]!) ? terms[prompt]! : undefined;
        },
        { timeoutMs: 30_000, what: 'one terminal asking and the other waiting' },
      );
      await asking.send(totp(DEMO_IAM_USER.totpSecret), 'Enter');
      for (const t of terms) expect(await t.exitCode(30_000), await t.screen()).toBe(0);
      const screens = await Promise.all(terms.map((t) => t.screen()));
      expect(screens.join('\n').match(/MFA code for ci/g)).toHaveLength(1);
    } finally {
      for (const t of terms) await t.close();
    }
    expect((await adminCall(suite.emulator, 'stats')).body.calls.GetSessionToken).toBe(1);
  }, 180_000);
});

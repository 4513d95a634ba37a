// The same profile resolved two ways, for every kind keyfob serves besides plain SSO: botocore and
// the AWS CLI v2 resolving it themselves (their own AssumeRole through source_profile, their own
// MFA prompt, their own run of another tool's credential_process), and keyfob resolving it — for
// botocore and the CLI through credential_process, and for bash, zsh and fish through `assume`.
// Every way must name the same identity: the ARN carries account, role and session name.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/emulator/mfa.js';
import { adminCall, DEMO_IAM_USER, defaultFixture, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { awsCliIdentity, botocoreIdentity } from '../helpers/nativeAws.js';
import { AWS_CLI_PATH, partsPresent } from '../helpers/requirePart.js';
import { startTerminal } from '../helpers/tmux.js';

const USER_ARN = `arn:aws:iam::${DEMO_IAM_USER.accountId}:user/${DEMO_IAM_USER.name}`;
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const assumed = (account: string, name: string) => `arn:aws:sts::${account}:assumed-role/${name}/parity`;

/** Another tool's credential_process: it prints the IAM user's long-term keys, as such tools do. */
const TOOL = `#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\\n' "${DEMO_IAM_USER.accessKeyId}" "${DEMO_IAM_USER.secretAccessKey}"
`;

const config = (tool: string) => `
[profile deploy-dev]
role_arn = ${role('210987654321', 'Deploy')}
source_profile = Security/AdministratorAccess
role_session_name = parity

[profile auditor-prod]
role_arn = ${role('432109876543', 'Auditor')}
source_profile = deploy-dev
external_id = keyfob-demo-external-id
role_session_name = parity

[profile breakglass]
role_arn = ${role('432109876543', 'BreakGlass')}
source_profile = ci-deployer
mfa_serial = ${DEMO_IAM_USER.mfaSerial}
role_session_name = parity

[profile static-chain]
role_arn = ${role('210987654321', 'CiReader')}
source_profile = static-keys
role_session_name = parity

[profile tool]
credential_process = /bin/sh ${tool}

[profile tool-chain]
role_arn = ${role('210987654321', 'CiReader')}
source_profile = tool
role_session_name = parity

[profile env-chain]
role_arn = ${role('210987654321', 'CiReader')}
credential_source = Environment
role_session_name = parity
`;

/** The keys credential_source = Environment reads, in the environment of whoever resolves the profile. */
const USER_KEYS_ENV = { AWS_ACCESS_KEY_ID: DEMO_IAM_USER.accessKeyId, AWS_SECRET_ACCESS_KEY: DEMO_IAM_USER.secretAccessKey };

interface Kind {
  kind: string;
  /** The profile keyfob answers for. */
  profile: string;
  /** The profile botocore resolves natively when it cannot read keyfob's keychain (an IAM user). */
  native?: string;
  arn: string;
  /** The IAM user's keys in the environment of every client (credential_source = Environment). */
  environment?: boolean;
}

const KINDS: Kind[] = [
  { kind: 'a role chain from SSO, one link', profile: 'deploy-dev', arn: assumed('210987654321', 'Deploy') },
  { kind: 'a chain two links deep with external_id', profile: 'auditor-prod', arn: assumed('432109876543', 'Auditor') },
  { kind: 'an IAM user with MFA (keys in keyfob)', profile: 'ci-deployer', native: 'static-keys', arn: USER_ARN },
  { kind: 'an IAM user with MFA chaining into a role', profile: 'breakglass', arn: assumed('432109876543', 'BreakGlass') },
  { kind: 'static keys', profile: 'static-keys', arn: USER_ARN },
  { kind: 'a chain from static keys', profile: 'static-chain', arn: assumed('210987654321', 'CiReader') },
  { kind: "another tool's credential_process", profile: 'tool', arn: USER_ARN },
  { kind: "a chain from another tool's credential_process", profile: 'tool-chain', arn: assumed('210987654321', 'CiReader') },
  { kind: 'a chain from the environment (credential_source = Environment)', profile: 'env-chain', arn: assumed('210987654321', 'CiReader'), environment: true },
];

const viaKeyfob = (name: string) => `kf-${name}`;

const SHELL_SCRIPT = {
  posix: (shell: string) => `eval "$("$KEYFOB" shell-init ${shell})"
while IFS= read -r name; do
  [ "$name" = env-chain ] && export AWS_ACCESS_KEY_ID="$CI_KEY_ID" AWS_SECRET_ACCESS_KEY="$CI_SECRET"
  assume "$name" 2>> "$OUT/${shell}.err" || echo "assume failed: $name" >> "$OUT/${shell}.err"
  "$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --region eu-west-1 --query Arn --output text >> "$OUT/${shell}.arns" 2>> "$OUT/${shell}.err"
  assume --unset
done < "$OUT/names"
`,
  fish: `"$KEYFOB" shell-init fish | source
for name in (cat "$OUT/names")
  test $name = env-chain; and set -gx AWS_ACCESS_KEY_ID $CI_KEY_ID; and set -gx AWS_SECRET_ACCESS_KEY $CI_SECRET
  assume $name 2>> "$OUT/fish.err"; or echo "assume failed: $name" >> "$OUT/fish.err"
  "$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --region eu-west-1 --query Arn --output text >> "$OUT/fish.arns" 2>> "$OUT/fish.err"
  assume --unset
end
`,
};

function runShell(shell: 'bash' | 'zsh' | 'fish', script: string, env: Record<string, string>): Promise<number | null> {
  const args = shell === 'fish' ? ['--no-config', script] : shell === 'zsh' ? ['-f', script] : ['--norc', '--noprofile', script];
  return new Promise((resolve, reject) => {
    const child = spawn(`/usr/bin/${shell}`, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

describe.skipIf(!partsPresent('aws-cli-v2', 'tmux', 'bash', 'zsh', 'fish'))('every profile kind, resolved natively and by keyfob', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let out: string;
  /** botocore's AssumeRole prompts for a code when the profile has mfa_serial; the wrapper answers with a fresh one. */
  const nativeEnv = () => ({ ...home.env, KF_TEST_MFA_CODE: totp(DEMO_IAM_USER.totpSecret) });
  const calls = async (operation: string) => ((await adminCall(emulator, 'stats')).body.calls as Record<string, number>)[operation] ?? 0;

  beforeAll(async () => {
    const fixture = defaultFixture();
    // A role the IAM user may assume without MFA, for chains from static keys and from another tool.
    fixture.iamRoles!.push({ accountId: '210987654321', name: 'CiReader', trust: [{ principals: [USER_ARN] }] });
    emulator = await startTestEmulator({ autoApprove: true, fixture });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    out = mkdtempSync(join(tmpdir(), 'kf-parity-'));
    const tool = join(out, 'tool.sh');
    writeFileSync(tool, TOOL, { mode: 0o700 });
    appendFileSync(home.configFile, config(tool));
    for (const { profile } of KINDS) {
      appendFileSync(home.configFile, `\n[profile ${viaKeyfob(profile)}]\ncredential_process = ${process.execPath} ${KEYFOB_BIN} credential-process --profile ${profile}\n`);
    }
    writeFileSync(home.env.AWS_SHARED_CREDENTIALS_FILE!, `[static-keys]\naws_access_key_id = ${DEMO_IAM_USER.accessKeyId}\naws_secret_access_key = ${DEMO_IAM_USER.secretAccessKey}\n`, { mode: 0o600 });
    // aws-vault's way: the IAM user's keys go into the keychain from a pipe, never argv.
    const added = await runKeyfob(['add', 'ci-deployer', '--mfa-serial', DEMO_IAM_USER.mfaSerial], home.env, 30_000, undefined, `${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`);
    expect(added.code, added.stderr).toBe(0);
    // The one MFA code, typed on a terminal: every later resolution, with no terminal, uses its session.
    const term = await startTerminal([process.execPath, KEYFOB_BIN, 'exec', 'ci-deployer', '--', 'true'], home.env);
    try {
      await term.waitFor(/MFA code/, 30_000);
      await term.send(totp(DEMO_IAM_USER.totpSecret), 'Enter');
      const code = await term.exitCode(30_000);
      expect(code, await term.screen()).toBe(0);
    } finally {
      await term.close();
    }
  }, 180_000);

  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  for (const k of KINDS) {
    it(`${k.kind}: botocore and the AWS CLI name the same identity natively and through keyfob's credential_process`, async () => {
      const native = k.native ?? k.profile;
      const extra = k.environment ? USER_KEYS_ENV : {};
      const ways = {
        'botocore, natively': await botocoreIdentity(native, { ...nativeEnv(), ...extra }),
        'AWS CLI, natively': await awsCliIdentity(native, { ...nativeEnv(), ...extra }),
        "botocore, keyfob's credential_process": await botocoreIdentity(viaKeyfob(k.profile), { ...home.env, ...extra }),
        "AWS CLI, keyfob's credential_process": await awsCliIdentity(viaKeyfob(k.profile), { ...home.env, ...extra }),
      };
      for (const [way, identity] of Object.entries(ways)) {
        expect({ way, arn: identity.Arn, account: identity.Account }).toEqual({ way, arn: k.arn, account: k.arn.split(':')[4] });
      }
    }, 120_000);
  }

  it('assume in bash, zsh and fish exports the same identities', async () => {
    writeFileSync(join(out, 'names'), KINDS.map((k) => `${k.profile}\n`).join(''));
    const env = {
      ...home.env,
      ...{ OUT: out, EMU: emulator.url, KEYFOB: KEYFOB_BIN, AWS_CLI: AWS_CLI_PATH, LANG: 'C.UTF-8' },
      ...{ CI_KEY_ID: DEMO_IAM_USER.accessKeyId, CI_SECRET: DEMO_IAM_USER.secretAccessKey },
    };
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const script = join(out, `parity.${shell}`);
      writeFileSync(script, shell === 'fish' ? SHELL_SCRIPT.fish : SHELL_SCRIPT.posix(shell));
      await runShell(shell, script, env);
      const errors = (() => {
        try {
          return readFileSync(join(out, `${shell}.err`), 'utf8');
        } catch {
          return '';
        }
      })();
      // Nothing on stderr but assume's own notes.
      expect(errors.split('\n').filter((line) => line && !line.startsWith('keyfob: assumed ')), shell).toEqual([]);
      expect(readFileSync(join(out, `${shell}.arns`), 'utf8').trim().split('\n'), `${shell}: ${errors}`).toEqual(KINDS.map((k) => k.arn));
    }
  }, 180_000);

  it('one GetSessionToken served every chain from the IAM user: the MFA code was asked once', async () => {
    expect(await calls('GetSessionToken')).toBe(1);
  });
});

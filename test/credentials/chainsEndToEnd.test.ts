// Role chains and an IAM user with MFA against the emulator's STS, end to end: the AWS CLI v2
// resolving the chain natively (its own AssumeRole through source_profile) and through keyfob's
// credential_process give the same assumed-role ARN; `keyfob add` reads the keys from a pipe; the
// MFA code is asked on the terminal (tmux) once for every role chained from the user, and without a
// terminal the error names the command that pre-warms the session.
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/emulator/mfa.js';
import { DEMO_IAM_USER, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { AWS_CLI_PATH, requirePart } from '../helpers/requirePart.js';
import { botocoreIdentity } from '../helpers/nativeAws.js';
import { startTerminal } from '../helpers/tmux.js';
import { spawn } from 'node:child_process';

const SOURCE = 'Security/AdministratorAccess';
const CHAIN = `
[profile deploy]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = ${SOURCE}
role_session_name = alice

[profile auditor]
role_arn = arn:aws:iam::432109876543:role/Auditor
source_profile = deploy
external_id = keyfob-demo-external-id
role_session_name = alice

[profile auditor-long]
role_arn = arn:aws:iam::432109876543:role/Auditor
source_profile = deploy
external_id = keyfob-demo-external-id
duration_seconds = 7200

[profile ci-deploy]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = ci
role_session_name = ci

[profile ci-breakglass]
role_arn = arn:aws:iam::432109876543:role/BreakGlass
source_profile = ci
role_session_name = ci
`;

/** The same profile, answered by keyfob for the AWS CLI. */
const viaKeyfob = (name: string) => `\n[profile kf-${name}]\ncredential_process = ${process.execPath} ${KEYFOB_BIN} credential-process --profile ${name}\n`;

/** keyfob add, with the keys on a pipe. */
function addUser(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KEYFOB_BIN, 'add', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`);
  });
}

/** The AWS CLI v2 through a profile (this one names STS's endpoint only with --endpoint-url). */
async function callerArn(env: Record<string, string>, profile: string): Promise<string> {
  const r = await runCommand(AWS_CLI_PATH, ['sts', 'get-caller-identity', '--profile', profile, '--output', 'json', `--endpoint-url=${env.AWS_ENDPOINT_URL_STS}`], { ...env, AWS_REGION: 'eu-west-1' });
  expect(r.code, `${profile}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout).Arn as string;
}

describe('role chains and IAM users against the emulator', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
    appendFileSync(home.configFile, CHAIN + viaKeyfob('deploy') + viaKeyfob('auditor') + viaKeyfob('ci-deploy'));
  }, 120_000);
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('a two-link chain with an external id: the AWS CLI natively and through keyfob name the same assumed role', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    // botocore's own AssumeRole through source_profile (its source answered by keyfob), and keyfob's
    // chain; every kind, and the shells, in profileParity.test.ts.
    const native = (await botocoreIdentity('auditor', home.env)).Arn;
    expect(native).toBe('arn:aws:sts::432109876543:assumed-role/Auditor/alice');
    expect((await botocoreIdentity('kf-auditor', home.env)).Arn).toBe(native);
    expect(await callerArn(home.env, 'kf-auditor')).toBe(native);
    // duration_seconds 7200 on a chained role: one hour, with a note; no error.
    const r = await runKeyfob(['assume', '--shell', 'bash', 'auditor-long'], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/7200 s reduced to 3600 s/);
    const list = JSON.parse((await runKeyfob(['list', '--json'], home.env)).stdout) as { profiles: { name: string; kind?: string; source?: string }[] };
    expect(list.profiles.find((p) => p.name === 'auditor')).toMatchObject({ kind: 'chain', source: 'deploy' });
  });

  it('keyfob add, then MFA asked on the terminal once for every role chained from the user', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    requirePart(ctx, 'tmux');
    const added = await addUser(home.env, ['ci', '--mfa-serial', DEMO_IAM_USER.mfaSerial]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).not.toContain(DEMO_IAM_USER.secretAccessKey);
    // No terminal: one line naming the command that pre-warms the session, and the prompt setting.
    const cold = await runKeyfob(['credential-process', '--profile', 'ci-deploy'], home.env);
    expect(cold.code).toBe(1);
    expect(cold.stderr.trim()).toBe(
      `keyfob: profile "ci" needs a code from MFA device ${DEMO_IAM_USER.mfaSerial}, and there is no terminal to ask it on; in a terminal, run: keyfob exec ci -- true, or let keyfob ask in a dialog where there is no terminal: keyfob mfa-prompt set auto`,
    );
    // In a terminal, under the AWS CLI: the code is asked on /dev/tty; stdout stays the JSON.
    const term = await startTerminal(
      [AWS_CLI_PATH, 'sts', 'get-caller-identity', '--profile', 'kf-ci-deploy', '--query', 'Arn', '--output', 'text', `--endpoint-url=${emulator.url}`],
      { ...home.env, AWS_REGION: 'eu-west-1' },
    );
    try {
      await term.waitFor(/MFA code for ci/, 30_000);
      await term.send(totp(DEMO_IAM_USER.totpSecret), 'Enter');
      await term.waitFor(/assumed-role\/Deploy\/ci/, 30_000);
      expect(await term.exitCode()).toBe(0);
    } finally {
      await term.close();
    }
    // Every other role from the same user: no code asked (no terminal here, and it works).
    const breakGlass = await runKeyfob(['assume', '--shell', 'bash', 'ci-breakglass'], home.env);
    expect(breakGlass.code, breakGlass.stderr).toBe(0);
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.iamUsers).toEqual(['ci']);
    expect(JSON.stringify(status)).not.toContain(DEMO_IAM_USER.secretAccessKey);
    const removed = await runKeyfob(['remove', 'ci'], home.env);
    expect(removed.stdout).toMatch(/Deleted the keys of profile ci/);
  });
});

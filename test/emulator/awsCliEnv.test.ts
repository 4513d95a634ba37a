// `keyfob emulator --aws-cli-env` prints what to export so that every AWS CLI v2 reaches the
// emulator, Debian's 2.9 included (it ignores AWS_ENDPOINT_URL_*): with only those exports, the
// README's journey works: keyfob signs in and populates, `aws sts get-caller-identity --profile P`
// answers through keyfob's credential_process, and the CLI's own AssumeRole (role_arn +
// source_profile) reaches the emulator's STS too. The data directory goes when the emulator stops.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI_PATH } from '../helpers/awscli.js';
import { KEYFOB_BIN, runCommand, runKeyfob } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { waitFor } from '../helpers/waitFor.js';

let emulator: ChildProcessWithoutNullStreams;
let printed = '';
let dir: string;
/** A user's shell: a home, and nothing that points anywhere but the exports. */
let env: Record<string, string>;

beforeAll(async () => {
  emulator = spawn(process.execPath, [KEYFOB_BIN, 'emulator', '--aws-cli-env', '--auto-approve'], { stdio: 'pipe' });
  emulator.stdout.on('data', (d) => (printed += d));
  await waitFor(() => printed.includes('AWS_REGION'), { timeoutMs: 30_000, what: 'the exports' });
  dir = mkdtempSync(join(tmpdir(), 'kf-awscli-env-'));
  mkdirSync(join(dir, '.aws'));
  writeFileSync(join(dir, '.aws', 'config'), '');
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KEYFOB_HOME: join(dir, 'kf'),
    KEYFOB_KEYRING: 'memory',
    KEYFOB_BROWSER: 'none',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    LANG: 'C.UTF-8',
  };
  // What a user gets from `eval "$(…)"`: sh reads the lines, and its environment is taken.
  const exported = await runCommand('/bin/sh', ['-c', `${printed}\nenv -0`], { PATH: env.PATH! });
  for (const entry of exported.stdout.split('\0')) {
    const [name, ...value] = entry.split('=');
    if (name?.startsWith('AWS_')) env[name] = value.join('=');
  }
}, 60_000);
afterAll(async () => {
  await runKeyfob(['daemon', 'stop'], env).catch(() => undefined);
  emulator?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('keyfob emulator --aws-cli-env', () => {
  it('exports an AWS_DATA_PATH and the endpoint variables, in sh syntax', () => {
    expect(printed).toMatch(/^# keyfob emulator at http:\/\/127\.0\.0\.1:\d+: /);
    expect(Object.keys(env).filter((name) => name.startsWith('AWS_')).sort()).toEqual([
      'AWS_DATA_PATH',
      'AWS_EC2_METADATA_DISABLED',
      'AWS_ENDPOINT_URL_SSO',
      'AWS_ENDPOINT_URL_SSO_OIDC',
      'AWS_ENDPOINT_URL_STS',
      'AWS_PAGER',
      'AWS_REGION',
    ]);
    expect(existsSync(join(env.AWS_DATA_PATH!, 'sts', '2011-06-15', 'endpoint-rule-set-1.json'))).toBe(true);
  });

  it("lets Debian's AWS CLI reach the emulator's STS, through keyfob and by its own AssumeRole", async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    expect((await runKeyfob(['login', '--start-url', 'https://d-9067c0ffee.awsapps.com/start', '--sso-region', 'eu-west-1'], env)).code).toBe(0);
    expect((await runKeyfob(['populate'], env)).code).toBe(0);
    appendFileSync(
      join(dir, '.aws', 'config'),
      '\n[profile deploy-dev]\nrole_arn = arn:aws:iam::210987654321:role/Deploy\nsource_profile = Security/AdministratorAccess\nrole_session_name = demo\n',
    );
    const identity = async (profile: string) => {
      const r = await runCommand(AWS_CLI_PATH, ['sts', 'get-caller-identity', '--profile', profile, '--output', 'json', '--cli-connect-timeout', '5'], env, {
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).Arn as string;
    };
    expect(await identity('Experiments/AdministratorAccess')).toMatch(/^arn:aws:sts::765432109876:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\/alice$/);
    expect(await identity('deploy-dev')).toBe('arn:aws:sts::210987654321:assumed-role/Deploy/demo');
  }, 120_000);

  it('removes its data directory when it stops', async () => {
    emulator.kill('SIGTERM');
    await waitFor(() => !existsSync(env.AWS_DATA_PATH!), { timeoutMs: 10_000, what: 'the data directory to go' });
  });
});

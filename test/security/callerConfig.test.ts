// The daemon answers from the config the caller resolved, not the one it started with: two
// configs (a project's own AWS_CONFIG_FILE, say, set by direnv) that give one profile name two
// different accounts, one daemon, and each caller gets its own config's account — through the AWS
// CLI, credential-process, and a shell whose AWS_CONFIG_FILE and KEYFOB_HOME change after shell-init.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, runCommand, runKeyfob, signedInHome, signedInSuite, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const PROFILE = 'QA/ReadOnlyAccess';
const QA = '321098765432';
const PRODUCTION = '432109876543';

const bash = (script: string, env: Record<string, string>) => runCommand('bash', ['-c', script], env);

describe('answers follow the caller’s config', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let projectConfig: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    // The project's config: the same session, and the same profile name for another account.
    const session = /\[sso-session [^\]]+\][^[]*/.exec(readFileSync(home.configFile, 'utf8'))![0];
    const project = join(home.dir, 'project');
    mkdirSync(project);
    projectConfig = join(project, 'aws-config');
    writeFileSync(
      projectConfig,
      `${session}\n[profile ${PROFILE}]\nkeyfob_sso_session = d-9067c0ffee\nkeyfob_account_id = ${PRODUCTION}\nkeyfob_role_name = ReadOnlyAccess\nregion = eu-west-1\n` +
        `credential_process = ${KEYFOB_BIN} credential-process --profile ${PROFILE}\n`,
    );
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  const account = (cp: { stdout: string }) => JSON.parse(cp.stdout).AccountId;

  it('gives each caller its own config’s account from one daemon', async () => {
    const first = await runKeyfob(['credential-process', '--profile', PROFILE], home.env);
    expect(first.code, first.stderr).toBe(0);
    const pid = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid;
    const second = await runKeyfob(['credential-process', '--profile', PROFILE], { ...home.env, AWS_CONFIG_FILE: projectConfig });
    expect(second.code, second.stderr).toBe(0);
    expect([account(first), account(second)]).toEqual([QA, PRODUCTION]);
    expect(JSON.parse(first.stdout).AccessKeyId).not.toBe(JSON.parse(second.stdout).AccessKeyId);
    const status = JSON.parse((await runKeyfob(['status', '--json'], { ...home.env, AWS_CONFIG_FILE: projectConfig })).stdout);
    expect(status.daemon.pid).toBe(pid);
    expect(status.daemon.configFile).toBe(projectConfig);
  });

  it('gives the AWS CLI the account of the config it was given', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const identity = async (configFile: string) => {
      const r = await runAwsCli(['sts', 'get-caller-identity', '--profile', PROFILE, `--endpoint-url=${emulator.url}`, '--output', 'json'], {
        ...home.env,
        AWS_CONFIG_FILE: configFile,
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).Account;
    };
    expect(await identity(home.configFile)).toBe(QA);
    expect(await identity(projectConfig)).toBe(PRODUCTION);
    expect(await identity(home.configFile)).toBe(QA);
  });

  it('follows AWS_CONFIG_FILE and KEYFOB_HOME set after shell-init, on the fast path too', async () => {
    const otherHome = join(home.dir, 'other-kf');
    const script = [
      `eval "$(${KEYFOB_BIN} shell-init bash)"`,
      `assume ${PROFILE} 2>/dev/null; echo "home=$AWS_ACCESS_KEY_ID"`,
      `export AWS_CONFIG_FILE=${projectConfig}`,
      `assume ${PROFILE} 2>/dev/null; echo "project=$AWS_ACCESS_KEY_ID"`,
      // The fast path asks curl; its calls are counted to show it answered, not the Node backend.
      `curl() { echo curl >> "$HOME/curl.count"; command curl "$@"; }`,
      `assume ${PROFILE} 2>/dev/null; echo "project-again=$AWS_ACCESS_KEY_ID"`,
      `export KEYFOB_HOME=${otherHome}`,
      `${KEYFOB_BIN} daemon start >/dev/null`,
      `assume ${PROFILE}; echo "other-home-status=$?"`,
      `${KEYFOB_BIN} daemon stop >/dev/null`,
    ].join('\n');
    const r = await bash(script, home.env);
    const line = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(r.stdout)?.[1];
    const direct = (configFile: string) => runKeyfob(['credential-process', '--profile', PROFILE], { ...home.env, AWS_CONFIG_FILE: configFile });
    expect(line('home')).toBe(JSON.parse((await direct(home.configFile)).stdout).AccessKeyId);
    expect(line('project')).toBe(JSON.parse((await direct(projectConfig)).stdout).AccessKeyId);
    expect(line('project-again')).toBe(line('project'));
    // Both assumes after the counter went through curl: this one, and the one below.
    expect(readFileSync(join(home.dir, 'curl.count'), 'utf8')).toBe('curl\ncurl\n');
    // Another KEYFOB_HOME is another daemon, not signed in: the old socket is not asked.
    expect(line('other-home-status')).toBe('1');
    expect(r.stderr).toContain('not signed in to sso-session "d-9067c0ffee"');
  });
});

describe('answers follow the caller’s credentials file too', () => {
  const suite = signedInSuite();

  it('the sh front and the bash and fish shims name it, so the same profile name in two credentials files gets each caller its own keys', async (ctx) => {
    requirePart(ctx, 'curl', 'bash', 'fish');
    const { home } = suite;
    const keysIn = (file: string, id: string) =>
      writeFileSync(file, `[same-name]\naws_access_key_id = ${id}\naws_secret_access_key = secret/${id}/00000000000000000000\n`, { mode: 0o600 });
    keysIn(home.env.AWS_SHARED_CREDENTIALS_FILE!, 'AKIADAEMONSOWNFILE01');
    const projectCredentials = join(home.dir, 'project-credentials-2');
    keysIn(projectCredentials, 'AKIAPROJECTSFILE0001');
    // The daemon runs, started from the home's own files (its fallback for callers that name none).
    const own = await runKeyfob(['credential-process', '--profile', 'same-name'], home.env);
    expect(JSON.parse(own.stdout).AccessKeyId, own.stderr).toBe('AKIADAEMONSOWNFILE01');
    const project = { ...home.env, AWS_SHARED_CREDENTIALS_FILE: projectCredentials, KEYFOB: KEYFOB_BIN };
    const front = await runCommand(KEYFOB_COMMAND, ['credential-process', '--profile', 'same-name'], { ...project, KEYFOB_FAST_PATH: '' });
    expect(JSON.parse(front.stdout).AccessKeyId, front.stderr).toBe('AKIAPROJECTSFILE0001');
    const shims = {
      bash: await bash('eval "$(node "$KEYFOB" shell-init bash)"; assume same-name >/dev/null 2>&1; printf %s "$AWS_ACCESS_KEY_ID"', project),
      fish: await runCommand('fish', ['--no-config', '-c', 'node "$KEYFOB" shell-init fish | source; assume same-name >/dev/null 2>&1; printf %s "$AWS_ACCESS_KEY_ID"'], project),
    };
    expect({ bash: shims.bash.stdout, fish: shims.fish.stdout }).toEqual({ bash: 'AKIAPROJECTSFILE0001', fish: 'AKIAPROJECTSFILE0001' });
  });

  it('the endpoint serves a profile of the credentials file the assuming shell named, not the daemon’s', async () => {
    const { home } = suite;
    const projectCredentials = join(home.dir, 'project-credentials');
    writeFileSync(projectCredentials, '[project-keys]\naws_access_key_id = AKIAPROJECTKEYS00001\naws_secret_access_key = projectSecret/000000000000000000000000001\n', { mode: 0o600 });
    const env = { ...home.env, AWS_SHARED_CREDENTIALS_FILE: projectCredentials, KEYFOB: KEYFOB_BIN };
    const r = await bash(
      'eval "$(node "$KEYFOB" shell-init bash)"; assume --auto-refresh project-keys || exit 9; curl -sS -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"',
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).AccessKeyId).toBe('AKIAPROJECTKEYS00001');
  });
});

// doctor finds what makes the AWS CLI fail on a first run (issue 12), each with its line and its
// fix, and the AWS CLI itself confirms each failure: a file botocore refuses, a credential_process
// program that does not exist, a --mode native profile whose token was never exported.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, runAwsCli } from '../helpers/awscli.js';
import { requirePart } from '../helpers/requirePart.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, profileSection, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { check, doctorJson } from './run.js';

const SESSION = 'd-9067c0ffee';
const GOOD_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

describe('keyfob doctor on a first run', () => {
  let emulator: RunningEmulator;
  const homes: KeyfobHome[] = [];
  const newHome = (text: string) => {
    const home = keyfobHome(emulator, { PATH: GOOD_PATH, KEYFOB_SHELL_SHIM: 'bash' });
    homes.push(home);
    writeFileSync(home.configFile, text);
    return home;
  };
  const sessionSection = () => `[sso-session ${SESSION}]\nsso_start_url = ${emulator.startUrl}\nsso_region = ${emulator.region}\n\n`;
  /** The AWS CLI v2 on this home's config. */
  const aws = (home: KeyfobHome, args: string[]) =>
    runAwsCli(args, {
      HOME: home.dir,
      AWS_CONFIG_FILE: home.configFile,
      AWS_ENDPOINT_URL_SSO: emulator.url,
      AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
      PATH: GOOD_PATH,
    });

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
  });
  afterAll(async () => {
    for (const home of homes) await home.cleanup();
    await emulator?.close();
  });

  it.skipIf(!awsCliAvailable()).each([
    {
      what: 'an invalid sub-setting (s3 = then a line without =)',
      body: '[profile mine]\nregion = eu-west-1\ns3 =\n  addressing_style: path\n',
      line: 8,
      message: 'invalid sub-setting "addressing_style: path" under "s3 =" (line 7)',
    },
    { what: 'a duplicate section', body: '[profile mine]\nregion = eu-west-1\n[profile mine]\n', line: 7, message: 'duplicate section [profile mine] (first at line 5)' },
    { what: 'a duplicate key', body: '[profile mine]\nregion = eu-west-1\nREGION = us-east-1\n', line: 7, message: 'duplicate key "region" in [profile mine] (first at line 6)' },
  ])('reports $what with its line, as a file the AWS CLI refuses', async ({ body, line, message }) => {
    const home = newHome(sessionSection() + body);
    const config = check(await doctorJson(home.env), 'config');
    expect(config.status).toBe('fail');
    expect(config.detail).toContain(`line ${line}: ${message}`);
    expect(config.fix).toBe(`edit ${home.configFile} at line ${line}: until then the AWS CLI refuses the whole file ("Unable to parse config file")`);
    expect((await aws(home, ['configure', 'get', 'region', '--profile', 'mine'])).stderr).toMatch(/Unable to parse config file/);
  });

  it('finds a credential_process program that does not exist, with its line and the fix', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const bin = join(newHome('').dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'present'), '#!/bin/sh\necho \'{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"}\'\n');
    chmodSync(join(bin, 'present'), 0o755);
    const home = newHome(
      sessionSection() +
        profileSection('Experiments/AdministratorAccess', SESSION, '765432109876', 'AdministratorAccess') +
        // As granted sso populate writes it (common-fate/awsconfigfile).
        '\n[profile leftover]\ngranted_sso_start_url      = https://example.awsapps.com/start\ngranted_sso_region         = eu-west-1\n' +
        'granted_sso_account_id     = 111122223333\ngranted_sso_role_name      = Admin\ncommon_fate_generated_from = aws-sso\n' +
        'credential_process         = granted credential-process --profile leftover\n' +
        `\n[profile moved]\ncredential_process = "${bin}/gone" --flag\n` +
        `\n[profile fine]\ncredential_process = '${bin}/present' --x\n`,
    );
    const report = await doctorJson(home.env);
    const found = check(report, 'cred-proc');
    expect(found.status).toBe('fail');
    expect(found.detail).toBe(
      `2 profile(s) in ${home.configFile} run a program that does not exist (the AWS CLI fails on them): ` +
        'line 18: profile "leftover": credential_process runs granted, which is not on PATH; ' +
        `line 21: profile "moved": credential_process runs ${bin}/gone, which is not an executable file`,
    );
    expect(found.fix).toBe(
      "run keyfob populate --adopt granted to make granted's profiles keyfob's, under the same names; " +
        `install the program named, or fix its path in the credential_process line of profile "moved" in ${home.configFile}`,
    );
    expect(report.ok).toBe(false);
    const r = await aws(home, ['sts', 'get-caller-identity', '--profile', 'leftover', '--endpoint-url', emulator.url, '--region', 'eu-west-1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/granted/);
  });

  it('finds --mode native profiles whose token the AWS CLI does not have, and passes once it is exported', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const home = newHome('');
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env)).code).toBe(0);
    expect((await runKeyfob(['populate', '--mode', 'native'], home.env)).code).toBe(0);
    const missing = check(await doctorJson(home.env), 'aws-token');
    expect(missing.status).toBe('fail');
    expect(missing.detail).toMatch(
      new RegExp(`^16 native profile\\(s\\) of ${SESSION} \\(.*, and 13 more\\) need the AWS CLI's token, and ${home.dir}/\\.aws/sso/cache has none for it: aws would fail with "Token for ${SESSION} does not exist"$`),
    );
    expect(missing.fix).toBe(`keyfob login --sso-session ${SESSION} --export-to-aws-cli`);
    const r = await aws(home, ['sts', 'get-caller-identity', '--profile', 'Experiments/AdministratorAccess', '--endpoint-url', emulator.url]);
    expect(r.stderr).toMatch(/Token .*does not exist/);

    expect((await runKeyfob(['login', '--sso-session', SESSION, '--export-to-aws-cli'], home.env)).code).toBe(0);
    const present = check(await doctorJson(home.env), 'aws-token');
    expect(present).toEqual({ name: 'aws-token', status: 'ok', detail: "the AWS CLI has a token for each of 1 sso-session(s) of the native profiles" });
    // (That the AWS CLI then signs in from the exported file: test/signin/awsCliCache.test.ts.)
  }, 60_000);
});

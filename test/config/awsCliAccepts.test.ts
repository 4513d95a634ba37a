// The AWS CLI v2 (botocore) must read what the editor writes, next to hand-written content.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAwsConfig } from '../../src/config/awsConfig.js';
import { editConfigFile } from '../../src/config/configWriter.js';
import { AWS_CLI_PATH, awsCliAvailable } from '../helpers/awscli.js';

const AWS = AWS_CLI_PATH; // AWS CLI v2 (the `aws` on PATH may be v1)
// Skipped where /usr/bin/aws is missing or not v2; under CI awsCliAvailable throws instead.
const describeAws = describe.skipIf(!awsCliAvailable());

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-awscli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeAws('AWS CLI v2 reads the edited file', () => {
  it('lists generated profiles and reads their keys, hand-written ones untouched', async () => {
    const file = join(dir, 'config');
    await writeFile(file, '# mine\r\n[default]\r\nregion=eu-west-1\r\n\r\n[profile hand.made]\r\noutput: json\r\n  \r\n; end');
    await editConfigFile(file, (doc) => {
      doc.upsertSection('sso-session', 'acme', [['sso_start_url', 'https://acme.awsapps.com/start'], ['sso_region', 'eu-west-1']]);
      for (const name of ['Experiments/AdministratorAccess', 'Production/ReadOnlyAccess', 'Dev.Team/Admin+x@y']) {
        doc.upsertSection('profile', name, [
          ['credential_process', `keyfob credential-process --profile ${name}`],
          ['keyfob_sso_session', 'acme'],
          ['region', 'us-east-2'],
        ], { marker: 'keyfob: generated' });
      }
    });
    const env = { ...process.env, AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
    const aws = (...args: string[]) => execFileSync(AWS, args, { env, encoding: 'utf8' }).trim();
    expect(aws('configure', 'list-profiles').split(/\r?\n/).sort()).toEqual(
      ['Dev.Team/Admin+x@y', 'Experiments/AdministratorAccess', 'Production/ReadOnlyAccess', 'default', 'hand.made'].sort(),
    );
    expect(aws('configure', 'get', 'region', '--profile', 'Dev.Team/Admin+x@y')).toBe('us-east-2');
    expect(aws('configure', 'get', 'output', '--profile', 'hand.made')).toBe('json');
    expect(aws('configure', 'get', 'keyfob_sso_session', '--profile', 'Production/ReadOnlyAccess')).toBe('acme');
    const config = await readAwsConfig(file);
    expect(config.problems).toEqual([]);
    expect([...config.profiles.keys()].sort()).toEqual(aws('configure', 'list-profiles').split(/\r?\n/).sort());
  });
  it('reads a hand-written file with a lone \\r, U+2028 and U+0085 exactly as keyfob does', async () => {
    const file = join(dir, 'odd');
    // A lone \r ends a line for both; U+2028 and U+0085 end none (JavaScript's own splitters would).
    await writeFile(file, '[profile mac]\rregion = eu-west-1\r[profile sep]\nkeyfob_role_name = Ro\u2028le\u0085X\nregion = us-east-2\n');
    const env = { ...process.env, AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
    const aws = (...args: string[]) => execFileSync(AWS, args, { env, encoding: 'utf8' }).replace(/\n$/, '');
    const config = await readAwsConfig(file);
    expect(config.problems).toEqual([]);
    expect([...config.profiles.keys()].sort()).toEqual(aws('configure', 'list-profiles').split('\n').sort());
    for (const [name, profile] of config.profiles) {
      for (const [key, value] of Object.entries(profile.values)) expect(aws('configure', 'get', key, '--profile', name), `${name} ${key}`).toBe(value);
    }
    expect(config.profiles.get('sep')!.values).toEqual({ keyfob_role_name: 'Ro\u2028le\u0085X', region: 'us-east-2' });
  });
});

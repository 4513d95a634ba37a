// keyfob resolves every profile as botocore does: the same provider tree (which role, with which
// external id, session name, duration and MFA device, from which source) or the same refusal, for
// role chains, static keys in either file, other tools' credential_process and SSO profiles. The
// oracle is botocore's own credential chain inside the AWS CLI v2 (no program run, no STS call).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileResolver, type ProfileSource } from '../../src/config/profileResolver.js';
import { ConfigCache } from '../../src/daemon/server/configCache.js';
import { KeyfobError } from '../../src/core/errors.js';
import { botocoreAvailable, botocoreResolve, type BotocoreSource } from '../helpers/botocore.js';

const ROLE = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const KEYS = (id: string) => `aws_access_key_id = ${id}\naws_secret_access_key = secret-of-${id}\n`;

const CONFIG = `
[sso-session corp]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = eu-west-1

[profile sso]
sso_session = corp
sso_account_id = 543210987654
sso_role_name = AdministratorAccess

[profile legacy]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 543210987654
sso_role_name = ReadOnlyAccess

[profile deploy]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = sso
role_session_name = alice
duration_seconds = 1800

[profile auditor]
role_arn = ${ROLE('432109876543', 'Auditor')}
source_profile = deploy
external_id = keyfob-demo-external-id

[profile odd-duration]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = sso
duration_seconds = an hour

[profile self]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = self
${KEYS('AKIASELF000000000001')}
[profile keys-and-role]
role_arn = ${ROLE('210987654321', 'Other')}
source_profile = sso
${KEYS('AKIAKEYSANDROLE00001')}
[profile from-keys-and-role]
role_arn = ${ROLE('321098765432', 'Deploy')}
source_profile = keys-and-role

[profile from-credentials-file]
role_arn = ${ROLE('321098765432', 'Deploy')}
source_profile = cred-only
mfa_serial = arn:aws:iam::543210987654:mfa/me

[profile both-files]
credential_process = /usr/local/bin/othertool --profile both-files

[profile process-and-keys]
credential_process = /usr/local/bin/othertool "two words" 'single quoted' back\\ slash
${KEYS('AKIAPROCESSANDKEYS01')}
[profile config-keys]
${KEYS('AKIACONFIGKEYS000001')}
[profile tool-role]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = both-files

[profile user]
credential_process = /opt/keyfob/bin/keyfob credential-process --profile user
mfa_serial = arn:aws:iam::543210987654:mfa/ci-deployer

[profile user-role]
role_arn = ${ROLE('432109876543', 'BreakGlass')}
source_profile = user
mfa_serial = arn:aws:iam::543210987654:mfa/ci-deployer

[profile loop-a]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = loop-b

[profile loop-b]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = loop-a

[profile self-loop]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = self-loop

[profile missing-source]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = nowhere

[profile both-sources]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = sso
credential_source = Environment

[profile no-source]
role_arn = ${ROLE('210987654321', 'Deploy')}

[profile empty]
region = eu-west-1

[profile from-empty]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = empty

[profile half-keys]
aws_access_key_id = AKIAHALF000000000001

[profile overridden]
role_arn = ${ROLE('210987654321', 'Deploy')}
source_profile = sso
`;

const CREDENTIALS = `[overridden]
role_arn = ${ROLE('432109876543', 'FromCredentialsFile')}

[cred-only]
${KEYS('AKIACREDONLY00000001')}
[both-files]
${KEYS('AKIABOTHFILES0000001')}
[default]
${KEYS('AKIADEFAULT000000001')}`;

/** keyfob's tree in botocore's shape; for keyfob's own credential_process line, what botocore sees: a process. */
function asBotocore(source: ProfileSource, files: { configPath: string }, lineOf: (profile: string) => string): BotocoreSource {
  switch (source.kind) {
    case 'sso':
      return { method: 'sso' };
    case 'static':
      return { method: source.file === files.configPath ? 'config-file' : 'shared-credentials-file', accessKey: source.accessKeyId };
    case 'process':
      return { method: 'custom-process', command: source.command };
    case 'iam-user':
      return { method: 'custom-process', command: lineOf(source.profile) };
    case 'environment':
      return { method: 'env' };
    case 'chain': {
      const extra: Record<string, string | number> = { RoleArn: source.roleArn };
      if (source.roleSessionName) extra.RoleSessionName = source.roleSessionName;
      if (source.externalId) extra.ExternalId = source.externalId;
      if (source.mfaSerial) extra.SerialNumber = source.mfaSerial;
      if (source.durationSeconds !== undefined) extra.DurationSeconds = source.durationSeconds;
      return { method: 'assume-role', roleArn: source.roleArn, extra, source: asBotocore(source.source, files, lineOf) };
    }
  }
}

/** botocore's answer without what is random (its default session name) or worded differently (error text). */
function normalised(b: BotocoreSource): unknown {
  if ('error' in b) return { error: true };
  if (b.method === 'assume-role' && 'extra' in b) {
    const { RoleSessionName, ...rest } = b.extra as Record<string, string | number>;
    const extra = String(RoleSessionName).startsWith('botocore-session-') ? rest : { ...rest, RoleSessionName };
    return { ...b, extra, source: normalised(b.source) };
  }
  return b;
}

describe.runIf(botocoreAvailable())('profiles resolve as botocore resolves them', () => {
  let dir: string;
  let cache: ConfigCache;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyfob-resolve-'));
    chmodSync(dir, 0o700);
    writeFileSync(join(dir, 'config'), CONFIG, { mode: 0o600 });
    writeFileSync(join(dir, 'credentials'), CREDENTIALS, { mode: 0o600 });
    cache = new ConfigCache(join(dir, 'config'), join(dir, 'credentials'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every profile: the same tree, or both refuse', () => {
    const files = cache.profileFiles();
    const names = [...new Set([...files.config.profiles.keys(), ...files.credentials.keys()])];
    const oracle = botocoreResolve(files.configPath, files.credentialsPath, names);
    const resolver = new ProfileResolver(files);
    const lineOf = (p: string) => files.config.profiles.get(p)!.values.credential_process!;
    let refusals = 0;
    for (const name of names) {
      let ours: unknown;
      try {
        ours = asBotocore(resolver.resolve(name), files, lineOf);
      } catch (err) {
        expect(err, name).toBeInstanceOf(KeyfobError);
        expect((err as Error).message, name).not.toContain('\n');
        ours = { error: true };
        refusals++;
      }
      expect(ours, `${name}: botocore says ${JSON.stringify(oracle[name])}`).toEqual(normalised(oracle[name]!));
    }
    expect(refusals).toBe(9); // three loops, a missing source, both sources, no source, an empty profile and source, half the keys
  });

  it('a loop is refused with botocore\'s words, and the fix', () => {
    const oracle = botocoreResolve(join(dir, 'config'), join(dir, 'credentials'), ['loop-a']);
    const botocore = (oracle['loop-a'] as { message: string }).message.split('Visited')[0]!;
    expect(() => new ProfileResolver(cache.profileFiles()).resolve('loop-a')).toThrow(botocore.trim());
  });
});

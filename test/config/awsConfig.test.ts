import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAwsConfig, resolveProfileSource, type Profile, type SsoSession } from '../../src/config/awsConfig.js';
import { deriveSessionName, pickSsoSession, upsertSsoSession } from '../../src/config/ssoSessions.js';
import { ConfigError } from '../../src/core/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyfob-awsconfig-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readAwsConfig', () => {
  it('treats a missing file as an empty config', async () => {
    const config = await readAwsConfig(join(dir, 'absent'));
    expect(config.profiles.size).toBe(0);
    expect(config.ssoSessions.size).toBe(0);
    expect(config.problems).toEqual([]);
  });

  it('reads a tricky file the way botocore does', async () => {
    const path = join(dir, 'tricky');
    await writeFile(
      path,
      [
        '\uFEFF# comment',
        '[profile default]',
        'region = from-profile-default',
        '[default]',
        'region = from-default',
        '[profile Dev/Admin.x]',
        'Keyfob_SSO_Session = acme',
        'keyfob_account_id=111122223333',
        'keyfob_role_name :Admin',
        'keyfob_role_name = ignored-duplicate',
        's3 =',
        '    max_concurrent_requests = 20',
        '[sso-session acme]',
        'sso_start_url = https://acme.awsapps.com/start',
        'sso_region = eu-west-1',
        'sso_registration_scopes = sso:account:access, codewhisperer:completions ,',
        '[sso-session half]',
        'sso_region = us-east-1',
        '[services s]',
        'sts =',
        '  endpoint_url = http://localhost',
      ].join('\r\n'),
    );
    const config = await readAwsConfig(path);
    // [default] comes later in the file than [profile default], so it wins (botocore's dict order).
    expect(config.profiles.get('default')?.values.region).toBe('from-default');
    const dev = config.profiles.get('Dev/Admin.x')!;
    expect(dev.values).toMatchObject({
      keyfob_sso_session: 'acme',
      keyfob_account_id: '111122223333',
      keyfob_role_name: 'Admin',
      s3: '\nmax_concurrent_requests = 20',
    });
    expect(config.ssoSessions.get('acme')).toEqual({
      name: 'acme',
      startUrl: 'https://acme.awsapps.com/start',
      region: 'eu-west-1',
      scopes: ['sso:account:access', 'codewhisperer:completions'],
    });
    expect(config.ssoSessions.get('half')?.startUrl).toBe('');
    expect(config.problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'the file starts with a byte-order mark (BOM), which the AWS CLI cannot parse; save it as UTF-8 without BOM'],
      [10, 'duplicate key "keyfob_role_name" in [profile Dev/Admin.x] (first at line 9); keyfob reads the first'],
      [17, '[sso-session half] has no sso_start_url'],
    ]);
    expect([...config.profiles.keys()]).toEqual(['default', 'Dev/Admin.x']);
  });
});

describe('resolveProfileSource', () => {
  const profile = (values: Record<string, string>): Profile => ({ name: 'p', values });

  it('reads keyfob profiles', () => {
    expect(
      resolveProfileSource(
        profile({ keyfob_sso_session: 's', keyfob_account_id: '1', keyfob_role_name: 'R', region: 'eu-west-1', credential_process: 'x' }),
      ),
    ).toEqual({ kind: 'keyfob', ssoSession: 's', accountId: '1', roleName: 'R', region: 'eu-west-1' });
  });

  it('reads native and legacy profiles', () => {
    expect(resolveProfileSource(profile({ sso_session: 's', sso_account_id: '1', sso_role_name: 'R' }))).toEqual({
      kind: 'native',
      ssoSession: 's',
      accountId: '1',
      roleName: 'R',
    });
    expect(
      resolveProfileSource(profile({ sso_start_url: 'https://x', sso_region: 'us-east-1', sso_account_id: '1', sso_role_name: 'R' })),
    ).toEqual({ kind: 'native', startUrl: 'https://x', ssoRegion: 'us-east-1', accountId: '1', roleName: 'R' });
  });

  it('names the profile and the missing key', () => {
    expect(() => resolveProfileSource(profile({ keyfob_sso_session: 's', keyfob_role_name: 'R' }))).toThrow(
      'profile "p" has no keyfob_account_id; add it, or run: keyfob populate',
    );
    expect(() => resolveProfileSource(profile({ sso_session: 's', sso_account_id: '1' }))).toThrow(/has no sso_role_name/);
    expect(() => resolveProfileSource(profile({ sso_start_url: 'https://x', sso_account_id: '1', sso_role_name: 'R' }))).toThrow(
      /has no sso_region/,
    );
    expect(() => resolveProfileSource(profile({ region: 'x' }))).toThrow(ConfigError);
    expect(() => resolveProfileSource(profile({ region: 'x' }))).toThrow(/not an IAM Identity Center profile/);
  });
});

describe('sso-sessions', () => {
  it('derives readable names', () => {
    expect(deriveSessionName('https://d-9067c0ffee.awsapps.com/start')).toBe('d-9067c0ffee');
    expect(deriveSessionName('https://acme.awsapps.com/start/#/')).toBe('acme');
    expect(deriveSessionName('https://ssoins-7223c4f42f3ecd5.portal.us-east-1.app.aws')).toBe('ssoins-7223c4f42f3ecd5');
    expect(deriveSessionName('http://127.0.0.1:43123/start')).toBe('127.0.0.1');
    expect(deriveSessionName('https://SSO.Example.com/x')).toBe('sso.example.com');
    expect(() => deriveSessionName('not a url')).toThrow(ConfigError);
  });

  it('picks a session or says what to do', () => {
    const session = (name: string): [string, SsoSession] => [name, { name, startUrl: 'u', region: 'r', scopes: [] }];
    const none = { ssoSessions: new Map() };
    const one = { ssoSessions: new Map([session('acme')]) };
    const two = { ssoSessions: new Map([session('acme'), session('beta')]) };
    expect(() => pickSsoSession(none)).toThrow('no sso-session configured; run: keyfob login --start-url URL --sso-region REGION');
    expect(pickSsoSession(one).name).toBe('acme');
    expect(pickSsoSession(two, 'beta').name).toBe('beta');
    expect(() => pickSsoSession(two)).toThrow(
      'several sso-sessions are configured (acme, beta); choose one with --sso-session NAME',
    );
    expect(() => pickSsoSession(two, 'gamma')).toThrow('no sso-session "gamma" in the config; configured: acme, beta');
  });

  it('upsertSsoSession creates and then updates the section losslessly', async () => {
    const path = join(dir, 'sso', 'config');
    const first = await upsertSsoSession(path, { name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'] });
    expect(first.changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(
      '[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n',
    );
    await writeFile(path, '# mine\n[profile x]\nregion=y\n\n' + (await readFile(path, 'utf8')) + '# end\n');
    const before = await readFile(path, 'utf8');
    const second = await upsertSsoSession(path, { name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access'] });
    expect(second.changed).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(before.replace('sso_region = eu-west-1', 'sso_region = us-east-1'));
    const third = await upsertSsoSession(path, { name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1', scopes: ['sso:account:access'] });
    expect(third.changed).toBe(false);
  });
});

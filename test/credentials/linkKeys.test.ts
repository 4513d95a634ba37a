// The link keys: a key changes with every part that changes a link's answer (so two links that
// differ are never shared), stays the same for the same parts (so equal links are), keeps the
// kinds apart, and holds no secret.
import { describe, expect, it } from 'vitest';
import {
  assumeLinkKey,
  environmentLinkKey,
  processLinkKey,
  sessionLinkKey,
  ssoLinkKey,
  staticLinkKey,
  topLinkMemoKey,
} from '../../src/credentials/linkKeys.js';

const keys = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-part', sessionToken: 'token-part' };
const role = { roleArn: 'arn:aws:iam::111122223333:role/Deploy', roleSessionName: 'me', externalId: 'ext', sourceIdentity: 'alice' };
const session = { name: 'corp', startUrl: 'https://corp.awsapps.com/start', region: 'eu-west-1' };

/** Each variant differs from the base in one part: all keys must differ from one another. */
function allDistinct(variants: Record<string, string>): void {
  const seen = new Map<string, string>();
  for (const [name, key] of Object.entries(variants)) {
    expect(seen.get(key), `${name} has the same key as ${seen.get(key)}`).toBeUndefined();
    seen.set(key, name);
  }
}

describe('link keys', () => {
  it('the same parts give the same key', () => {
    expect(assumeLinkKey('src', { ...role }, 3600, 'mfa')).toBe(assumeLinkKey('src', role, 3600, 'mfa'));
    expect(staticLinkKey({ ...keys })).toBe(staticLinkKey(keys));
    expect(ssoLinkKey({ ...session }, '1', 'R')).toBe(ssoLinkKey(session, '1', 'R'));
  });

  it('an AssumeRole link changes with its source and every part of the call', () => {
    allDistinct({
      base: assumeLinkKey('src', role, 3600, 'mfa'),
      source: assumeLinkKey('other', role, 3600, 'mfa'),
      roleArn: assumeLinkKey('src', { ...role, roleArn: 'arn:aws:iam::111122223333:role/Other' }, 3600, 'mfa'),
      sessionName: assumeLinkKey('src', { ...role, roleSessionName: 'you' }, 3600, 'mfa'),
      externalId: assumeLinkKey('src', { ...role, externalId: 'ext2' }, 3600, 'mfa'),
      sourceIdentity: assumeLinkKey('src', { ...role, sourceIdentity: 'bob' }, 3600, 'mfa'),
      duration: assumeLinkKey('src', role, 900, 'mfa'),
      noDuration: assumeLinkKey('src', role, undefined, 'mfa'),
      noMfa: assumeLinkKey('src', role, 3600, undefined),
    });
  });

  it('an SSO role link changes with the sign-in, the account and the role', () => {
    allDistinct({
      base: ssoLinkKey(session, '1', 'R'),
      name: ssoLinkKey({ ...session, name: 'other' }, '1', 'R'),
      portal: ssoLinkKey({ ...session, startUrl: 'https://other.awsapps.com/start' }, '1', 'R'),
      region: ssoLinkKey({ ...session, region: 'us-east-1' }, '1', 'R'),
      account: ssoLinkKey(session, '2', 'R'),
      role: ssoLinkKey(session, '1', 'S'),
    });
  });

  it('a session link changes with its keys, its MFA device and its duration; an IAM user and static keys never share one', () => {
    allDistinct({
      base: sessionLinkKey({ iamUser: 'me' }, 'arn:mfa', 3600),
      user: sessionLinkKey({ iamUser: 'you' }, 'arn:mfa', 3600),
      staticKeys: sessionLinkKey({ keys: { accessKeyId: 'me' } }, 'arn:mfa', 3600),
      noMfa: sessionLinkKey({ iamUser: 'me' }, undefined, 3600),
      duration: sessionLinkKey({ iamUser: 'me' }, 'arn:mfa', undefined),
    });
  });

  it('keys: static and environment keys are kept apart, a new secret is a new link, and no key holds a secret', () => {
    const all = {
      static: staticLinkKey(keys),
      environment: environmentLinkKey(keys),
      secret: staticLinkKey({ ...keys, secretAccessKey: 'rotated' }),
      token: environmentLinkKey({ ...keys, sessionToken: 'other' }),
      process: processLinkKey({ file: '/home/me/.aws/config', profile: 'tool', command: 'tool --secret-part' }),
    };
    allDistinct(all);
    for (const key of [all.static, all.environment, all.secret, all.token]) expect(key).not.toMatch(/secret-part|token-part/);
  });

  it('a process link changes with its file, its profile and its line', () => {
    const base = { file: '/a/config', profile: 'tool', command: 'tool' };
    allDistinct({
      base: processLinkKey(base),
      file: processLinkKey({ ...base, file: '/b/config' }),
      profile: processLinkKey({ ...base, profile: 'other' }),
      command: processLinkKey({ ...base, command: 'tool --x' }),
    });
  });

  it('the top-link memo changes with the profile, the duration and the environment keys', () => {
    allDistinct({
      base: topLinkMemoKey('p', undefined, undefined),
      profile: topLinkMemoKey('q', undefined, undefined),
      duration: topLinkMemoKey('p', 900, undefined),
      environment: topLinkMemoKey('p', undefined, keys),
    });
  });
});

// populate's edit at unit level: only sections carrying keyfob's marker are ever changed, even
// when a hand-written profile has keyfob's keys, this session's name and a name populate wants.
import { describe, expect, it } from 'vitest';
import type { SsoSession } from '../../src/config/awsConfig.js';
import { parseConfig } from '../../src/config/iniDocument.js';
import { applyProfiles, GENERATED_MARKER, generatedFor, type ApplyOptions } from '../../src/populate/applyProfiles.js';

const SESSION: SsoSession = { name: 'acme', startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'] };

const HAND_WRITTEN_WANTED = `# mine: do not touch
[profile Dev/Admin]
keyfob_sso_session = acme
keyfob_account_id = 111111111111
keyfob_role_name = Admin
region = us-east-1
credential_process = /my/own/tool Dev/Admin
`;
const HAND_WRITTEN_STALE = `[profile Old/Gone]
keyfob_sso_session = acme
keyfob_account_id = 999999999999
keyfob_role_name = Gone
`;
const HAND_WRITTEN_NATIVE = `[profile Native/Mine]
sso_session = acme
sso_account_id = 777777777777
sso_role_name = Admin
`;
const GENERATED_STALE = `${GENERATED_MARKER}
[profile Was/Generated]
keyfob_sso_session = acme
keyfob_account_id = 888888888888
keyfob_role_name = Gone
`;

function options(overrides: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    session: SESSION,
    profiles: [
      { name: 'Dev/Admin', accountId: '111111111111', accountName: 'Dev', roleName: 'Admin' },
      { name: 'Prod/ReadOnly', accountId: '222222222222', accountName: 'Prod', roleName: 'ReadOnly' },
    ],
    mode: 'process',
    region: 'eu-west-1',
    overwriteRegion: true,
    prune: true,
    credentialProcess: (name) => `/opt/keyfob/bin/keyfob.cjs credential-process --profile '${name}'`,
    ...overrides,
  };
}

describe('applyProfiles: the marker decides what is keyfob\'s', () => {
  const text = [HAND_WRITTEN_WANTED, HAND_WRITTEN_STALE, HAND_WRITTEN_NATIVE, GENERATED_STALE].join('\n');

  it('a profile without the marker is not generated, whatever keys it has', () => {
    const doc = parseConfig(text);
    const byName = (name: string) => doc.findSection('profile', name)!;
    expect(generatedFor(doc, byName('Dev/Admin'))).toBeUndefined();
    expect(generatedFor(doc, byName('Old/Gone'))).toBeUndefined();
    expect(generatedFor(doc, byName('Native/Mine'))).toBeUndefined();
    expect(generatedFor(doc, byName('Was/Generated'))).toBe('acme');
  });

  for (const mode of ['process', 'native'] as const) {
    it(`${mode} mode, with --prune and --region: hand-written profiles keep every byte; only the marked one goes`, () => {
      const doc = parseConfig(text);
      const report = applyProfiles(doc, options({ mode }));
      const after = doc.toString();
      for (const section of [HAND_WRITTEN_WANTED, HAND_WRITTEN_STALE, HAND_WRITTEN_NATIVE]) expect(after).toContain(section);
      expect(after).not.toContain('[profile Was/Generated]');
      expect(report.removed).toEqual(['Was/Generated']);
      expect(report.updated).toEqual([]);
      expect(report.added).toEqual(['Prod/ReadOnly']);
      expect(report.skipped).toEqual([{ name: 'Dev/Admin', reason: expect.stringMatching(/^a hand-written profile has that name/) }]);
      expect(report.total).toBe(1);
    });
  }

  it('without --prune the unmarked stale profile is not reported as keyfob\'s either', () => {
    const doc = parseConfig(text);
    const report = applyProfiles(doc, options({ prune: false }));
    expect(report.stale).toEqual(['Was/Generated']);
    expect(doc.toString()).toContain(HAND_WRITTEN_STALE);
  });
});

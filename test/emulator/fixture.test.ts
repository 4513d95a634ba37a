// Fixture validation and generation, checked directly.
import { describe, expect, it } from 'vitest';
import { defaultFixture } from '../../src/emulator/defaultFixture.js';
import { FixtureError, generateOrganization, parseDuration, resolveFixture } from '../../src/emulator/fixture.js';
import { checkMfa, totp } from '../../src/emulator/mfa.js';

describe('fixture', () => {
  it('resolves the default organisation: 8 accounts, both roles everywhere', () => {
    const org = resolveFixture(defaultFixture());
    expect(org.accounts.map((a) => `${a.ou}/${a.name}`)).toEqual([
      '/Management',
      'Workloads/Development',
      'Workloads/QA',
      'Workloads/Production',
      'Shared/Security',
      'Sandbox/Workshops',
      'Sandbox/Experiments',
      'Marketplace/Marketplace',
    ]);
    const alice = org.access.get('alice')!;
    for (const account of org.accounts) expect(alice.get(account.id)).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
    expect(org.permissionSets.get('AdministratorAccess')!.seconds).toBe(4 * 3600);
    expect(org.permissionSets.get('ReadOnlyAccess')!.seconds).toBe(3600);
  });

  it.each([
    [(f: any) => (f.organizationalUnits[0].accounts[0].id = '12'), 'organizationalUnits[0].accounts[0].id must be 12 digits'],
    [(f: any) => (f.organizationalUnits[1].accounts[0].id = f.managementAccount.id), 'appears twice'],
    [(f: any) => (f.assignments[0].permissionSets = ['Nope']), 'unknown permission set "Nope"'],
    [(f: any) => (f.groups[0].members = ['bob']), 'unknown user "bob"'],
    [(f: any) => (f.users[0].mfa = { code: '12ab56' }), 'users[0].mfa.code must be 6 digits'],
    [(f: any) => (f.lifetimes.accessTokenSeconds = -1), 'lifetimes.accessTokenSeconds must be a positive'],
    [(f: any) => delete f.startUrl, 'startUrl must be a non-empty string'],
  ])('names the bad field (%#)', (mutate, message) => {
    const fixture = defaultFixture();
    mutate(fixture);
    expect(() => resolveFixture(fixture)).toThrow(FixtureError);
    expect(() => resolveFixture(fixture)).toThrow(message);
  });

  it('parses ISO 8601 durations', () => {
    expect(parseDuration('PT1H30M', 'x')).toBe(5400);
    expect(parseDuration('PT900S', 'x')).toBe(900);
    expect(parseDuration(60, 'x')).toBe(60);
    expect(() => parseDuration('P1D', 'x')).toThrow(FixtureError);
  });

  it('generates N accounts and K permission sets, all assigned', () => {
    const org = resolveFixture(generateOrganization(defaultFixture(), 12, 9));
    expect(org.accounts).toHaveLength(12);
    expect(new Set(org.accounts.map((a) => a.id)).size).toBe(12);
    expect(org.access.get('alice')!.get(org.accounts[11]!.id)).toHaveLength(9);
    expect(() => generateOrganization(defaultFixture(), 0)).toThrow('--accounts');
  });

  it('checks TOTP codes (RFC 6238 test vector) and fixed codes', () => {
    // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s → 94287082 (last 6 digits).
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
    const secret = 'JBSWY3DPEHPK3PXP';
    expect(checkMfa({ username: 'u', password: 'p', mfa: { totpSecret: secret } }, totp(secret))).toBe(true);
    expect(checkMfa({ username: 'u', password: 'p', mfa: { code: '123456' } }, '123456')).toBe(true);
    expect(checkMfa({ username: 'u', password: 'p', mfa: { code: '123456' } }, '654321')).toBe(false);
  });
});

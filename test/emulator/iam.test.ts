// The fixture's IAM users, roles and extra Identity Centers, checked directly: validation errors
// that name the field, and the trust check's principal patterns and conditions.
import { describe, expect, it } from 'vitest';
import { DEMO_IAM_USER, defaultFixture } from '../../src/emulator/defaultFixture.js';
import { type Fixture, FixtureError, generateOrganization, resolveFixture } from '../../src/emulator/fixture.js';
import { assumedRoleIdentity, type IamRole, ssoRoleIdentity, trusts, userIdentity } from '../../src/emulator/iam.js';

const SECURITY = '543210987654';
const DEVELOPMENT = '210987654321';
const PRODUCTION = '432109876543';

describe('the default fixture’s IAM', () => {
  it('has Deploy in each workload account, Auditor and BreakGlass in Production, and ci-deployer with its MFA device', () => {
    const { iam } = resolveFixture(defaultFixture());
    expect([...iam.roles.keys()].sort()).toEqual(
      [
        `arn:aws:iam::${DEVELOPMENT}:role/Deploy`,
        'arn:aws:iam::321098765432:role/Deploy',
        `arn:aws:iam::${PRODUCTION}:role/Deploy`,
        `arn:aws:iam::${PRODUCTION}:role/Auditor`,
        `arn:aws:iam::${PRODUCTION}:role/BreakGlass`,
      ].sort(),
    );
    expect(iam.roles.get(`arn:aws:iam::${PRODUCTION}:role/BreakGlass`)!.maxSessionDuration).toBe(43200);
    expect(iam.roles.get(`arn:aws:iam::${DEVELOPMENT}:role/Deploy`)!.maxSessionDuration).toBe(3600);
    const key = iam.accessKeys.get(DEMO_IAM_USER.accessKeyId)!;
    expect(key.secretAccessKey).toBe(DEMO_IAM_USER.secretAccessKey);
    expect(key.user).toMatchObject({ accountId: SECURITY, name: 'ci-deployer', arn: `arn:aws:iam::${SECURITY}:user/ci-deployer` });
    expect(key.user.mfa).toEqual({ serial: DEMO_IAM_USER.mfaSerial, totpSecret: DEMO_IAM_USER.totpSecret, code: undefined });
  });

  it('drops IAM users and roles when --accounts replaces the accounts they live in', () => {
    const org = resolveFixture(generateOrganization(defaultFixture(), 3));
    expect(org.iam.roles.size).toBe(0);
    expect(org.iam.accessKeys.size).toBe(0);
  });
});

describe('trust policies', () => {
  const role = (trust: IamRole['trust']): IamRole => ({ accountId: PRODUCTION, name: 'R', arn: `arn:aws:iam::${PRODUCTION}:role/R`, roleId: 'AROA', maxSessionDuration: 3600, trust });
  const user = userIdentity({ accountId: SECURITY, name: 'u', arn: `arn:aws:iam::${SECURITY}:user/u`, userId: 'AIDA' }, 'iam-user', false);
  const sso = ssoRoleIdentity(SECURITY, 'AdministratorAccess', 'alice');
  const deploy = assumedRoleIdentity(role([]), 'session', false);
  const plain = { mfa: false };

  it('matches arn:aws:iam::ACCOUNT:root to any principal of that account only', () => {
    const rootOfSecurity = role([{ principals: [`arn:aws:iam::${SECURITY}:root`] }]);
    expect(trusts(rootOfSecurity, user, plain)).toBe(true);
    expect(trusts(rootOfSecurity, sso, plain)).toBe(true);
    expect(trusts(rootOfSecurity, deploy, plain)).toBe(false);
  });

  it('matches an exact ARN, a * glob, and * alone', () => {
    expect(trusts(role([{ principals: [user.arn] }]), user, plain)).toBe(true);
    expect(trusts(role([{ principals: [`arn:aws:iam::${SECURITY}:user/other`] }]), user, plain)).toBe(false);
    // Patterns match the whole ARN: user/u names neither user/u-admin nor a user/u in a path.
    const longer = userIdentity({ accountId: SECURITY, name: 'u-admin', arn: `arn:aws:iam::${SECURITY}:user/u-admin`, userId: 'AIDA' }, 'iam-user', false);
    expect(trusts(role([{ principals: [user.arn] }]), longer, plain)).toBe(false);
    const ssoAdmins = role([{ principals: [`arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_*`] }]);
    expect(trusts(ssoAdmins, sso, plain)).toBe(true);
    expect(trusts(ssoAdmins, ssoRoleIdentity(SECURITY, 'ReadOnlyAccess', 'alice'), plain)).toBe(false);
    expect(trusts(ssoAdmins, user, plain)).toBe(false);
    // A session ARN names one session of a role.
    expect(trusts(role([{ principals: [deploy.arn] }]), deploy, plain)).toBe(true);
    expect(trusts(role([{ principals: ['*'] }]), deploy, plain)).toBe(true);
  });

  it('holds the mfa and externalId conditions of the entry that names the caller', () => {
    const guarded = role([{ principals: [user.arn], mfa: true }, { principals: [sso.principalArn], externalId: 'xid-1' }]);
    expect(trusts(guarded, user, plain)).toBe(false);
    expect(trusts(guarded, user, { mfa: true })).toBe(true);
    expect(trusts(guarded, sso, { mfa: true })).toBe(false);
    expect(trusts(guarded, sso, { mfa: false, externalId: 'xid-2' })).toBe(false);
    expect(trusts(guarded, sso, { mfa: false, externalId: 'xid-1' })).toBe(true);
    // The external id of one entry does not open another entry's principal.
    expect(trusts(guarded, user, { mfa: false, externalId: 'xid-1' })).toBe(false);
  });
});

describe('fixture validation of the new keys', () => {
  it.each([
    [(f: any) => (f.iamUsers[0].accountId = '999999999999'), 'iamUsers[0].accountId names unknown account "999999999999"'],
    [(f: any) => (f.iamUsers[0].name = 'has space'), 'iamUsers[0].name must be 1 to 64 letters'],
    [(f: any) => (f.iamUsers[0].accessKeys[0].accessKeyId = 'ASIA0000000000000000'), 'iamUsers[0].accessKeys[0].accessKeyId must be AKIA'],
    [(f: any) => (f.iamUsers[0].accessKeys[0].secretAccessKey = 'short'), 'iamUsers[0].accessKeys[0].secretAccessKey must be 16 to 128 characters'],
    [(f: any) => f.iamUsers.push(structuredClone(f.iamUsers[0])), 'iamUsers[1] repeats the user arn:aws:iam::543210987654:user/ci-deployer'],
    [(f: any) => (f.iamUsers[0].mfa = { serial: 'arn:aws:iam::543210987654:mfa/x' }), 'iamUsers[0].mfa needs a code or a totpSecret'],
    [(f: any) => (f.iamUsers[0].mfa.totpSecret = 'not base32!'), 'iamUsers[0].mfa.totpSecret must be base32'],
    [(f: any) => (f.iamUsers[0].mfa.serial = 'short'), 'iamUsers[0].mfa.serial must be an MFA device ARN'],
    [(f: any) => (f.iamRoles = {}), 'iamRoles must be an array'],
    [(f: any) => (f.iamRoles[0].maxSessionDuration = 1800), 'iamRoles[0].maxSessionDuration must be a whole number of seconds from 3600 to 43200'],
    [(f: any) => (f.iamRoles[0].maxSessionDuration = 50000), 'iamRoles[0].maxSessionDuration must be a whole number of seconds from 3600 to 43200'],
    [(f: any) => (f.iamRoles[1].name = f.iamRoles[0].name) && (f.iamRoles[1].accountId = f.iamRoles[0].accountId), 'iamRoles[1] repeats the role'],
    [(f: any) => (f.iamRoles[0].trust = [{ principals: [] }]), 'iamRoles[0].trust[0].principals must name at least one principal'],
    [(f: any) => (f.iamRoles[0].trust[0].principals = ['Security/AdministratorAccess']), 'iamRoles[0].trust[0].principals[0] must be "*" or an ARN'],
    [(f: any) => (f.iamRoles[0].trust[0].mfa = 'yes'), 'iamRoles[0].trust[0].mfa must be true or false'],
    [(f: any) => (f.iamRoles[0].trust[0].externalId = 'x'), 'iamRoles[0].trust[0].externalId must be 2 to 1224'],
    [(f: any) => (f.identityCenters = [{ region: 'eu-west-1' }]), 'identityCenters[0].startUrl must be a non-empty string'],
    [(f: any) => (f.identityCenters = [{ startUrl: `${f.startUrl}/`, region: 'eu-west-1' }]), "identityCenters[0].startUrl https://d-9067c0ffee.awsapps.com/start/ is already another Identity Center's start URL"],
    [(f: any) => (f.identityCenters = [{ startUrl: 'https://other.awsapps.com/start', region: 'us-east-1', assignments: [{ user: 'bob', accounts: '*', permissionSets: [] }] }]), 'identityCenters[0].assignments[0].user names unknown user "bob"'],
    [(f: any) => (f.identityCenters = [{ startUrl: 'https://other.awsapps.com/start', region: 'us-east-1', users: [] }]), 'identityCenters[0].users must be a non-empty array'],
  ])('names the bad field (%#)', (mutate, message) => {
    const fixture = defaultFixture();
    mutate(fixture);
    expect(() => resolveFixture(fixture)).toThrow(FixtureError);
    expect(() => resolveFixture(fixture)).toThrow(message);
  });

  it('still loads a fixture written before IAM and identityCenters existed', () => {
    const old: Fixture = defaultFixture();
    delete old.iamUsers;
    delete old.iamRoles;
    const org = resolveFixture(old);
    expect(org.identityCenters).toHaveLength(1);
    expect(org.identityCenters[0]).toMatchObject({ startUrl: old.startUrl, region: old.region });
    expect(org.iam.roles.size).toBe(0);
  });

  it('gives an extra Identity Center the top-level users, groups and assignments it leaves out', () => {
    const fixture = defaultFixture();
    fixture.identityCenters = [
      { startUrl: 'https://d-1111111111.awsapps.com/start', region: 'us-east-1' },
      { startUrl: 'https://d-2222222222.awsapps.com/start', region: 'us-east-2', assignments: [{ user: 'alice', accounts: [SECURITY], permissionSets: ['ReadOnlyAccess'] }] },
    ];
    const org = resolveFixture(fixture);
    expect(org.identityCenters.map((i) => [i.index, i.startUrl, i.region])).toEqual([
      [0, fixture.startUrl, fixture.region],
      [1, 'https://d-1111111111.awsapps.com/start', 'us-east-1'],
      [2, 'https://d-2222222222.awsapps.com/start', 'us-east-2'],
    ]);
    expect(org.identityCenters[1]!.access.get('alice')!.get(DEVELOPMENT)).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
    expect([...org.identityCenters[2]!.access.get('alice')!]).toEqual([[SECURITY, ['ReadOnlyAccess']]]);
  });
});

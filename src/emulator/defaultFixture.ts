// The organisation every demo and test starts from (seed 004 in DESIGN.md).
import { DEFAULT_LIFETIMES, type Fixture } from './fixture.js';
import type { FixtureIamRole } from './iam.js';
import { ssoRoleArn } from './ids.js';

export const DEMO_USER = {
  username: 'alice',
  password: 'keyfob-demo',
  mfaCode: '123456',
} as const;

/** The IAM user with a virtual MFA device (TOTP) that the role-chain demo and tests sign with. */
export const DEMO_IAM_USER = {
  name: 'ci-deployer',
  accountId: '543210987654',
  accessKeyId: 'AKIAKEYFOBDEMO000001',
  secretAccessKey: 'keyfobDemoSecretAccessKey0000000000000001',
  mfaSerial: 'arn:aws:iam::543210987654:mfa/ci-deployer',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
} as const;

const WORKLOADS = { Development: '210987654321', QA: '321098765432', Production: '432109876543' } as const;
const SECURITY = '543210987654';
const DEMO_IAM_USER_ARN = `arn:aws:iam::${DEMO_IAM_USER.accountId}:user/${DEMO_IAM_USER.name}`;

/**
 * Deploy in each workload account (from Security's AdministratorAccess, or ci-deployer with MFA),
 * Auditor in Production (from Development's Deploy with an external id), and BreakGlass in
 * Production (ci-deployer with MFA, up to 12 hours).
 */
function demoRoles(): FixtureIamRole[] {
  const deploy = Object.values(WORKLOADS).map((accountId) => ({
    accountId,
    name: 'Deploy',
    maxSessionDuration: 3600,
    trust: [{ principals: [ssoRoleArn(SECURITY, 'AdministratorAccess')] }, { principals: [DEMO_IAM_USER_ARN], mfa: true }],
  }));
  return [
    ...deploy,
    {
      accountId: WORKLOADS.Production,
      name: 'Auditor',
      maxSessionDuration: 3600,
      trust: [{ principals: [`arn:aws:iam::${WORKLOADS.Development}:role/Deploy`], externalId: 'keyfob-demo-external-id' }],
    },
    { accountId: WORKLOADS.Production, name: 'BreakGlass', maxSessionDuration: 43200, trust: [{ principals: [DEMO_IAM_USER_ARN], mfa: true }] },
  ];
}

const account = (id: string, name: string) => ({ id, name, email: `aws+${name.toLowerCase()}@example.com` });

export function defaultFixture(): Fixture {
  return {
    startUrl: 'https://d-9067c0ffee.awsapps.com/start',
    region: 'eu-west-1',
    managementAccount: account('111122223333', 'Management'),
    organizationalUnits: [
      { name: 'Workloads', accounts: [account(WORKLOADS.Development, 'Development'), account(WORKLOADS.QA, 'QA'), account(WORKLOADS.Production, 'Production')] },
      { name: 'Shared', accounts: [account(SECURITY, 'Security')] },
      { name: 'Sandbox', accounts: [account('654321098765', 'Workshops'), account('765432109876', 'Experiments')] },
      { name: 'Marketplace', accounts: [account('876543210987', 'Marketplace')] },
    ],
    permissionSets: [
      { name: 'AdministratorAccess', sessionDuration: 'PT4H', description: 'Full access' },
      { name: 'ReadOnlyAccess', sessionDuration: 'PT1H', description: 'Read-only access' },
    ],
    users: [
      {
        username: DEMO_USER.username,
        password: DEMO_USER.password,
        displayName: 'Alice Admin',
        email: 'alice@example.com',
        mfa: { code: DEMO_USER.mfaCode },
      },
    ],
    groups: [{ name: 'Admin', members: [DEMO_USER.username] }],
    assignments: [{ group: 'Admin', accounts: '*', permissionSets: ['AdministratorAccess', 'ReadOnlyAccess'] }],
    lifetimes: { ...DEFAULT_LIFETIMES },
    iamUsers: [
      {
        accountId: DEMO_IAM_USER.accountId,
        name: DEMO_IAM_USER.name,
        accessKeys: [{ accessKeyId: DEMO_IAM_USER.accessKeyId, secretAccessKey: DEMO_IAM_USER.secretAccessKey }],
        mfa: { serial: DEMO_IAM_USER.mfaSerial, totpSecret: DEMO_IAM_USER.totpSecret },
      },
    ],
    iamRoles: demoRoles(),
  };
}

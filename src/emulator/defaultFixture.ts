// The organisation every demo and test starts from (seed 004 in DESIGN.md).
import { DEFAULT_LIFETIMES, type Fixture } from './fixture.js';

export const DEMO_USER = {
  username: 'alice',
  password: 'keyfob-demo',
  mfaCode: '123456',
} as const;

const account = (id: string, name: string) => ({ id, name, email: `aws+${name.toLowerCase()}@example.com` });

export function defaultFixture(): Fixture {
  return {
    startUrl: 'https://d-9067c0ffee.awsapps.com/start',
    region: 'eu-west-1',
    managementAccount: account('111122223333', 'Management'),
    organizationalUnits: [
      { name: 'Workloads', accounts: [account('210987654321', 'Development'), account('321098765432', 'QA'), account('432109876543', 'Production')] },
      { name: 'Shared', accounts: [account('543210987654', 'Security')] },
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
  };
}

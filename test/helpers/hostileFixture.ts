// An organisation whose account and role names attack whoever prints or stores them. Shared by
// the populate tests and (issue 7) the hostile-input suite. Every `touch` aims at `canaryDir`:
// a file there means some name was executed.
import { defaultFixture, type Fixture } from '../../src/emulator/index.js';

export const HOSTILE_ACCOUNTS = (canaryDir: string) => [
  { id: '100000000001', name: `$(touch ${canaryDir}/dollar)` },
  { id: '100000000002', name: `\`touch ${canaryDir}/backtick\`` },
  { id: '100000000003', name: `it's "quoted"; rm -rf ~ | cat & echo \\` },
  { id: '100000000004', name: `new\nline]\ncredential_process = touch ${canaryDir}/newline\n[profile evil` },
  { id: '100000000005', name: 'tab\there ]#;comment' },
  { id: '100000000006', name: 'L'.repeat(300) },
  { id: '100000000007', name: '\u202Eevil\u202C admin 🚀 حساب' },
  { id: '100000000008', name: 'Dup' },
  { id: '100000000009', name: 'Dup' },
  { id: '100000000010', name: 'Dup ' },
  { id: '100000000011', name: 'line\u2028sep\u2029zero\u200Bwidth\u202Erev' }, // JavaScript's line breaks, Python's not
];

export const HOSTILE_ROLES = (canaryDir: string) => ['AdministratorAccess', `$(touch ${canaryDir}/role)`, `Read Only'"|&`, 'split\nrole', 'esc\x1b]0;pwned\x07role', 'Zero\u200BWidth\u2028Line\u202ERole'];

export function hostileFixture(canaryDir: string): Fixture {
  const fixture = defaultFixture();
  fixture.managementAccount = { id: '111122223333', name: 'Management', email: 'aws+management@example.com' };
  fixture.organizationalUnits = [
    { name: 'Hostile', accounts: HOSTILE_ACCOUNTS(canaryDir).map((a) => ({ ...a, email: `aws+${a.id}@example.com` })) },
  ];
  fixture.permissionSets = HOSTILE_ROLES(canaryDir).map((name) => ({ name, sessionDuration: 'PT1H' }));
  fixture.assignments = [{ group: 'Admin', accounts: '*', permissionSets: HOSTILE_ROLES(canaryDir) }];
  return fixture;
}

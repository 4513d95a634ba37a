// The organisation the emulator serves: its JSON format, validation, and the
// generated large organisation used for scale tests (--accounts N --roles-per-account K).
// One room over 300 lines: the format's types, its resolution and the generated organisation are
// one format (docs/emulator.md), read top to bottom; the field checks live in fixtureChecks.ts and
// the IAM directory in iam.ts.
import { readFileSync } from 'node:fs';
import { checkMfaSetting, FixtureError, isObject, requireString } from './fixtureChecks.js';
import { type FixtureIamRole, type FixtureIamUser, type IamDirectory, resolveIam } from './iam.js';

export { FixtureError };

export interface FixtureAccount {
  id: string;
  name: string;
  email: string;
}

export interface FixtureOu {
  name: string;
  accounts?: FixtureAccount[];
  organizationalUnits?: FixtureOu[];
}

export interface FixturePermissionSet {
  name: string;
  /** ISO 8601 duration ("PT4H", "PT1H30M") or seconds. */
  sessionDuration: string | number;
  description?: string;
}

export interface FixtureUser {
  username: string;
  password: string;
  displayName?: string;
  email?: string;
  /** A fixed 6-digit code, or a base32 TOTP secret (RFC 6238, SHA-1, 30 s, 6 digits). */
  mfa?: { code?: string; totpSecret?: string };
}

export interface FixtureGroup {
  name: string;
  members: string[];
}

export interface FixtureAssignment {
  group?: string;
  user?: string;
  /** Account ids, or "*" for every account. */
  accounts: string[] | '*';
  permissionSets: string[];
}

export interface FixtureLifetimes {
  accessTokenSeconds?: number;
  sessionSeconds?: number;
  deviceCodeSeconds?: number;
  pollIntervalSeconds?: number;
  clientRegistrationSeconds?: number;
  authorizationCodeSeconds?: number;
  /** When set, every role credential lives this long instead of its permission set's duration. */
  credentialSeconds?: number;
}

/**
 * Another IAM Identity Center instance served beside the top-level one, over the same accounts
 * and permission sets. Users, groups and assignments it leaves out are the top-level ones.
 */
export interface FixtureIdentityCenter {
  startUrl: string;
  region: string;
  users?: FixtureUser[];
  groups?: FixtureGroup[];
  assignments?: FixtureAssignment[];
}

export interface Fixture {
  startUrl: string;
  region: string;
  managementAccount?: FixtureAccount;
  organizationalUnits: FixtureOu[];
  permissionSets: FixturePermissionSet[];
  users: FixtureUser[];
  groups?: FixtureGroup[];
  assignments: FixtureAssignment[];
  lifetimes?: FixtureLifetimes;
  identityCenters?: FixtureIdentityCenter[];
  iamUsers?: FixtureIamUser[];
  iamRoles?: FixtureIamRole[];
}

/** An account with the OU path it sits in, flattened from the tree. */
export interface ResolvedAccount extends FixtureAccount {
  ou: string;
}

export interface ResolvedLifetimes {
  accessTokenSeconds: number;
  sessionSeconds: number;
  deviceCodeSeconds: number;
  pollIntervalSeconds: number;
  clientRegistrationSeconds: number;
  authorizationCodeSeconds: number;
  credentialSeconds?: number;
}

/** One IAM Identity Center instance: its start URL, its users, and what they may access. */
export interface IdentityCenter {
  /** 0 for the fixture's top-level instance, then identityCenters[] in order. */
  index: number;
  startUrl: string;
  region: string;
  users: Map<string, FixtureUser>;
  /** username → accountId → permission set names (in fixture order). */
  access: Map<string, Map<string, string[]>>;
}

/** The fixture in the form the emulator looks things up in. */
export interface Organization {
  fixture: Fixture;
  /** The top-level (first) Identity Center's start URL, region, users and access. */
  startUrl: string;
  region: string;
  accounts: ResolvedAccount[];
  accountsById: Map<string, ResolvedAccount>;
  permissionSets: Map<string, { name: string; seconds: number }>;
  users: Map<string, FixtureUser>;
  access: Map<string, Map<string, string[]>>;
  /** Every instance, the top-level one first. */
  identityCenters: IdentityCenter[];
  iam: IamDirectory;
  lifetimes: ResolvedLifetimes;
}

/** A start URL as clients send it: a trailing `/` or `#/` and letter case do not matter. */
export const normalizeStartUrl = (url: string) => url.replace(/[#/]+$/, '').toLowerCase();

export function findIdentityCenter(org: Organization, startUrl: string): IdentityCenter | undefined {
  const wanted = normalizeStartUrl(startUrl);
  return org.identityCenters.find((instance) => normalizeStartUrl(instance.startUrl) === wanted);
}

export const DEFAULT_LIFETIMES: ResolvedLifetimes = {
  accessTokenSeconds: 3600,
  sessionSeconds: 8 * 3600,
  deviceCodeSeconds: 600,
  pollIntervalSeconds: 1,
  clientRegistrationSeconds: 90 * 24 * 3600,
  authorizationCodeSeconds: 300,
};

export function loadFixtureFile(path: string): Fixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FixtureError(`cannot read ${path} (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text) as Fixture;
  } catch (err) {
    throw new FixtureError(`${path} is not valid JSON (${(err as Error).message})`);
  }
}

/** Seconds from "PT4H", "PT1H30M", "PT900S" or a plain number. */
export function parseDuration(value: string | number, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  const match = typeof value === 'string' ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(value) : null;
  if (!match || value === 'PT') throw new FixtureError(`${where} must be an ISO 8601 duration like "PT4H" or a number of seconds`);
  const seconds = Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
  if (seconds <= 0) throw new FixtureError(`${where} must be longer than zero`);
  return seconds;
}

function checkAccount(value: unknown, where: string): FixtureAccount {
  if (!isObject(value)) throw new FixtureError(`${where} must be an object`);
  const id = requireString(value.id, `${where}.id`);
  if (!/^\d{12}$/.test(id)) throw new FixtureError(`${where}.id must be 12 digits`);
  return { id, name: requireString(value.name, `${where}.name`), email: requireString(value.email, `${where}.email`) };
}

function flattenOus(ous: unknown, parent: string, where: string, into: ResolvedAccount[]): void {
  if (ous === undefined) return;
  if (!Array.isArray(ous)) throw new FixtureError(`${where} must be an array`);
  ous.forEach((ou, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(ou)) throw new FixtureError(`${at} must be an object`);
    const name = requireString(ou.name, `${at}.name`);
    const path = parent ? `${parent}/${name}` : name;
    if (ou.accounts !== undefined && !Array.isArray(ou.accounts)) throw new FixtureError(`${at}.accounts must be an array`);
    ((ou.accounts as unknown[]) ?? []).forEach((account, j) => into.push({ ...checkAccount(account, `${at}.accounts[${j}]`), ou: path }));
    flattenOus(ou.organizationalUnits, path, `${at}.organizationalUnits`, into);
  });
}

function resolveLifetimes(value: unknown): ResolvedLifetimes {
  const lifetimes: ResolvedLifetimes = { ...DEFAULT_LIFETIMES };
  if (value === undefined) return lifetimes;
  if (!isObject(value)) throw new FixtureError('lifetimes must be an object');
  for (const [key, seconds] of Object.entries(value)) {
    if (!(key in DEFAULT_LIFETIMES) && key !== 'credentialSeconds') throw new FixtureError(`lifetimes.${key} is not a known lifetime`);
    if (seconds === undefined || seconds === null) continue;
    if (typeof seconds !== 'number' || !(seconds > 0)) throw new FixtureError(`lifetimes.${key} must be a positive number of seconds`);
    (lifetimes as unknown as Record<string, number>)[key] = seconds;
  }
  return lifetimes;
}

interface InstanceSource {
  startUrl: unknown;
  region: unknown;
  users: unknown;
  groups?: unknown;
  assignments: unknown;
}

/** One Identity Center's users, groups and assignments; `at` prefixes field names in errors. */
function resolveIdentityCenter(
  index: number,
  source: InstanceSource,
  at: string,
  accounts: ResolvedAccount[],
  accountsById: Map<string, ResolvedAccount>,
  permissionSets: Map<string, unknown>,
): IdentityCenter {
  const startUrl = requireString(source.startUrl, `${at}startUrl`);
  const region = requireString(source.region, `${at}region`);

  if (!Array.isArray(source.users) || source.users.length === 0) throw new FixtureError(`${at}users must be a non-empty array`);
  const users = new Map<string, FixtureUser>();
  source.users.forEach((user, i) => {
    if (!isObject(user)) throw new FixtureError(`${at}users[${i}] must be an object`);
    const username = requireString(user.username, `${at}users[${i}].username`);
    requireString(user.password, `${at}users[${i}].password`);
    if (user.mfa !== undefined) checkMfaSetting(user.mfa, `${at}users[${i}].mfa`);
    users.set(username, user as unknown as FixtureUser);
  });

  const groups = new Map<string, string[]>();
  if (source.groups !== undefined && !Array.isArray(source.groups)) throw new FixtureError(`${at}groups must be an array`);
  ((source.groups as unknown[]) ?? []).forEach((group, i) => {
    if (!isObject(group)) throw new FixtureError(`${at}groups[${i}] must be an object`);
    const name = requireString(group.name, `${at}groups[${i}].name`);
    if (!Array.isArray(group.members)) throw new FixtureError(`${at}groups[${i}].members must be an array of usernames`);
    for (const member of group.members) {
      if (!users.has(member)) throw new FixtureError(`${at}groups[${i}].members names unknown user "${member}"`);
    }
    groups.set(name, group.members);
  });

  const access = new Map<string, Map<string, string[]>>();
  for (const username of users.keys()) access.set(username, new Map());
  if (!Array.isArray(source.assignments)) throw new FixtureError(`${at}assignments must be an array`);
  source.assignments.forEach((assignment, i) => {
    const where = `${at}assignments[${i}]`;
    if (!isObject(assignment)) throw new FixtureError(`${where} must be an object`);
    let members: string[];
    if (assignment.group !== undefined) {
      const group = groups.get(assignment.group as string);
      if (!group) throw new FixtureError(`${where}.group names unknown group "${assignment.group}"`);
      members = group;
    } else if (assignment.user !== undefined) {
      if (!users.has(assignment.user as string)) throw new FixtureError(`${where}.user names unknown user "${assignment.user}"`);
      members = [assignment.user as string];
    } else throw new FixtureError(`${where} needs a group or a user`);
    let accountIds: string[];
    if (assignment.accounts === '*') accountIds = accounts.map((a) => a.id);
    else if (Array.isArray(assignment.accounts)) {
      accountIds = assignment.accounts;
      for (const id of accountIds) if (!accountsById.has(id)) throw new FixtureError(`${where}.accounts names unknown account "${id}"`);
    } else throw new FixtureError(`${where}.accounts must be "*" or an array of account ids`);
    if (!Array.isArray(assignment.permissionSets)) throw new FixtureError(`${where}.permissionSets must be an array`);
    const setNames = assignment.permissionSets as string[];
    for (const name of setNames) {
      if (!permissionSets.has(name)) throw new FixtureError(`${where}.permissionSets names unknown permission set "${name}"`);
    }
    for (const username of members) {
      const byAccount = access.get(username)!;
      for (const id of accountIds) {
        const roles = byAccount.get(id) ?? [];
        for (const name of setNames) if (!roles.includes(name)) roles.push(name);
        byAccount.set(id, roles);
      }
    }
  });
  return { index, startUrl, region, users, access };
}

/** The top-level instance, then identityCenters[], each with the top-level users, groups and assignments it leaves out. */
function resolveIdentityCenters(
  fixture: Fixture,
  accounts: ResolvedAccount[],
  accountsById: Map<string, ResolvedAccount>,
  permissionSets: Map<string, unknown>,
): IdentityCenter[] {
  const instances = [resolveIdentityCenter(0, fixture, '', accounts, accountsById, permissionSets)];
  if (fixture.identityCenters === undefined) return instances;
  if (!Array.isArray(fixture.identityCenters)) throw new FixtureError('identityCenters must be an array');
  fixture.identityCenters.forEach((extra, i) => {
    const at = `identityCenters[${i}].`;
    if (!isObject(extra)) throw new FixtureError(`identityCenters[${i}] must be an object`);
    const source: InstanceSource = {
      startUrl: extra.startUrl,
      region: extra.region,
      users: extra.users ?? fixture.users,
      groups: extra.users === undefined && extra.groups === undefined ? fixture.groups : extra.groups,
      assignments: extra.assignments ?? fixture.assignments,
    };
    const instance = resolveIdentityCenter(i + 1, source, at, accounts, accountsById, permissionSets);
    if (instances.some((other) => normalizeStartUrl(other.startUrl) === normalizeStartUrl(instance.startUrl)))
      throw new FixtureError(`${at}startUrl ${instance.startUrl} is already another Identity Center's start URL`);
    instances.push(instance);
  });
  return instances;
}

/** Validates a fixture and builds the lookup tables; throws FixtureError naming the bad field. */
export function resolveFixture(fixture: Fixture): Organization {
  if (!isObject(fixture)) throw new FixtureError('the fixture must be a JSON object');
  requireString(fixture.startUrl, 'startUrl');
  requireString(fixture.region, 'region');

  const accounts: ResolvedAccount[] = [];
  if (fixture.managementAccount !== undefined) accounts.push({ ...checkAccount(fixture.managementAccount, 'managementAccount'), ou: '' });
  flattenOus(fixture.organizationalUnits, '', 'organizationalUnits', accounts);
  const accountsById = new Map<string, ResolvedAccount>();
  for (const account of accounts) {
    if (accountsById.has(account.id)) throw new FixtureError(`account id ${account.id} appears twice`);
    accountsById.set(account.id, account);
  }

  if (!Array.isArray(fixture.permissionSets)) throw new FixtureError('permissionSets must be an array');
  const permissionSets = new Map<string, { name: string; seconds: number }>();
  fixture.permissionSets.forEach((set, i) => {
    if (!isObject(set)) throw new FixtureError(`permissionSets[${i}] must be an object`);
    const name = requireString(set.name, `permissionSets[${i}].name`);
    permissionSets.set(name, { name, seconds: parseDuration(set.sessionDuration, `permissionSets[${i}].sessionDuration`) });
  });

  const identityCenters = resolveIdentityCenters(fixture, accounts, accountsById, permissionSets);
  const first = identityCenters[0]!;
  return {
    fixture,
    startUrl: first.startUrl,
    region: first.region,
    accounts,
    accountsById,
    permissionSets,
    users: first.users,
    access: first.access,
    identityCenters,
    iam: resolveIam(fixture),
    lifetimes: resolveLifetimes(fixture.lifetimes),
  };
}

const EXTRA_PERMISSION_SETS = ['PowerUserAccess', 'ViewOnlyAccess', 'Billing', 'DatabaseAdministrator', 'NetworkAdministrator'];

/**
 * A large organisation for scale tests: the base fixture's users, groups and lifetimes,
 * with N generated accounts and/or K permission sets, every group assigned everywhere
 * (in every Identity Center).
 */
export function generateOrganization(base: Fixture, accounts?: number, rolesPerAccount?: number): Fixture {
  const fixture: Fixture = structuredClone(base);
  if (accounts !== undefined) {
    if (!Number.isInteger(accounts) || accounts < 1 || accounts > 100_000) throw new FixtureError('--accounts must be a whole number from 1 to 100000');
    const generated: FixtureAccount[] = [];
    for (let i = 1; i <= accounts; i++) {
      const n = String(i).padStart(5, '0');
      generated.push({ id: String(500000000000 + i), name: `Account-${n}`, email: `aws+account-${n}@example.com` });
    }
    // N accounts in all: the generated ones replace the management account and every OU.
    delete fixture.managementAccount;
    fixture.organizationalUnits = [{ name: 'Generated', accounts: generated }];
  }
  if (rolesPerAccount !== undefined) {
    if (!Number.isInteger(rolesPerAccount) || rolesPerAccount < 1 || rolesPerAccount > 1000)
      throw new FixtureError('--roles-per-account must be a whole number from 1 to 1000');
    const names = ['AdministratorAccess', 'ReadOnlyAccess', ...EXTRA_PERMISSION_SETS];
    fixture.permissionSets = Array.from({ length: rolesPerAccount }, (_, i) => ({
      name: names[i] ?? `Role${String(i + 1).padStart(3, '0')}`,
      sessionDuration: i === 0 ? 'PT4H' : 'PT1H',
    }));
  }
  const permissionSets = fixture.permissionSets.map((set) => set.name);
  const everything = (users: FixtureUser[], groups: FixtureGroup[] = []): FixtureAssignment[] =>
    groups.length
      ? groups.map((group) => ({ group: group.name, accounts: '*' as const, permissionSets }))
      : users.map((user) => ({ user: user.username, accounts: '*' as const, permissionSets }));
  fixture.assignments = everything(fixture.users, fixture.groups);
  for (const extra of fixture.identityCenters ?? []) {
    if (extra.users || extra.groups) extra.assignments = everything(extra.users ?? fixture.users, extra.groups);
    else delete extra.assignments;
  }
  return fixture;
}

// IAM users and roles from the fixture, who a set of credentials stands for, and the
// trust-policy check AssumeRole makes (principal patterns, MFA and external id conditions).
import { checkMfaSetting, FixtureError, isObject, requireAccountId, requireArray, requireString } from './fixtureChecks.js';
import { principalId, reservedRoleSuffix, roleId } from './ids.js';

export interface FixtureIamUser {
  accountId: string;
  name: string;
  accessKeys: { accessKeyId: string; secretAccessKey: string }[];
  /** A virtual MFA device: `serial` defaults to arn:aws:iam::ACCOUNT:mfa/NAME. */
  mfa?: { serial?: string; code?: string; totpSecret?: string };
}

export interface FixtureTrust {
  /** Exact principal ARNs, `arn:aws:iam::ACCOUNT:root` (any principal of that account), or globs with `*`. */
  principals: string[];
  /** The condition aws:MultiFactorAuthPresent = true. */
  mfa?: boolean;
  /** The condition sts:ExternalId = this. */
  externalId?: string;
}

export interface FixtureIamRole {
  accountId: string;
  name: string;
  /** Seconds, 3600..43200; default 3600. */
  maxSessionDuration?: number;
  trust: FixtureTrust[];
}

export interface IamUser {
  accountId: string;
  name: string;
  arn: string;
  userId: string;
  mfa?: { serial: string; code?: string; totpSecret?: string };
}

export interface IamRole {
  accountId: string;
  name: string;
  arn: string;
  roleId: string;
  maxSessionDuration: number;
  trust: FixtureTrust[];
}

export interface IamDirectory {
  users: IamUser[];
  /** By role ARN. */
  roles: Map<string, IamRole>;
  /** Long-term access keys by access key id. */
  accessKeys: Map<string, { user: IamUser; secretAccessKey: string }>;
}

/** Who a set of credentials stands for, as STS judges it. */
export interface CallerIdentity {
  /** An SSO role session, an AssumeRole session, IAM user long-term keys, or a GetSessionToken session. */
  kind: 'sso-role' | 'assumed-role' | 'iam-user' | 'user-session';
  accountId: string;
  /** What GetCallerIdentity answers. */
  arn: string;
  userId: string;
  /** The principal a trust policy names: the role's ARN, or the user's. */
  principalArn: string;
  /** aws:MultiFactorAuthPresent. */
  mfa: boolean;
  /** The IAM user behind long-term keys or a GetSessionToken session: whose MFA device counts. */
  user?: IamUser;
  sourceIdentity?: string;
}

export const isRoleSession = (identity: CallerIdentity) => identity.kind === 'sso-role' || identity.kind === 'assumed-role';

export function ssoRoleIdentity(accountId: string, permissionSet: string, username: string): CallerIdentity {
  const reserved = `AWSReservedSSO_${permissionSet}_${reservedRoleSuffix(accountId, permissionSet)}`;
  return {
    kind: 'sso-role',
    accountId,
    arn: `arn:aws:sts::${accountId}:assumed-role/${reserved}/${username}`,
    userId: `${roleId(accountId, permissionSet)}:${username}`,
    principalArn: `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/${reserved}`,
    mfa: false,
  };
}

export function assumedRoleIdentity(role: IamRole, sessionName: string, mfa: boolean, sourceIdentity?: string): CallerIdentity {
  return {
    kind: 'assumed-role',
    accountId: role.accountId,
    arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`,
    userId: `${role.roleId}:${sessionName}`,
    principalArn: role.arn,
    mfa,
    sourceIdentity,
  };
}

export function userIdentity(user: IamUser, kind: 'iam-user' | 'user-session', mfa: boolean): CallerIdentity {
  return { kind, accountId: user.accountId, arn: user.arn, userId: user.userId, principalArn: user.arn, mfa, user };
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);

function principalMatches(pattern: string, caller: CallerIdentity): boolean {
  if (pattern === '*') return true;
  const root = /^arn:aws:iam::(\d{12}):root$/.exec(pattern);
  if (root) return root[1] === caller.accountId;
  const re = globToRegExp(pattern);
  return re.test(caller.principalArn) || re.test(caller.arn);
}

/** Whether the role's trust policy lets this caller assume it, given what the request presents. */
export function trusts(role: IamRole, caller: CallerIdentity, request: { mfa: boolean; externalId?: string }): boolean {
  return role.trust.some(
    (entry) =>
      entry.principals.some((pattern) => principalMatches(pattern, caller)) &&
      (!entry.mfa || request.mfa) &&
      (entry.externalId === undefined || entry.externalId === request.externalId),
  );
}

const IAM_NAME = /^[\w+=,.@-]{1,64}$/;

function checkName(value: unknown, where: string): string {
  const name = requireString(value, where);
  if (!IAM_NAME.test(name)) throw new FixtureError(`${where} must be 1 to 64 letters, digits or +=,.@_-`);
  return name;
}

function resolveUser(value: unknown, where: string, accountIds: { has(id: string): boolean }, into: IamDirectory): void {
  if (!isObject(value)) throw new FixtureError(`${where} must be an object`);
  const accountId = requireAccountId(value.accountId, `${where}.accountId`, accountIds);
  const name = checkName(value.name, `${where}.name`);
  const arn = `arn:aws:iam::${accountId}:user/${name}`;
  if (into.users.some((user) => user.arn === arn)) throw new FixtureError(`${where} repeats the user ${arn}`);
  const user: IamUser = { accountId, name, arn, userId: principalId('AIDA', arn) };
  if (value.mfa !== undefined) {
    const setting = checkMfaSetting(value.mfa, `${where}.mfa`);
    const serial = (value.mfa as Record<string, unknown>).serial ?? `arn:aws:iam::${accountId}:mfa/${name}`;
    if (typeof serial !== 'string' || !/^[\w+=/:,.@-]{9,256}$/.test(serial))
      throw new FixtureError(`${where}.mfa.serial must be an MFA device ARN or serial number (9 to 256 characters)`);
    user.mfa = { serial, ...setting };
  }
  requireArray(value.accessKeys, `${where}.accessKeys`).forEach((key, i) => {
    const at = `${where}.accessKeys[${i}]`;
    if (!isObject(key)) throw new FixtureError(`${at} must be an object`);
    const accessKeyId = requireString(key.accessKeyId, `${at}.accessKeyId`);
    if (!/^AKIA[A-Z0-9]{16}$/.test(accessKeyId)) throw new FixtureError(`${at}.accessKeyId must be AKIA and 16 capital letters or digits`);
    const secretAccessKey = requireString(key.secretAccessKey, `${at}.secretAccessKey`);
    // AWS's are 40 characters; SigV4 works with any length, so a readable demo key may differ.
    if (!/^[A-Za-z0-9/+]{16,128}$/.test(secretAccessKey))
      throw new FixtureError(`${at}.secretAccessKey must be 16 to 128 characters of A-Z, a-z, 0-9, / and +`);
    if (into.accessKeys.has(accessKeyId)) throw new FixtureError(`${at}.accessKeyId ${accessKeyId} appears twice`);
    into.accessKeys.set(accessKeyId, { user, secretAccessKey });
  });
  into.users.push(user);
}

function checkTrust(value: unknown, where: string): FixtureTrust {
  if (!isObject(value)) throw new FixtureError(`${where} must be an object`);
  const principals = requireArray(value.principals, `${where}.principals`);
  if (principals.length === 0) throw new FixtureError(`${where}.principals must name at least one principal`);
  principals.forEach((pattern, i) => {
    if (typeof pattern !== 'string' || !(pattern === '*' || pattern.startsWith('arn:aws:')))
      throw new FixtureError(`${where}.principals[${i}] must be "*" or an ARN (globs with * allowed)`);
  });
  if (value.mfa !== undefined && typeof value.mfa !== 'boolean') throw new FixtureError(`${where}.mfa must be true or false`);
  const { externalId } = value;
  if (externalId !== undefined && (typeof externalId !== 'string' || !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)))
    throw new FixtureError(`${where}.externalId must be 2 to 1224 letters, digits or +=,.@:/_-`);
  return { principals: principals as string[], mfa: value.mfa as boolean | undefined, externalId: externalId as string | undefined };
}

function resolveRole(value: unknown, where: string, accountIds: { has(id: string): boolean }, into: IamDirectory): void {
  if (!isObject(value)) throw new FixtureError(`${where} must be an object`);
  const accountId = requireAccountId(value.accountId, `${where}.accountId`, accountIds);
  const name = checkName(value.name, `${where}.name`);
  const arn = `arn:aws:iam::${accountId}:role/${name}`;
  if (into.roles.has(arn)) throw new FixtureError(`${where} repeats the role ${arn}`);
  const max = value.maxSessionDuration ?? 3600;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 3600 || max > 43200)
    throw new FixtureError(`${where}.maxSessionDuration must be a whole number of seconds from 3600 to 43200`);
  const trust = requireArray(value.trust, `${where}.trust`).map((entry, i) => checkTrust(entry, `${where}.trust[${i}]`));
  into.roles.set(arn, { accountId, name, arn, roleId: principalId('AROA', arn), maxSessionDuration: max, trust });
}

/** Validates the fixture's iamUsers and iamRoles (both optional) against its accounts. */
export function resolveIam(fixture: { iamUsers?: unknown; iamRoles?: unknown }, accountIds: { has(id: string): boolean }): IamDirectory {
  const directory: IamDirectory = { users: [], roles: new Map(), accessKeys: new Map() };
  if (fixture.iamUsers !== undefined)
    requireArray(fixture.iamUsers, 'iamUsers').forEach((user, i) => resolveUser(user, `iamUsers[${i}]`, accountIds, directory));
  if (fixture.iamRoles !== undefined)
    requireArray(fixture.iamRoles, 'iamRoles').forEach((role, i) => resolveRole(role, `iamRoles[${i}]`, accountIds, directory));
  return directory;
}

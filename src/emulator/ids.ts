// Random and derived identifiers in the shapes AWS uses.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// No vowels or look-alikes, like real Identity Center user codes.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const accessKeyId = () => `ASIA${pick(UPPER_ALNUM, 16)}`;
export const secretAccessKey = () => randomBytes(30).toString('base64').replace(/[+/]/g, 'A');
export const sessionToken = () => `IQoJb3JpZ2luX2Vj${randomBytes(180).toString('base64')}`;
export const userCode = () => `${pick(USER_CODE_ALPHABET, 4)}-${pick(USER_CODE_ALPHABET, 4)}`;
export const requestId = () => crypto.randomUUID();

/** Normalises a user code as typed by a person: case and the dash do not matter. */
export const normalizeUserCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** Stable per account+permission set, as AWS's AWSReservedSSO_<set>_<16 hex> role names are. */
export function reservedRoleSuffix(accountId: string, permissionSet: string): string {
  return createHash('sha256').update(`${accountId}/${permissionSet}`).digest('hex').slice(0, 16);
}

/** A stable unique id (prefix + 17 characters), as IAM gives roles (AROA) and users (AIDA). */
export function principalId(prefix: 'AROA' | 'AIDA', seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = prefix;
  for (let i = 0; i < 17; i++) out += UPPER_ALNUM[digest[i]! % UPPER_ALNUM.length];
  return out;
}

/** The role id of an SSO permission set's reserved role in an account, for the UserId of GetCallerIdentity. */
export const roleId = (accountId: string, permissionSet: string) => principalId('AROA', `role:${accountId}/${permissionSet}`);

/** The IAM role ARN behind an SSO permission set in an account (AWS puts it under this path). */
export const ssoRoleArn = (accountId: string, permissionSet: string) =>
  `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${permissionSet}_${reservedRoleSuffix(accountId, permissionSet)}`;

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

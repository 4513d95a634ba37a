// The cache key of every link the daemon's credential service builds (daemon/server/linkGraph.ts),
// one function per link kind. A key holds everything that changes a link's answer, so two
// profiles (or two config files) that ask for the same credentials share one link, and two that
// differ in any of these never do. Keys hold no secret: keys are named by their id and a digest.
import { createHash } from 'node:crypto';

/** Joins a key's parts; NUL cannot occur in a config value, so parts never run into each other. */
function keyOf(...parts: readonly (string | number | undefined)[]): string {
  return parts.join('\u0000');
}

interface KeyParts {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Keys: their id and a digest of the secret parts, never the secret itself. */
function keysKey(kind: 'static' | 'environment', keys: KeyParts): string {
  const digest = createHash('sha256').update(`${keys.secretAccessKey}\u0000${keys.sessionToken ?? ''}`).digest('hex');
  return keyOf(kind, keys.accessKeyId, digest);
}

/** An SSO role: the sign-in (name, portal, region), the account and the role. */
export function ssoLinkKey(session: { name: string; startUrl: string; region: string }, accountId: string, roleName: string): string {
  return keyOf('sso', session.name, session.startUrl, session.region, accountId, roleName);
}

/** Static keys from a config or shared credentials file. */
export function staticLinkKey(keys: KeyParts): string {
  return keysKey('static', keys);
}

/** The asking client's environment keys (credential_source = Environment). */
export function environmentLinkKey(keys: KeyParts): string {
  return keysKey('environment', keys);
}

/** Another tool's credential_process: the profile's definition, its file, its name and its line. */
export function processLinkKey(source: { file: string; profile: string; command: string }): string {
  return keyOf('process', source.file, source.profile, source.command);
}

/** GetSessionToken over an IAM user's stored keys (by profile) or static keys (by key id), with its MFA device and duration. */
export function sessionLinkKey(
  keys: { iamUser: string } | { keys: { accessKeyId: string } },
  serial: string | undefined,
  durationSeconds: number | undefined,
): string {
  const owner = 'iamUser' in keys ? keyOf('iam-user', keys.iamUser) : keyOf('static', keys.keys.accessKeyId);
  return keyOf('session', owner, serial, durationSeconds);
}

/** AssumeRole over the source link `sourceKey`, with everything that goes into the call. */
export function assumeLinkKey(
  sourceKey: string,
  role: { roleArn: string; roleSessionName?: string; externalId?: string; sourceIdentity?: string },
  durationSeconds: number | undefined,
  mfaSerial: string | undefined,
): string {
  return keyOf('assume', sourceKey, role.roleArn, role.roleSessionName, role.externalId, durationSeconds, mfaSerial, role.sourceIdentity);
}

/** Not a link: the memo of a profile's top link per parse of the files, by what the request changes. */
export function topLinkMemoKey(profile: string, durationSeconds: number | undefined, environment: KeyParts | undefined): string {
  return keyOf(profile, durationSeconds ?? '', environment ? environmentLinkKey(environment) : '');
}

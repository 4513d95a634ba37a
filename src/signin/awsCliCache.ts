// The AWS CLI's own SSO token cache (~/.aws/sso/cache/<sha1(sso-session name)>.json), written only
// when the user opts in, so `--mode native` profiles work in the AWS CLI and SDKs without keyfob.
//
// The format is the AWS CLI's, checked against its sources:
// - name: botocore utils.py SSOTokenLoader._generate_cache_key = sha1(session_name).hexdigest(), and
//   @smithy shared-ini-file-loader getSSOTokenFilepath = join(HOME, .aws, sso, cache, sha1hex(id) + .json);
// - keys: botocore tokens.py SSOTokenProvider._attempt_create_token and utils.py SSOTokenFetcher
//   (startUrl, region, accessToken, expiresAt, clientId, clientSecret, registrationExpiresAt, refreshToken);
// - timestamps: botocore tokens.py _serialize_utc_timestamp, strftime("%Y-%m-%dT%H:%M:%SZ") (UTC, no
//   fraction); botocore parses them with dateutil and the JS SDK with `new Date()`, so both accept it.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from '../core/atomicFile.js';
import type { ClientRegistration, SsoSessionConfig, SsoToken } from './types.js';

/** One cache file, with exactly the AWS CLI's keys. */
export interface AwsCliCachedToken {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: string;
  clientId: string;
  clientSecret: string;
  registrationExpiresAt: string;
  refreshToken?: string;
}

/** ~/.aws/sso/cache of the HOME this process sees (the daemon inherits its starter's environment). */
export function defaultAwsCliCacheDir(): string {
  return join(homedir(), '.aws', 'sso', 'cache');
}

/** The cache dir of an AWS CLI run with this environment (botocore: expanduser("~/.aws/sso/cache")). */
export function awsCliCacheDirOf(env: NodeJS.ProcessEnv): string {
  return join(env.HOME || homedir(), '.aws', 'sso', 'cache');
}

export function awsCliCacheFile(cacheDir: string, sessionName: string): string {
  return join(cacheDir, `${createHash('sha1').update(sessionName, 'utf8').digest('hex')}.json`);
}

/** botocore's timestamp format: whole seconds, UTC, "Z". */
export function awsCliTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function awsCliCachedToken(session: SsoSessionConfig, token: SsoToken, registration: ClientRegistration): AwsCliCachedToken {
  return {
    startUrl: session.startUrl,
    region: session.region,
    accessToken: token.accessToken,
    expiresAt: awsCliTimestamp(token.expiresAt),
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: awsCliTimestamp(registration.expiresAt),
    ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
  };
}

/** Writes the file 0600 in a 0700 dir, atomically: the AWS CLI never reads half a token. */
export async function writeAwsCliToken(cacheDir: string, session: SsoSessionConfig, token: SsoToken, registration: ClientRegistration): Promise<string> {
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  await chmod(cacheDir, 0o700); // an existing dir made by the AWS CLI (0755 under the usual umask)
  const file = awsCliCacheFile(cacheDir, session.name);
  await writeFileAtomically(file, JSON.stringify(awsCliCachedToken(session, token, registration)), 0o600);
  return file;
}

/** Reads the file back; undefined when it is missing or not a token. */
export async function readAwsCliToken(cacheDir: string, sessionName: string): Promise<AwsCliCachedToken | undefined> {
  try {
    const parsed = JSON.parse(await readFile(awsCliCacheFile(cacheDir, sessionName), 'utf8')) as Partial<AwsCliCachedToken>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.expiresAt !== 'string') return undefined;
    return parsed as AwsCliCachedToken;
  } catch {
    return undefined;
  }
}

/** Removes the file; true when there was one. */
export async function removeAwsCliToken(cacheDir: string, sessionName: string): Promise<boolean> {
  try {
    await unlink(awsCliCacheFile(cacheDir, sessionName));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

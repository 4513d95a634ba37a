// The environment variables assume sets, and which ones it clears. keyfob remembers what it
// set in KEYFOB_EXPORTED, so it only ever clears its own: an AWS_REGION the user set before any
// assume stays when the next profile has no region.
import type { AssumeAnswer, ContainerToken, ProfileSummary } from '../daemon/protocol.js';
import { visible } from '../core/terminalText.js';
import { untilText } from '../core/time.js';

export const EXPORTED_LIST = 'KEYFOB_EXPORTED';

export interface EnvChange {
  set: [string, string][];
  unset: string[];
}

function previouslyExported(env: NodeJS.ProcessEnv): string[] {
  return (env[EXPORTED_LIST] ?? '').split(',').filter((name) => /^[A-Z_][A-Z0-9_]*$/.test(name));
}

/** Static keys would shadow the endpoint in every SDK's chain, so auto-refresh always clears them. */
const STATIC_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'];

function change(set: [string, string][], profile: ProfileSummary, region: string | undefined, env: NodeJS.ProcessEnv, alsoUnset: string[] = []): EnvChange {
  set.push(['KEYFOB_PROFILE', profile.name]);
  const effectiveRegion = region ?? profile.region;
  if (effectiveRegion) set.push(['AWS_REGION', effectiveRegion], ['AWS_DEFAULT_REGION', effectiveRegion]);
  const names = set.map(([name]) => name);
  set.push([EXPORTED_LIST, names.join(',')]);
  const unset = [...new Set([...alsoUnset, ...previouslyExported(env)])].filter((name) => !names.includes(name));
  return { set, unset };
}

export function assumeEnvironment(answer: AssumeAnswer, region: string | undefined, env: NodeJS.ProcessEnv): EnvChange {
  const { profile, credentials } = answer;
  const set: [string, string][] = [
    ['AWS_ACCESS_KEY_ID', credentials.AccessKeyId],
    ['AWS_SECRET_ACCESS_KEY', credentials.SecretAccessKey],
    // Static keys have neither: any left from an earlier assume are cleared (they are in the export list).
    ...(credentials.SessionToken ? [['AWS_SESSION_TOKEN', credentials.SessionToken] as [string, string]] : []),
    ...(credentials.Expiration ? [['AWS_CREDENTIAL_EXPIRATION', credentials.Expiration] as [string, string]] : []),
    ['AWS_PROFILE', profile.name],
  ];
  return change(set, profile, region, env);
}

/**
 * `--auto-refresh`: the endpoint and its token instead of keys. AWS_PROFILE is not set (a profile
 * outranks the container provider in botocore and the JS SDK), and one assume set before is cleared.
 */
export function autoRefreshEnvironment(grant: ContainerToken, region: string | undefined, env: NodeJS.ProcessEnv): EnvChange {
  const set: [string, string][] = [
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', grant.uri],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN', grant.token],
    // The token ends with this daemon: the shims' prompt hook gets a new one when it is gone (the
    // pid with the daemon's identity, since a pid is soon reused).
    ['KEYFOB_DAEMON_PID', String(grant.daemonPid)],
    ['KEYFOB_DAEMON_ID', grant.daemonId],
  ];
  return change(set, grant.profile, region, env, STATIC_KEYS);
}

/** The auto-refresh token a previous assume exported, to revoke when it is replaced or unset. */
export function previousContainerToken(env: NodeJS.ProcessEnv): string | undefined {
  return previouslyExported(env).includes('AWS_CONTAINER_AUTHORIZATION_TOKEN') ? env.AWS_CONTAINER_AUTHORIZATION_TOKEN : undefined;
}

/** The line assume shows on stderr: which role, where, and until when (local time, zone, time left). */
export function assumedNote(answer: AssumeAnswer, region: string | undefined): string {
  const { profile, credentials } = answer;
  const until = credentials.Expiration ? ` ${untilText(credentials.Expiration)}` : ' (keys that do not expire)';
  const where = region ?? profile.region;
  const what = [profile.accountId, profile.roleName, where].filter(Boolean).join(', ');
  const note = answer.note ? `; ${answer.note}` : '';
  // Names come from the config and the server: escaped for the terminal.
  return visible(`keyfob: assumed ${profile.name}${what ? ` (${what})` : ''}${until}${note}`);
}

export function unsetEnvironment(env: NodeJS.ProcessEnv): EnvChange {
  return { set: [], unset: [...previouslyExported(env), EXPORTED_LIST] };
}

/** The environment for a command run with the credentials (exec), without touching the shell. */
export function applyEnvironment(env: NodeJS.ProcessEnv, change: EnvChange): NodeJS.ProcessEnv {
  const next = { ...env };
  for (const name of change.unset) delete next[name];
  for (const [name, value] of change.set) next[name] = value;
  return next;
}

// Keeping roles apart in one browser: a Chromium `--user-data-dir` per profile under
// KEYFOB_HOME/browser/ (0700), or a Firefox container per profile through granted's extension.
// And each profile's colour and icon (`keyfob_color`, `keyfob_icon`; granted's `granted_color`,
// `granted_icon` too), for the container tab and the portal's badge.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readAwsConfig } from '../config/awsConfig.js';
import { ConfigError } from '../core/errors.js';
import { configFile, keyfobHome } from '../core/paths.js';
import { ensurePrivateDir, HOME_ELSEWHERE } from '../core/trustedPath.js';

export const BROWSER_DIR = 'browser';

/** What granted's extension accepts (granted-containers, src/opener/parser.ts); others are refused there. */
export const CONTAINER_COLORS = ['blue', 'turquoise', 'green', 'yellow', 'orange', 'red', 'pink', 'purple'] as const;
export const CONTAINER_ICONS = ['fingerprint', 'briefcase', 'dollar', 'cart', 'circle', 'gift', 'vacation', 'food', 'fruit', 'pet', 'tree', 'chill'] as const;
export type ContainerColor = (typeof CONTAINER_COLORS)[number];
export type ContainerIcon = (typeof CONTAINER_ICONS)[number];

export interface ProfileLook {
  color?: ContainerColor;
  icon?: ContainerIcon;
}

/**
 * The directory name for a profile: a readable slug plus a hash of the exact name, so no name
 * can climb out (`..`, `/`) and no two names share a dir (`a/b` and `a_b` differ in the hash).
 */
export function profileDirName(profile: string): string {
  const slug = profile
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 64);
  const hash = createHash('sha256').update(profile, 'utf8').digest('hex').slice(0, 12);
  return `${slug || 'profile'}-${hash}`;
}

/** The profile's own Chromium user-data-dir, created 0700 (and its parents) and checked as ours. */
export function browserProfileDir(profile: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = keyfobHome(env);
  const root = join(home, BROWSER_DIR);
  const dir = join(root, profileDirName(profile));
  for (const d of [home, root, dir]) ensurePrivateDir(d, d === home ? 'KEYFOB_HOME' : 'the browser profile dir', HOME_ELSEWHERE);
  return dir;
}

/** Go's url.QueryEscape, which granted uses: only A-Z a-z 0-9 - _ . ~ stay, space becomes +. */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * granted's URL for its Firefox extension, byte for byte as `granted console --firefox` makes it:
 *   ext+granted-containers:name=NAME&url=QUERY_ESCAPED_URL&color=COLOR&icon=ICON
 * granted puts the name in raw; here it is escaped as the URL is, `/` kept, so a name holding `&`
 * or `=` cannot add parameters, and ordinary names come out the same.
 */
export function firefoxContainerUrl(name: string, url: string, look: ProfileLook = {}): string {
  const escapedName = goQueryEscape(name).replace(/%2F/g, '/');
  return `ext+granted-containers:name=${escapedName}&url=${goQueryEscape(url)}&color=${look.color ?? ''}&icon=${look.icon ?? ''}`;
}

function pick<T extends string>(profile: string, values: Record<string, string>, what: 'color' | 'icon', allowed: readonly T[]): T | undefined {
  for (const key of [`keyfob_${what}`, `granted_${what}`]) {
    const value = values[key]?.trim();
    if (!value) continue;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(`profile ${JSON.stringify(profile)}: ${key} = ${JSON.stringify(value)} is not a container ${what}; use one of ${allowed.join(', ')}`);
    }
    return value as T;
  }
  return undefined;
}

/** The colour and icon from a profile's config values; a bad one is a one-line error naming the allowed ones. */
export function lookFromValues(profile: string, values: Record<string, string>): ProfileLook {
  return { color: pick(profile, values, 'color', CONTAINER_COLORS), icon: pick(profile, values, 'icon', CONTAINER_ICONS) };
}

/** A profile's colour and icon, from AWS_CONFIG_FILE: for the container tab and the portal's badge. */
export async function profileLook(profile: string, env: NodeJS.ProcessEnv = process.env): Promise<ProfileLook> {
  const config = await readAwsConfig(configFile(env));
  return lookFromValues(profile, config.profiles.get(profile)?.values ?? {});
}

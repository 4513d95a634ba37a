// Profile names for populate: a template rendered per account and role, sanitised so the name
// is one word to botocore's header parser and to a shell, and disambiguated when two collide.
// Account and role names come from the server, so they are treated as hostile.
import { ConfigError } from '../core/errors.js';
import type { AccountAssignment } from '../aws/accounts.js';

export const DEFAULT_TEMPLATE = '{account_name}/{role_name}';
export const PLACEHOLDERS = ['account_name', 'account_id', 'role_name', 'sso_session', 'account_email'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** Longest name written; account names are at most 50 characters in AWS, roles 32. */
export const MAX_NAME_LENGTH = 200;

export interface WantedProfile {
  name: string;
  accountId: string;
  accountName: string;
  roleName: string;
}

export interface NamedProfiles {
  profiles: WantedProfile[];
  /** Names that two or more account/role pairs mapped to, and what each became instead. */
  collisions: { name: string; renamedTo: string[] }[];
}

/** Refuses unknown placeholders up front, so a typo does not become part of every name. */
export function checkTemplate(template: string): void {
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1])) {
      throw new ConfigError(
        `unknown placeholder {${match[1]}} in --profile-template; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
    }
  }
  if (sanitizeProfileName(template.replace(/\{[^{}]*\}/g, 'x')) === '') throw new ConfigError('--profile-template gives empty names');
}

/**
 * Makes a name safe for `[profile NAME]`, for a shell word, and for every AWS SDK: the JS SDK
 * finds a profile only when its name is made of `A-Z a-z 0-9 _ - @ + . % : /`, so that is the
 * alphabet. Accents fold to their letter (é → e); every other run of characters (spaces,
 * brackets, quotes, `$ ( ) ; # | &`, control and bidi characters, emoji, other scripts) becomes
 * one `-`; no `-` leads or trails (a leading `-` reads as an option).
 */
export function sanitizeProfileName(raw: string, maxLength = MAX_NAME_LENGTH): string {
  return raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_\-@+.%:/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

/** Each value is cleaned on its own, so `A-/-B` cannot arise from `A )` and `( B`. */
const MAX_VALUE_LENGTH = 64;

function render(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, key: Placeholder) => values[key] ?? '');
}

/**
 * One profile per account and role. Names that collide are all disambiguated the same way, so
 * the result does not depend on the order the server lists accounts in: the account id goes
 * next to the account name (`Dev-111122223333/Admin`), or at the end when the template has no
 * `{account_name}`; the role name follows if they still collide.
 */
export function nameProfiles(
  accounts: readonly AccountAssignment[],
  opts: { template: string; prefix: string; ssoSession: string },
): NamedProfiles {
  const pairs = accounts.flatMap((account) => account.roles.map((roleName) => ({ account, roleName })));
  const nameFor = (pair: (typeof pairs)[number], level: number): string => {
    const { account, roleName } = pair;
    const clean = (value: string) => sanitizeProfileName(value, MAX_VALUE_LENGTH);
    const values: Record<Placeholder, string> = {
      account_name: clean(account.accountName) || clean(account.accountId),
      account_id: clean(account.accountId),
      role_name: clean(roleName) || 'role',
      sso_session: clean(opts.ssoSession),
      account_email: clean(account.emailAddress ?? ''),
    };
    let template = opts.template;
    if (level >= 1) {
      template = template.includes('{account_name}')
        ? template.replaceAll('{account_name}', '{account_name}-{account_id}')
        : `${template}-{account_id}`;
    }
    if (level >= 2) template += '-{role_name}';
    return sanitizeProfileName(opts.prefix + render(template, values)) || `${values.account_id}-${values.role_name}`;
  };

  const levels = pairs.map(() => 0);
  const names = pairs.map((pair) => nameFor(pair, 0));
  const collisions = new Map<string, number[]>();
  // Each round moves every member of a colliding group one level further; three levels suffice.
  for (let round = 0; round < 3; round++) {
    const groups = new Map<string, number[]>();
    names.forEach((name, i) => groups.set(name, [...(groups.get(name) ?? []), i]));
    let clashed = false;
    for (const [name, members] of groups) {
      if (members.length < 2) continue;
      clashed = true;
      if (round === 0) collisions.set(name, members);
      for (const i of members) names[i] = nameFor(pairs[i], (levels[i] = Math.min(2, levels[i] + 1)));
    }
    if (!clashed) break;
  }
  // Whatever still clashes (only possible with server-sent duplicates) gets a counter.
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    if (count > 1) names[i] = `${sanitizeProfileName(name, MAX_NAME_LENGTH - String(count).length - 1)}-${count}`;
  });

  return {
    profiles: pairs.map((pair, i) => ({
      name: names[i],
      accountId: pair.account.accountId,
      accountName: pair.account.accountName,
      roleName: pair.roleName,
    })),
    collisions: [...collisions].map(([name, members]) => ({ name, renamedTo: members.map((i) => names[i]) })),
  };
}

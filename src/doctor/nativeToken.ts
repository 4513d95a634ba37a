// --mode native profiles are signed in by the AWS CLI itself, from its own token cache
// (~/.aws/sso/cache/<sha1 of the sso-session name>.json, or of the start URL for a legacy
// profile). keyfob fills that cache only with `keyfob login --export-to-aws-cli`; without it,
// `aws` fails with "Token for NAME does not exist" while keyfob's own profiles work.
import { resolveProfileSource } from '../config/awsConfig.js';
import { awsCliCacheDirOf, readAwsCliToken } from '../signin/awsCliCache.js';
import { loadConfigOrSkip } from './config.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'aws-token';

export const nativeTokenCheck: DoctorCheck = {
  name: NAME,
  async run({ env }): Promise<CheckResult> {
    const loaded = await loadConfigOrSkip(NAME, env);
    if ('status' in loaded) return loaded;
    // sso-session name (or legacy start URL) -> the native profiles that need its token.
    const needed = new Map<string, { profiles: string[]; login: string }>();
    for (const profile of loaded.config.profiles.values()) {
      let source;
      try {
        source = resolveProfileSource(profile);
      } catch {
        continue; // not an SSO profile, or the profiles check reports it
      }
      if (source.kind !== 'native') continue;
      const key = source.ssoSession ?? source.startUrl;
      if (!key) continue;
      const login = source.ssoSession
        ? `keyfob login --sso-session ${source.ssoSession} --export-to-aws-cli`
        : `aws sso login --profile ${profile.name} (a legacy profile without sso_session; or rewrite it with keyfob populate --mode native)`;
      const entry = needed.get(key) ?? { profiles: [], login };
      entry.profiles.push(profile.name);
      needed.set(key, entry);
    }
    if (needed.size === 0) return { name: NAME, status: 'skip', detail: 'no native (sso_session) profiles' };

    const dir = awsCliCacheDirOf(env);
    const missing: { key: string; profiles: string[]; login: string }[] = [];
    for (const [key, entry] of needed) {
      if (!(await readAwsCliToken(dir, key))) missing.push({ key, ...entry });
    }
    if (missing.length === 0) {
      return { name: NAME, status: 'ok', detail: `the AWS CLI has a token for each of ${needed.size} sso-session(s) of the native profiles` };
    }
    const first = missing[0];
    const shown = first.profiles.slice(0, 3).join(', ') + (first.profiles.length > 3 ? `, and ${first.profiles.length - 3} more` : '');
    const others = missing.length > 1 ? `; also ${missing.slice(1).map((m) => m.key).join(', ')}` : '';
    return {
      name: NAME,
      status: 'fail',
      detail:
        `${first.profiles.length} native profile(s) of ${first.key} (${shown}) need the AWS CLI's token, and ${dir} has none for it: ` +
        `aws would fail with "Token for ${first.key} does not exist"${others}`,
      fix: first.login,
    };
  },
};

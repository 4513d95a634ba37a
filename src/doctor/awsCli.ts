// The `aws` a user gets on PATH, and whether it understands [sso-session] sections (AWS CLI v2.9+).
// keyfob's own profiles use credential_process, which every AWS CLI runs; only --mode native
// profiles (sso_session = …) need a CLI that reads [sso-session].
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { devNull } from 'node:os';
import { delimiter, join } from 'node:path';
import { resolveProfileSource } from '../config/awsConfig.js';
import { loadConfig } from './config.js';
import type { CheckResult, DoctorCheck } from './types.js';
import { isExecutableFile } from '../core/programs.js';

const NAME = 'aws-cli';
/** How many `aws` further down PATH to try when the first cannot read [sso-session]. */
const OTHERS_TRIED = 3;

/** Every executable `aws` on PATH, first first, each file once (/bin is often /usr/bin). */
export function awsOnPath(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'aws.exe' : 'aws');
    try {
      if (!isExecutableFile(candidate)) continue;
      const real = realpathSync(candidate);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push(candidate);
    } catch {
      // not here
    }
  }
  return found;
}

interface CliVersion {
  /** As printed, e.g. "aws-cli/2.9.19". */
  text: string;
  major: number;
  minor: number;
}

/** `aws --version`: v2 prints on stdout, v1 (older Pythons) on stderr. */
function awsVersion(path: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliVersion | string> {
  return new Promise((resolve) => {
    // An empty config: v1 parses the user's file even for --version, and the config check reports a broken one.
    const quiet = { ...env, AWS_CONFIG_FILE: devNull, AWS_SHARED_CREDENTIALS_FILE: devNull };
    execFile(path, ['--version'], { env: quiet, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const match = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(`${stdout}\n${stderr}`);
      if (match) resolve({ text: match[0], major: Number(match[1]), minor: Number(match[2]) });
      else resolve(err ? `\`${path} --version\` failed: ${err.killed ? 'no answer in time' : (stderr.trim().split('\n').pop() ?? err.message)}` : `\`${path} --version\` printed no aws-cli/X.Y.Z`);
    });
  });
}

const readsSsoSession = (v: CliVersion) => v.major > 2 || (v.major === 2 && v.minor >= 9);

/** Profiles the AWS CLI must resolve through [sso-session] itself (populate --mode native). */
async function nativeSessionProfiles(env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const { config } = await loadConfig(env);
    let count = 0;
    for (const profile of config.profiles.values()) {
      try {
        const source = resolveProfileSource(profile);
        if (source.kind === 'native' && source.ssoSession) count++;
      } catch {
        // not an SSO profile, or the profiles check reports it
      }
    }
    return count;
  } catch {
    return 0; // the config checks report an unreadable file
  }
}

export const awsCliCheck: DoctorCheck = {
  name: NAME,
  async run({ env, timeoutMs }): Promise<CheckResult> {
    const helperLimit = Math.max(1000, Math.floor(timeoutMs / 2) - 500);
    const [first, ...others] = awsOnPath(env);
    if (!first) return { name: NAME, status: 'skip', detail: 'no aws on PATH; keyfob does not need it (install AWS CLI v2 to use the profiles from it)' };
    const version = await awsVersion(first, env, helperLimit);
    if (typeof version === 'string') return { name: NAME, status: 'warn', detail: version, fix: `reinstall the AWS CLI v2, or remove ${first} from PATH` };
    if (readsSsoSession(version)) return { name: NAME, status: 'ok', detail: `${first} is ${version.text}, which reads [sso-session]` };

    // A v2 further down PATH is the usual story (a pyenv or pip v1 shadowing the system v2): name it.
    const better = (
      await Promise.all(others.slice(0, OTHERS_TRIED).map(async (path) => ({ path, version: await awsVersion(path, env, helperLimit) })))
    ).find((o) => typeof o.version !== 'string' && readsSsoSession(o.version));
    const fix = better
      ? `put ${better.path.replace(/\/aws(\.exe)?$/, '')} before ${first.replace(/\/aws(\.exe)?$/, '')} on PATH (${better.path} is ${(better.version as CliVersion).text}), or install AWS CLI v2.9 or later`
      : 'install AWS CLI v2.9 or later (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)';
    const native = await nativeSessionProfiles(env);
    const detail = `${first} is ${version.text}, which cannot read [sso-session]`;
    if (native > 0) return { name: NAME, status: 'fail', detail: `${detail}, and ${native} profile(s) use sso_session (--mode native)`, fix };
    return { name: NAME, status: 'warn', detail: `${detail}; keyfob's credential_process profiles still work with it`, fix };
  },
};

// botocore's own config reader (the copy inside Debian's AWS CLI v2) as an oracle: what the
// AWS CLI makes of a config file, profile by profile, without running a command per file.
import { execFileSync } from 'node:child_process';
import { awsCliAvailable } from './awscli.js';

export const PYTHON = '/usr/bin/python3';
export const AWSCLI_PACKAGE = '/usr/lib/python3/dist-packages/awscli';

export type BotocoreView = { profiles: Record<string, Record<string, string>>; ssoSessions: Record<string, Record<string, string>> } | { error: string };

const SCRIPT = `
import json, sys
sys.path.insert(0, ${JSON.stringify(AWSCLI_PACKAGE)})
from botocore import configloader
out = []
for path in json.load(sys.stdin):
    try:
        # As the AWS CLI loads it (sub-sections parsed, which may refuse the file)...
        configloader.raw_config_parse(path)
        # ...and, for comparing values, with sub-sections left as the text keyfob keeps.
        parsed = configloader.build_profile_map(configloader.raw_config_parse(path, parse_subsections=False))
        out.append({'profiles': parsed['profiles'], 'ssoSessions': parsed['sso_sessions']})
    except Exception as e:
        out.append({'error': type(e).__name__})
json.dump(out, sys.stdout)
`;

/** True when the AWS CLI v2 (and so its botocore) is installed; throws under CI when it is not. */
export const botocoreAvailable = awsCliAvailable;

/** How botocore reads each file (one Python process for all of them). */
export function botocoreRead(paths: string[]): BotocoreView[] {
  const stdout = execFileSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify(paths),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as BotocoreView[];
}

/** How botocore's credential chain resolves one profile: its provider tree, or the error it raises. */
export type BotocoreSource =
  | { method: 'assume-role'; roleArn: string; extra: Record<string, string | number>; source: BotocoreSource }
  | { method: 'custom-process'; command: string }
  | { method: string; accessKey?: string }
  | { error: string; message: string };

const RESOLVE_SCRIPT = `
import json, sys
sys.path.insert(0, ${JSON.stringify(AWSCLI_PACKAGE)})
import botocore.session, botocore.credentials as C
# Never run a program: a process profile answers with its own command line as the key id.
C.ProcessProvider._retrieve_credentials_using = lambda self, cmd: {'access_key': 'PROCESS:' + cmd, 'secret_key': 'x', 'token': None, 'expiry_time': None}
def describe(c):
    if c.method == 'assume-role':
        f = c._refresh_using
        f = getattr(f, '_refresh', f)  # mfa_serial wraps the fetcher
        fetcher = f.__self__
        return {'method': 'assume-role', 'roleArn': fetcher._role_arn, 'extra': fetcher._assume_kwargs if hasattr(fetcher, '_assume_kwargs') else fetcher._extra_args, 'source': describe(fetcher._source_credentials)}
    if c.method == 'custom-process':
        return {'method': 'custom-process', 'command': c.access_key[len('PROCESS:'):]}
    return {'method': c.method, **({} if c.method == 'sso' else {'accessKey': c.access_key})}
out = {}
for name in json.load(sys.stdin):
    try:
        out[name] = describe(botocore.session.Session(profile=name).get_credentials())
    except Exception as e:
        out[name] = {'error': type(e).__name__, 'message': str(e)}
json.dump(out, sys.stdout)
`;

/** botocore's resolution of each profile of these files (one Python process; no program is run, STS is not called). */
export function botocoreResolve(configFile: string, credentialsFile: string, profiles: string[]): Record<string, BotocoreSource> {
  const stdout = execFileSync(PYTHON, ['-c', RESOLVE_SCRIPT], {
    input: JSON.stringify(profiles),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8', AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, HOME: '/nonexistent' },
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Record<string, BotocoreSource>;
}

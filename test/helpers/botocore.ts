// botocore's own config reader (the copy inside Debian's AWS CLI v2) as an oracle: what the
// AWS CLI makes of a config file, profile by profile, without running a command per file.
import { execFileSync } from 'node:child_process';
import { awsCliAvailable } from './awscli.js';

const PYTHON = '/usr/bin/python3';
const AWSCLI_PACKAGE = '/usr/lib/python3/dist-packages/awscli';

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

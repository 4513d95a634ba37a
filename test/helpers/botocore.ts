// botocore's own config reader (the copy inside Debian's AWS CLI v2) as an oracle: what the
// AWS CLI makes of a config file, profile by profile, without running a command per file.
import { execFileSync, spawn } from 'node:child_process';
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

const CALLER_SCRIPT = `
import json, os, sys
sys.path.insert(0, ${JSON.stringify(AWSCLI_PACKAGE)})
import botocore.session
# This botocore predates AWS_ENDPOINT_URL_STS: every STS client it makes, its own AssumeRole for
# source_profile included, is pointed at the emulator here.
create = botocore.session.Session.create_client
def create_client(self, service, *args, **kwargs):
    if service == 'sts':
        kwargs['endpoint_url'] = os.environ['AWS_ENDPOINT_URL_STS']
    return create(self, service, *args, **kwargs)
botocore.session.Session.create_client = create_client
out = {}
for name in json.load(sys.stdin):
    try:
        out[name] = botocore.session.Session(profile=name).create_client('sts', region_name='us-east-1').get_caller_identity()['Arn']
    except Exception as e:
        out[name] = 'error: %s: %s' % (type(e).__name__, e)
json.dump(out, sys.stdout)
`;

/** Who botocore is, profile by profile, resolving each with its own credential chain (AssumeRole through source_profile, credential_process…) against AWS_ENDPOINT_URL_STS of `env`. */
export function botocoreCallerArns(env: Record<string, string>, profiles: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the emulator this asks may run in the test's own process.
    const child = spawn(PYTHON, ['-c', CALLER_SCRIPT], { env: { ...env, LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Record<string, string>) : reject(new Error(`botocore failed: ${stderr}`))));
    child.stdin.end(JSON.stringify(profiles));
  });
}

// botocore and the AWS CLI v2 resolving a profile *themselves* (their own AssumeRole through
// source_profile, their own MFA prompt), against the emulator. Debian's AWS CLI 2.9 ignores the
// AWS_ENDPOINT_URL_* variables, and --endpoint-url does not reach the STS client botocore makes for
// role_arn, so this wrapper only points every STS client at AWS_ENDPOINT_URL_STS and answers the
// MFA prompt from KF_TEST_MFA_CODE. Nothing else about resolution is touched.
import { AWSCLI_PACKAGE, PYTHON } from './botocore.js';
import { runCommand, type RunResult } from './keyfob.js';

const PRELUDE = `
import json, os, sys
sys.path.insert(0, ${JSON.stringify(AWSCLI_PACKAGE)})
import botocore.session, botocore.credentials
_create_client = botocore.session.Session.create_client
def create_client(self, service_name, *args, **kwargs):
    if service_name == 'sts' and not kwargs.get('endpoint_url'):
        kwargs['endpoint_url'] = os.environ['AWS_ENDPOINT_URL_STS']
    return _create_client(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = create_client
_assume_role_init = botocore.credentials.AssumeRoleProvider.__init__
def assume_role_init(self, *args, **kwargs):
    kwargs['prompter'] = lambda prompt='': os.environ['KF_TEST_MFA_CODE']
    _assume_role_init(self, *args, **kwargs)
botocore.credentials.AssumeRoleProvider.__init__ = assume_role_init
`;

const BOTOCORE = `${PRELUDE}
session = botocore.session.Session(profile=sys.argv[1])
print(json.dumps(session.create_client('sts', region_name='eu-west-1').get_caller_identity()))
`;

const AWS_CLI = `${PRELUDE}
import awscli.clidriver
sys.argv = ['aws'] + sys.argv[1:]
sys.exit(awscli.clidriver.main())
`;

export interface CallerIdentity {
  Arn: string;
  Account: string;
  UserId: string;
}

function parsed(result: RunResult, what: string): CallerIdentity {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as CallerIdentity;
}

/** `Session(profile).create_client('sts').get_caller_identity()` in a fresh python3. */
export async function botocoreIdentity(profile: string, env: Record<string, string>): Promise<CallerIdentity> {
  return parsed(await runCommand(PYTHON, ['-c', BOTOCORE, profile], { LANG: 'C.UTF-8', ...env }, { timeoutMs: 60_000 }), `botocore (${profile})`);
}

/** `aws sts get-caller-identity --profile P` run by the AWS CLI v2's own driver. */
export async function awsCliIdentity(profile: string, env: Record<string, string>): Promise<CallerIdentity> {
  const args = ['-c', AWS_CLI, 'sts', 'get-caller-identity', '--profile', profile, '--region', 'eu-west-1', '--output', 'json'];
  return parsed(await runCommand(PYTHON, args, { LANG: 'C.UTF-8', AWS_PAGER: '', ...env }, { timeoutMs: 60_000 }), `aws cli (${profile})`);
}

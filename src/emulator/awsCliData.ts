// `keyfob emulator --aws-cli-env`: what to export so that every AWS CLI v2 talks to the emulator.
// The AWS CLI before 2.13 (Debian 12 ships 2.9) ignores AWS_ENDPOINT_URL_*, and --endpoint-url
// reaches neither the STS client botocore makes for a profile's role_arn nor its SSO clients. But
// every v2 resolves endpoints through a rule set per service (endpoint-rule-set-1.json), which
// botocore's data loader looks for in the AWS_DATA_PATH directories before its own data. So one
// directory holding, for STS, SSO and SSO OIDC, a rule set that answers "the emulator" (or the
// --endpoint-url given) points every client the CLI makes at the emulator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The services keyfob's journey needs, with the API version whose data the AWS CLI v2 has. */
const SERVICES: Record<string, string> = { sts: '2011-06-15', sso: '2019-06-10', 'sso-oidc': '2019-06-10' };

/** A rule set that sends every request to `url`, unless the command names its own endpoint. */
function ruleSet(url: string): object {
  const flag = (builtIn: string) => ({ builtIn, required: true, default: false, type: 'Boolean' });
  return {
    version: '1.0',
    parameters: {
      Region: { builtIn: 'AWS::Region', required: false, type: 'String' },
      UseDualStack: flag('AWS::UseDualStack'),
      UseFIPS: flag('AWS::UseFIPS'),
      Endpoint: { builtIn: 'SDK::Endpoint', required: false, type: 'String' },
    },
    rules: [
      {
        conditions: [{ fn: 'isSet', argv: [{ ref: 'Endpoint' }] }],
        endpoint: { url: { ref: 'Endpoint' }, properties: {}, headers: {} },
        type: 'endpoint',
      },
      { conditions: [], endpoint: { url, properties: {}, headers: {} }, type: 'endpoint' },
    ],
  };
}

/** Writes the rule sets under `dir` (which becomes AWS_DATA_PATH) for the emulator at `url`. */
export function writeAwsCliData(dir: string, url: string): void {
  for (const [service, version] of Object.entries(SERVICES)) {
    const path = join(dir, service, version);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    writeFileSync(join(path, 'endpoint-rule-set-1.json'), `${JSON.stringify(ruleSet(url), null, 2)}\n`, { mode: 0o600 });
  }
}

const shQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** The sh lines to export: the rule sets for every AWS CLI v2, the standard variables for the rest (SDKs, newer CLIs, keyfob). */
export function awsCliEnvLines(url: string, dataDir: string, region: string): string {
  const vars: [string, string][] = [
    ['AWS_DATA_PATH', dataDir],
    ['AWS_ENDPOINT_URL_STS', url],
    ['AWS_ENDPOINT_URL_SSO', url],
    ['AWS_ENDPOINT_URL_SSO_OIDC', url],
    ['AWS_REGION', region],
  ];
  return vars.map(([name, value]) => `export ${name}=${shQuote(value)}`).join('\n') + '\n';
}

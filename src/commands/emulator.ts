// `keyfob emulator`: an offline IAM Identity Center on one loopback port, until SIGINT/SIGTERM.
import type { CommandTable } from '../core/optionTable.js';
import { defineCommand } from './define.js';

const EMULATOR = {
  name: 'emulator',
  describe: 'Run an offline IAM Identity Center (SSO OIDC, SSO portal, STS, sign-in pages) for tests and demos',
  positionals: [],
  options: {
    port: { type: 'number', default: 0, describe: 'port to listen on (0 picks a free one)' },
    host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
    json: { type: 'boolean', default: false, describe: 'print one JSON line {"url","startUrl","region"} when ready' },
    'aws-cli-env': {
      type: 'boolean',
      default: false,
      describe: 'print, when ready, the sh lines to export so that every AWS CLI v2 (also 2.9, which ignores AWS_ENDPOINT_URL_*) and keyfob use it',
    },
    'auto-approve': { type: 'boolean', default: false, describe: 'approve every sign-in at once as the first user' },
    'rate-limit': { type: 'number', describe: 'requests per second per operation (429 beyond it)' },
    'token-ttl': { type: 'number', describe: 'seconds an SSO access token lives' },
    'credential-ttl': { type: 'number', describe: 'seconds role credentials live (overrides permission sets)' },
    'session-ttl': { type: 'number', describe: 'seconds a portal session (refresh token) lives' },
    fixture: { type: 'string', describe: 'organisation JSON file (see docs/emulator.md)' },
    accounts: { type: 'number', describe: 'generate an organisation with N accounts' },
    'roles-per-account': { type: 'number', describe: 'generate K permission sets on every account' },
    verbose: { type: 'boolean', default: false, describe: 'log sign-in events to stderr' },
  },
} as const satisfies CommandTable;

export default defineCommand(EMULATOR, async (args) => {
  if (args.json && args['aws-cli-env']) {
    const { KeyfobError } = await import('../core/errors.js');
    throw new KeyfobError('Usage', '--json and --aws-cli-env each print what to use: give one of them');
  }
  const { startEmulator, DEMO_USER } = await import('../emulator/index.js');
  const emulator = await startEmulator({
    port: args.port ?? 0,
    host: args.host ?? '127.0.0.1',
    fixture: args.fixture,
    autoApprove: args['auto-approve'],
    rateLimit: args['rate-limit'],
    tokenTtl: args['token-ttl'],
    credentialTtl: args['credential-ttl'],
    sessionTtl: args['session-ttl'],
    accounts: args.accounts,
    rolesPerAccount: args['roles-per-account'],
    log: args.verbose ? (line) => process.stderr.write(`emulator: ${line}\n`) : undefined,
  });
  let dataDir: string | undefined;
  if (args['aws-cli-env']) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { awsCliEnvLines, writeAwsCliData } = await import('../emulator/awsCliData.js');
    dataDir = mkdtempSync(join(tmpdir(), 'keyfob-emulator-aws-data-'));
    writeAwsCliData(dataDir, emulator.url);
    process.stdout.write(`# keyfob emulator at ${emulator.url}: start URL ${emulator.startUrl}, region ${emulator.region}; until it stops\n`);
    process.stdout.write(awsCliEnvLines(emulator.url, dataDir, emulator.region));
  } else if (args.json) {
    process.stdout.write(`${JSON.stringify({ url: emulator.url, startUrl: emulator.startUrl, region: emulator.region })}\n`);
  } else {
    const user = emulator.fixture.users[0]!;
    const mfa = user.mfa?.code ? `MFA code ${user.mfa.code}` : user.mfa?.totpSecret ? `TOTP secret ${user.mfa.totpSecret}` : 'no MFA';
    const demo = user.username === DEMO_USER.username ? ' (the demo user)' : '';
    process.stdout.write(
      [
        `keyfob emulator listening on ${emulator.url}`,
        `  start URL:  ${emulator.startUrl}`,
        `  region:     ${emulator.region}`,
        ...emulator.org.identityCenters.slice(1).map((instance) => `  also:       ${instance.startUrl} (${instance.region})`),
        `  sign in as: ${user.username} / ${user.password}, ${mfa}${demo}`,
        `  point clients at it: AWS_ENDPOINT_URL=${emulator.url}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await emulator.close();
  if (dataDir) (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
});

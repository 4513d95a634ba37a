// `keyfob demo`: the user's journey against the built-in emulator, in a throwaway HOME.
// It drives the real CLI and daemon as child processes, exactly as a user would.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { CredentialProcessOutput } from '../credentials/types.js';
import { startEmulator } from '../emulator/index.js';

const run = promisify(execFile);
const KEYFOB_BIN = new URL('../../bin/keyfob.cjs', import.meta.url).pathname;
const DEMO_PROFILE = { account: 'Experiments', role: 'AdministratorAccess' };

function step(n: number, title: string): void {
  process.stdout.write(`\n\x1b[1m==> ${n}. ${title}\x1b[0m\n`);
}

async function keyfob(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [KEYFOB_BIN, ...args], { env });
  if (stderr.trim()) process.stdout.write(stderr.replace(/^/gm, '    '));
  return stdout;
}

export async function runDemo(): Promise<void> {
  step(1, 'Start the emulator (an offline IAM Identity Center)');
  const emulator = await startEmulator({ port: 0, autoApprove: true });
  const home = mkdtempSync(join(tmpdir(), 'keyfob-demo-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    KEYFOB_HOME: join(home, 'keyfob'),
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    KEYFOB_KEYRING: 'memory',
    KEYFOB_BROWSER: 'none',
    AWS_ENDPOINT_URL_SSO: emulator.url,
    AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
  };
  delete env.KEYFOB_SOCKET;
  process.stdout.write(`    ${emulator.url}  start URL ${emulator.startUrl}  region ${emulator.region}\n    throwaway HOME ${home}\n`);
  try {
    step(2, `keyfob login --start-url ${emulator.startUrl} --sso-region ${emulator.region}`);
    process.stdout.write('    (the emulator approves the device code at once, as if you clicked Allow)\n');
    const signedIn = await keyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], env);
    process.stdout.write(`    ${signedIn}`);
    const session = signedIn.split(' ')[3];

    step(3, 'keyfob populate --region eu-west-1  (ListAccounts + ListAccountRoles, one profile each)');
    process.stdout.write(`    ${await keyfob(['populate', '--region', emulator.region], env)}`);

    step(4, `The generated profile for ${DEMO_PROFILE.account}/${DEMO_PROFILE.role} in ${env.AWS_CONFIG_FILE}`);
    const profile = `${DEMO_PROFILE.account}/${DEMO_PROFILE.role}`;
    const config = readFileSync(env.AWS_CONFIG_FILE!, 'utf8');
    const start = config.lastIndexOf('# keyfob: generated', config.indexOf(`[profile ${profile}]`));
    process.stdout.write(config.slice(start, config.indexOf('\n\n', start) + 1).replace(/^(?=.)/gm, '    '));

    step(5, `keyfob credential-process --profile ${profile}  (what the AWS CLI runs)`);
    const creds = JSON.parse(await keyfob(['credential-process', '--profile', profile], env)) as CredentialProcessOutput;
    process.stdout.write(`    AccessKeyId ${creds.AccessKeyId}, expires ${creds.Expiration} (secrets not shown)\n`);

    step(6, 'sts:GetCallerIdentity with those credentials (SigV4-checked by the emulator)');
    const sts = new STSClient({
      region: emulator.region,
      endpoint: emulator.url,
      credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
    });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    process.stdout.write(`    Account ${who.Account}\n    Arn     ${who.Arn}\n`);

    step(7, 'keyfob status');
    process.stdout.write((await keyfob(['status'], env)).replace(/^/gm, '    '));
  } finally {
    step(8, 'Tear down: stop the daemon and the emulator, remove the throwaway HOME');
    await keyfob(['daemon', 'stop'], env).catch(() => '');
    await emulator.close();
    rmSync(home, { recursive: true, force: true });
    process.stdout.write('    done\n');
  }
}

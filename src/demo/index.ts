// `keyfob demo`: the seeds' whole journey against the built-in emulator, in a throwaway HOME.
// It drives the real CLI, the real daemon and a real bash as child processes, exactly as a user
// would, and prints each step as it happens.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_IAM_USER, DEMO_USER, startEmulator } from '../emulator/index.js';
import { KeyfobError } from '../core/errors.js';
import { installRoot } from '../core/paths.js';

const PROFILE = 'Experiments/AdministratorAccess';

/** A role chain written by hand on top of a generated profile: Development's Deploy role trusts Security's AdministratorAccess. */
const CHAIN_PROFILE = 'deploy-dev';
const CHAIN_SECTION = `[profile ${CHAIN_PROFILE}]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = Security/AdministratorAccess
role_session_name = demo
region = eu-west-1
`;

/** Bold on a terminal, unless NO_COLOR (https://no-color.org) is set; nothing into a pipe or a file. */
export function boldCodes(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): { on: string; off: string } {
  const color = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  return color ? { on: '\x1b[1m', off: '\x1b[0m' } : { on: '', off: '' };
}

const BOLD = boldCodes(process.stdout, process.env);

function step(n: number, title: string): void {
  process.stdout.write(`\n${BOLD.on}==> ${n}. ${title}${BOLD.off}\n`);
}

/** The demo's children, so an interrupted demo can stop them. */
const children = new Set<ChildProcess>();

const indent = (text: string) => text.replace(/^(?=.)/gm, '    ');

/** Echoes a stream line by line, indented, as it comes. */
function echoLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void = () => undefined): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      process.stdout.write(`    ${line}\n`);
      onLine(line);
    }
  });
  stream.on('end', () => pending && process.stdout.write(`    ${pending}\n`));
}

/** Runs a command to the end, showing its output as it comes (stdout only when `show`). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; show?: boolean; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(opts.input ?? '');
    children.add(child);
    child.on('exit', () => children.delete(child));
    let stdout = '';
    if (opts.show) echoLines(child.stdout, (line) => (stdout += `${line}\n`));
    else child.stdout.on('data', (d) => (stdout += d));
    echoLines(child.stderr);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new KeyfobError('DemoFailed', `the demo step "${[file, ...args].join(' ').slice(0, 80)}" failed (exit ${code})`))));
  });
}

export async function runDemo(opts: { interactive?: boolean } = {}): Promise<void> {
  const root = installRoot();
  const bin = join(root, 'bin', 'keyfob.cjs');
  const keyfob = (args: string[], show = true) => run(process.execPath, [bin, ...args], env, { show });

  step(1, 'Start the emulator (an offline IAM Identity Center)');
  const emulator = await startEmulator({ port: 0, autoApprove: !opts.interactive });
  const home = mkdtempSync(join(tmpdir(), 'keyfob-demo-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: home,
    KEYFOB_HOME: join(home, 'keyfob'),
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    KEYFOB_KEYRING: 'memory',
    KEYFOB_BROWSER: opts.interactive ? (process.env.KEYFOB_BROWSER ?? '') : 'none',
    AWS_ENDPOINT_URL_SSO: emulator.url,
    AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    KEYFOB_FEDERATION_URL: `${emulator.url}/federation`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (!env.KEYFOB_BROWSER) delete env.KEYFOB_BROWSER;

  // Ctrl-C, SIGTERM or a closed terminal: the daemon is stopped and the throwaway HOME removed,
  // as at the normal end. Once: the tear-down runs on the first of them.
  let tornDown: Promise<void> | undefined;
  const tearDown = () =>
    (tornDown ??= (async () => {
      for (const child of children) child.kill('SIGTERM');
      await run(process.execPath, [bin, 'daemon', 'stop'], env).catch(() => '');
      await emulator.close().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    })());
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    process.stdout.write(indent(`\n${signal}: stopping the demo's daemon and emulator, removing ${home}\n`));
    void tearDown().finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15)));
  };
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.stdout.write(indent(`${emulator.url}  start URL ${emulator.startUrl}  region ${emulator.region}\nthrowaway HOME ${home}\n`));
  try {
    step(2, `keyfob login --start-url ${emulator.startUrl} --sso-region ${emulator.region}`);
    process.stdout.write(
      indent(
        opts.interactive
          ? `sign in as ${DEMO_USER.username} / ${DEMO_USER.password}, MFA code ${DEMO_USER.mfaCode}\n`
          : '(the emulator approves at once, as if you had clicked Allow; --interactive to do it in a browser)\n',
      ),
    );
    await keyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region]);

    step(3, "keyfob populate  (ListAccounts + ListAccountRoles: a profile each, in the sso-session's region)");
    await keyfob(['populate']);

    step(4, `The config keyfob wrote (${env.AWS_CONFIG_FILE}), first profiles`);
    const config = readFileSync(env.AWS_CONFIG_FILE!, 'utf8');
    process.stdout.write(indent(config.split('\n\n').slice(0, 3).join('\n\n')));
    process.stdout.write(indent(`\n… ${(config.match(/^\[profile /gm) ?? []).length} profiles in all\n`));

    // Node as the AWS client, with exactly the exported keys, so the demo needs nothing beyond
    // npm ci; the secret key is never shown.
    const callerIdentity = `node --input-type=module -e "
      import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
      const e = process.env;
      const credentials = { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, sessionToken: e.AWS_SESSION_TOKEN };
      const who = await new STSClient({ endpoint: e.AWS_ENDPOINT_URL_STS, credentials }).send(new GetCallerIdentityCommand({}));
      console.log('Account ' + who.Account + '\\nArn     ' + who.Arn);"`;
    /** `assume PROFILE` in a bash subshell, then the caller identity it gives, as step `identityStep`. */
    const assumeInBash = (profile: string, identityStep: number) => {
      const shell = `
      eval "$("$KEYFOB" shell-init bash)"
      assume "$DEMO_PROFILE" || exit 1
      echo "AWS_PROFILE=$AWS_PROFILE  AWS_REGION=$AWS_REGION"
      echo "AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID  (secret key and session token exported, not shown)"
      echo "AWS_CREDENTIAL_EXPIRATION=$AWS_CREDENTIAL_EXPIRATION"
      printf '\\n%s==> ${identityStep}. sts:GetCallerIdentity in that shell, with the exported credentials (SigV4-checked by the emulator)%s\\n' "$BOLD_ON" "$BOLD_OFF"
      ${callerIdentity}`;
      const shellEnv = { ...env, KEYFOB: bin, DEMO_PROFILE: profile, BOLD_ON: BOLD.on, BOLD_OFF: BOLD.off };
      return run('bash', ['--norc', '--noprofile', '-c', shell], shellEnv, { cwd: root, show: true });
    };

    step(5, `assume ${PROFILE}  (in a bash subshell, after eval "$(keyfob shell-init bash)")`);
    await assumeInBash(PROFILE, 6);

    // Both config edits come before the chain is used, so `keyfob list` shows its cached expiry.
    step(7, 'Your own profiles next to the generated ones: a role chain written by hand, and an IAM user');
    appendFileSync(env.AWS_CONFIG_FILE!, `\n${CHAIN_SECTION}`);
    process.stdout.write(indent(`${CHAIN_SECTION}(appended to ${env.AWS_CONFIG_FILE}: Development's Deploy role, assumed with Security/AdministratorAccess's credentials)\n\n`));
    process.stdout.write(indent(`keyfob add ${DEMO_IAM_USER.name} --mfa-serial ${DEMO_IAM_USER.mfaSerial}  (the emulator's IAM user: keyfob reads its keys from the terminal, here from a pipe)\n`));
    await run(process.execPath, [bin, 'add', DEMO_IAM_USER.name, '--mfa-serial', DEMO_IAM_USER.mfaSerial], env, {
      show: true,
      input: `${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`,
    });

    step(8, `assume ${CHAIN_PROFILE}  (the daemon calls AssumeRole with Security/AdministratorAccess's credentials)`);
    await assumeInBash(CHAIN_PROFILE, 9);

    step(10, 'keyfob list  (every profile: its kind, its source, and how long the daemon holds its credentials)');
    await keyfob(['list']);

    step(11, `assume -c ${PROFILE} -s s3 --url  (the console sign-in URL, through the federation endpoint)`);
    const url = (await keyfob(['assume', '-c', PROFILE, '-s', 's3', '--url'], false)).trim();
    const signin = new URL(url);
    process.stdout.write(indent(`${signin.origin}${signin.pathname}?Action=login&Destination=${signin.searchParams.get('Destination')}&SigninToken=… (a secret, shortened)\n`));
    // The login sets the console's session cookie and redirects to the page for that cookie.
    const login = await fetch(url, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const page = await (await fetch(new URL(login.headers.get('location') ?? '/console', url), { headers: { cookie } })).text();
    const field = (id: string) => new RegExp(`id="${id}">([^<]*)<`).exec(page)?.[1] ?? '?';
    process.stdout.write(indent(`the emulator's console page: account ${field('account-id')}, role ${field('role')}, ${field('destination')}\n`));
  } finally {
    // Interrupted (a step may have failed from the same Ctrl-C): the signal handler tears down and exits.
    if (interrupted) await new Promise(() => undefined);
    step(12, 'Tear down: stop the daemon and the emulator, remove the throwaway HOME');
    await tearDown();
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.stdout.write(indent('done\n'));
  }
}

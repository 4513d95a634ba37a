// Run the real keyfob CLI (bin/keyfob.cjs over dist/, so `npm run build` first) in a throwaway home.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startTestEmulator, type RunningEmulator } from './emulator.js';

export const KEYFOB_BIN = new URL('../../bin/keyfob.cjs', import.meta.url).pathname;
/** The installed command, the sh front over KEYFOB_BIN: what generated credential_process lines and the shims run. */
export const KEYFOB_COMMAND = new URL('../../bin/keyfob', import.meta.url).pathname;

export interface KeyfobHome {
  dir: string;
  env: Record<string, string>;
  configFile: string;
  cleanup(): Promise<void>;
}

/** A private HOME, KEYFOB_HOME and AWS config, with every AWS endpoint pointed at the emulator. */
export function keyfobHome(emulator: RunningEmulator, extra: Record<string, string> = {}): KeyfobHome {
  const dir = mkdtempSync(join(tmpdir(), 'kf-'));
  mkdirSync(join(dir, '.aws'), { recursive: true });
  const configFile = join(dir, '.aws', 'config');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KEYFOB_HOME: join(dir, 'kf'),
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, '.aws', 'credentials'),
    KEYFOB_KEYRING: 'memory',
    KEYFOB_BROWSER: 'none',
    KEYFOB_LOG_LEVEL: 'debug',
    AWS_ENDPOINT_URL_SSO: emulator.url,
    AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
  writeFileSync(configFile, '', { mode: 0o600 });
  return {
    dir,
    env,
    configFile,
    cleanup: async () => {
      await runKeyfob(['daemon', 'stop'], env).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A home already signed in to the emulator's session (`keyfob login`), and populated when
 * `populate` gives its arguments: the starting point of most end-to-end tests.
 */
export async function signedInHome(emulator: RunningEmulator, opts: { populate?: string[]; extra?: Record<string, string> } = {}): Promise<KeyfobHome> {
  const home = keyfobHome(emulator, opts.extra);
  const login = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
  if (login.code !== 0) throw new Error(`keyfob login failed: ${login.stderr}`);
  if (opts.populate) {
    const populate = await runKeyfob(['populate', ...opts.populate], home.env);
    if (populate.code !== 0) throw new Error(`keyfob populate failed: ${populate.stderr}`);
  }
  return home;
}

/**
 * The usual start of an end-to-end describe block: an emulator that approves sign-ins at once, and a
 * home signed in to it and populated, with `extraConfig` appended; both closed after the block.
 * Read suite.emulator and suite.home in tests and hooks (they exist once beforeAll has run).
 */
export function signedInSuite(extraConfig = ''): { emulator: RunningEmulator; home: KeyfobHome } {
  const suite = {} as { emulator: RunningEmulator; home: KeyfobHome };
  beforeAll(async () => {
    suite.emulator = await startTestEmulator({ autoApprove: true });
    suite.home = await signedInHome(suite.emulator, { populate: ['--region', 'eu-west-1'] });
    if (extraConfig) appendFileSync(suite.home.configFile, extraConfig);
  }, 120_000);
  afterAll(async () => {
    await suite.home?.cleanup();
    await suite.emulator?.close();
  });
  return suite;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to its end with exactly `env` (and `input` on stdin), collecting its output; killed after `timeoutMs`. */
export function runCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  opts: { cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function runKeyfob(args: string[], env: Record<string, string>, timeoutMs = 30_000, cwd?: string, input?: string): Promise<RunResult> {
  return runCommand(process.execPath, [KEYFOB_BIN, ...args], env, { timeoutMs, cwd, input });
}

/** A keyfob-managed profile section, as populate writes it. */
export function profileSection(name: string, session: string, accountId: string, role: string): string {
  return [
    `[profile ${name}]`,
    `credential_process = ${process.execPath} ${KEYFOB_BIN} credential-process --profile ${name}`,
    `keyfob_sso_session = ${session}`,
    `keyfob_account_id = ${accountId}`,
    `keyfob_role_name = ${role}`,
    'region = eu-west-1',
    '',
  ].join('\n');
}

/** Every regular file below dir, for tests that search a home for leaked secrets. */
export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return files;
}

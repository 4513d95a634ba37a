// The AWS CLI v2 (Debian's awscli at /usr/bin/aws; the `aws` on PATH may be v1) as a black box.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_CLI_PATH, partsPresent } from './requirePart.js';

export { AWS_CLI_PATH };

/**
 * True when /usr/bin/aws is the AWS CLI v2 (its --version checked once per process); false (the caller
 * skips) where it is missing or v1, and throws under CI. In a test body use requirePart(ctx, 'aws-cli-v2').
 */
export const awsCliAvailable = () => partsPresent('aws-cli-v2');

/** A throwaway HOME with an empty AWS config, so nothing from the real user leaks in. */
export function throwawayAwsHome(): { home: string; env: Record<string, string>; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'keyfob-awscli-'));
  const configFile = join(home, 'config');
  writeFileSync(configFile, '');
  return {
    home,
    env: {
      HOME: home,
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_PAGER: '',
      AWS_CLI_AUTO_PROMPT: 'off',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs /usr/bin/aws with only the given env (plus PATH), never the caller's AWS_* variables. */
export function runAwsCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(AWS_CLI_PATH, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI with --output json and parses stdout; throws with stderr when it fails. */
export async function awsJson<T = any>(args: string[], env: Record<string, string>): Promise<T> {
  const result = await runAwsCli([...args, '--output', 'json'], env);
  if (result.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as T;
}

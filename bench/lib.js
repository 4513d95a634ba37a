// What every benchmark module shares: medians, timed child processes, a throwaway keyfob home.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/keyfob.cjs');

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Runs a process to the end, timing it. Async on purpose: the emulator runs in the benchmark's
 * own process and must keep answering. Rejects on a non-zero exit unless `allowFailure`.
 */
export function runProcess(cmd, args, env, { allowFailure = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0 && !allowFailure) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr}`));
      else resolve({ code, stdout, stderr, ms });
    });
  });
}

/** A private HOME, KEYFOB_HOME and config, with keyfob pointed at the emulator and its tokens in memory. */
export function benchHome(emulator, label) {
  const home = mkdtempSync(join(tmpdir(), `keyfob-bench-${label}-`));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    KEYFOB_HOME: join(home, 'kf'),
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    KEYFOB_KEYRING: 'memory',
    KEYFOB_BROWSER: 'none',
    KEYFOB_LOG_LEVEL: 'warn',
    AWS_ENDPOINT_URL_SSO: emulator.url,
    AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return { home, env };
}

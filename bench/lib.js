// What every benchmark module shares: medians, timed child processes, a throwaway keyfob home.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/keyfob.cjs');
/** The AWS CLI v2 (Debian's awscli) and the botocore inside it, as test/helpers/botocore.ts uses them. */
export const PYTHON = '/usr/bin/python3';
export const AWS_CLI_PACKAGE = '/usr/lib/python3/dist-packages/awscli';
const AWS_CLI_BOTOCORE_DATA = join(AWS_CLI_PACKAGE, 'botocore', 'data');

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

/** The emulator's count of calls to one operation so far (GET /_emulator/stats). */
export async function emulatorCalls(emulator, operation) {
  const { calls } = await (await fetch(`${emulator.url}/_emulator/stats`)).json();
  return calls[operation] ?? 0;
}

/** POSTs to the emulator's admin API (faults, rate limits); its JSON answer; throws on anything but 200. */
export async function emulatorAdmin(emulator, path, body = {}) {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Times contenders alternately, `runs` rounds, rotating who goes first each round so that neither
 * always runs after the other (a warm page cache, a CPU that just woke). Each contender is
 * `{ name, run }` where run() resolves to milliseconds. Returns { name: ms[] }.
 */
export async function interleaved(runs, contenders) {
  const times = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(i + k) % contenders.length];
      times[c.name].push(await c.run());
    }
  }
  return times;
}

/**
 * A row whose value is a ratio of two medians against a goal ({ max } or { min }). `by` says how
 * far a missed goal is missed, for the "not met" column.
 */
export function ratioRow(row, [numLabel, num], [denLabel, den], goal) {
  const ratio = median(num) / median(den);
  const met = goal.max !== undefined ? ratio <= goal.max : ratio >= goal.min;
  const limit = goal.max ?? goal.min;
  return {
    row,
    value: `${median(num).toFixed(1)} ms ÷ ${median(den).toFixed(1)} ms = ${ratio.toFixed(2)}`,
    target: goal.max !== undefined ? `≤ ${limit}` : `≥ ${limit}`,
    met,
    by: met ? undefined : `${Math.abs(ratio - limit).toFixed(2)} (${Math.round((Math.abs(ratio - limit) / limit) * 100)}% ${goal.max !== undefined ? 'over' : 'under'})`,
    ratio,
    labels: [numLabel, denLabel],
  };
}

/**
 * An AWS_DATA_PATH whose sso and sso-oidc endpoint rule sets send every call to `url`. botocore's
 * SSO credential provider does not read AWS_ENDPOINT_URL_SSO, so this is how a fresh botocore
 * reaches the emulator (test/signin/awsCliCache.test.ts does the same for the AWS CLI). The
 * one-rule set is smaller than the real one, so if anything it favours the native side.
 */
export function botocoreDataPath(dir, url) {
  for (const service of ['sso', 'sso-oidc']) {
    const original = JSON.parse(readFileSync(join(AWS_CLI_BOTOCORE_DATA, service, '2019-06-10', 'endpoint-rule-set-1.json'), 'utf8'));
    const ruleSet = { ...original, rules: [{ conditions: [], endpoint: { url, properties: {}, headers: {} }, type: 'endpoint' }] };
    mkdirSync(join(dir, service, '2019-06-10'), { recursive: true });
    writeFileSync(join(dir, service, '2019-06-10', 'endpoint-rule-set-1.json'), JSON.stringify(ruleSet));
  }
  return dir;
}

/**
 * `keyfob emulator` in its own process, as a real AWS endpoint would be: an emulator inside the
 * benchmark's event loop stalls while the benchmark spawns a hundred processes at once, and the
 * daemon's upstream call then times out for reasons no user would see.
 */
export async function startEmulatorProcess(bin, args = []) {
  const child = spawn(process.execPath, [bin, 'emulator', '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`keyfob emulator exited ${code} before it was ready`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line));
    });
  });
  child.removeAllListeners('exit');
  return {
    ...ready,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}


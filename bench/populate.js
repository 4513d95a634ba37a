// Benchmark: `keyfob populate` on a large organisation behind a rate limit (issue 4).
// How close to the service's rate limit is the listing, and does any call fail?
// ratio = wall time ÷ (successful upstream calls ÷ limit): 1.0 is the limit itself, target ≤ 1.1.
// Each run is cold: a fresh home, a fresh daemon and a full emulator token bucket.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { startEmulator } from '../dist/emulator/index.js';
import { benchHome, BIN, median, runProcess } from './lib.js';

const RATE_LIMIT = 20;
const ROLES_PER_ACCOUNT = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const keyfob = (args, env) => runProcess(process.execPath, [BIN, ...args], env, { allowFailure: true });

async function emulatorStats(emulator) {
  const { calls, throttled } = await (await fetch(`${emulator.url}/_emulator/stats`)).json();
  const sum = (counts) => Object.values(counts).reduce((n, c) => n + c, 0);
  return { calls: sum(calls), throttled: sum(throttled ?? {}) };
}

async function oneRun(emulator, expectedProfiles) {
  const { home, env } = benchHome(emulator, 'populate');
  const configFile = env.AWS_CONFIG_FILE;
  writeFileSync(configFile, '', { mode: 0o600 });
  try {
    const login = await keyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], env);
    if (login.code !== 0) throw new Error(`keyfob login failed: ${login.stderr}`);
    await fetch(`${emulator.url}/_emulator/reset-stats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await sleep(1_100); // the emulator's buckets refill, so every run starts alike

    const populate = await keyfob(['populate', '--yes'], env);
    const listed = (readFileSync(configFile, 'utf8').match(/^\[profile /gm) ?? []).length;
    let failure = populate.code === 0 ? undefined : populate.stderr.trim().split('\n').at(-1);
    if (!failure && listed !== expectedProfiles) failure = `listed ${listed} of ${expectedProfiles} account roles`;
    const { calls, throttled } = await emulatorStats(emulator);
    return { ms: populate.ms, calls, throttled, succeeded: calls - throttled, failure };
  } finally {
    await keyfob(['daemon', 'stop'], env);
    rmSync(home, { recursive: true, force: true });
  }
}

/** Runs the benchmark; returns a row for docs/benchmarks.md and a line on how it was measured. */
export async function benchPopulate({ quick = false } = {}) {
  const accounts = quick ? 100 : 1000;
  const runs = quick ? 1 : 3;
  const emulator = await startEmulator({ port: 0, autoApprove: true, accounts, rolesPerAccount: ROLES_PER_ACCOUNT, rateLimit: RATE_LIMIT });
  const results = [];
  try {
    for (let i = 0; i < runs; i++) {
      const run = await oneRun(emulator, accounts * ROLES_PER_ACCOUNT);
      results.push({ ...run, ratio: run.ms / 1000 / (run.succeeded / RATE_LIMIT) });
      process.stderr.write(`populate run ${i + 1}/${runs}: ${JSON.stringify(results.at(-1))}\n`);
    }
  } finally {
    await emulator.close();
  }
  const failures = results.filter((r) => r.failure).length;
  const ratio = median(results.map((r) => r.ratio));
  const wall = median(results.map((r) => r.ms)) / 1000;
  const succeeded = median(results.map((r) => r.succeeded));
  const throttled = median(results.map((r) => r.throttled));
  const org = `${accounts} accounts × ${ROLES_PER_ACCOUNT} roles`;
  return {
    runs: results.map((r) => ({ seconds: r.ms / 1000, bound: r.succeeded / RATE_LIMIT })),
    row: {
      row: `populate, ${org} behind ${RATE_LIMIT} req/s: wall ÷ (successful calls ÷ ${RATE_LIMIT})`,
      value: `${wall.toFixed(1)} s ÷ (${succeeded} ÷ ${RATE_LIMIT}) = ${ratio.toFixed(3)}; ${throttled} × 429; ${failures} failed of ${runs}`,
      target: '≤ 1.1, 0 failures',
      met: ratio <= 1.1 && failures === 0,
    },
    how:
      `- **populate**: an in-process emulator with ${org}, every operation limited to ${RATE_LIMIT} req/s (token bucket, burst ${RATE_LIMIT}); ` +
      `per run a fresh home and daemon, \`keyfob login\`, stats reset, then \`keyfob populate --yes\` timed as a whole process. ` +
      `Successful calls = emulator calls − 429s (ListAccounts has its own bucket, so its calls overlap); a failure is a non-zero exit or a listing short of ${accounts * ROLES_PER_ACCOUNT} account roles. ` +
      `Median of ${runs} cold run${runs > 1 ? 's' : ''}.`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { row, how } = await benchPopulate({ quick: !!process.env.BENCH_QUICK });
  process.stdout.write(`${JSON.stringify(row)}\n${how}\n`);
}

// Another local user floods the auto-refresh endpoint (issue 11, item 4). About 20,000 half-open
// connections once used up the daemon's file descriptors, and credential-process failed until
// they stopped. Here the daemon runs with 1024 descriptors (a common default), so a flood of a few
// thousand, kept up for seconds, is enough to show the old failure in bounded time. The endpoint
// must stay bounded (fds), keep serving credential-process and a caller with a token, and hang up
// on anyone without one.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { get, getRequest, rawExchange, waitFor } from '../helpers/endpoint.js';
import { KEYFOB_BIN, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { otherUser, type OtherUser } from '../helpers/otherUser.js';
import { partsPresent } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';
const DAEMON_FDS = 1024;
const FLOOD_SOCKETS = 4000;
const FLOOD_SECONDS = 12;

/**
 * Keeps up to N connections to 127.0.0.1:PORT open for S seconds, half of them silent and half
 * stuck in a partial header; any the server closes are opened again. Prints `ready` once the
 * first N have been tried, then one JSON line of counts when done.
 */
const FLOOD = `
import { connect } from 'node:net';
const [port, total, seconds] = process.argv.slice(2).map(Number);
const partial = 'GET /v1/container-credentials HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\nX-Pad: ';
const until = Date.now() + seconds * 1000;
const live = new Set();
let attempts = 0, connected = 0, closedByServer = 0, maxOpen = 0, stopping = false;
function open(i) {
  if (stopping || Date.now() > until) return;
  attempts++;
  const s = connect(port, '127.0.0.1');
  live.add(s);
  s.on('connect', () => {
    connected++;
    maxOpen = Math.max(maxOpen, live.size);
    if (i % 2) s.write(partial);
  });
  s.on('error', () => {});
  s.on('close', () => {
    live.delete(s);
    if (stopping) return;
    closedByServer++;
    setTimeout(() => open(i), 5); // straight back in
  });
}
let started = 0;
(function batch() {
  for (let n = 0; n < 500 && started < total; n++) open(started++);
  if (started < total) setImmediate(batch);
  else setTimeout(() => console.log('ready'), 200);
})();
setTimeout(() => {
  stopping = true;
  for (const s of live) s.destroy();
  console.log(JSON.stringify({ attempts, connected, closedByServer, maxOpen }));
  process.exit(0);
}, seconds * 1000);
`;

/**
 * One churning flooder (issue 18, finding 6): for S seconds, opens a burst of N silent connections
 * to 127.0.0.1:PORT every millisecond or so, and never closes one itself (the server does). Prints
 * `ready` after the first burst, then one JSON line of counts when done.
 */
const CHURN = `
import { connect } from 'node:net';
const [port, burst, seconds] = process.argv.slice(2).map(Number);
let attempts = 0, closedByServer = 0, stopping = false;
const live = new Set();
function one() {
  attempts++;
  const s = connect(port, '127.0.0.1');
  live.add(s);
  s.on('error', () => {});
  s.on('close', () => {
    live.delete(s);
    if (!stopping) closedByServer++;
  });
}
const timer = setInterval(() => {
  if (live.size < 800) for (let i = 0; i < burst; i++) one();
}, 1);
for (let i = 0; i < burst; i++) one();
console.log('ready');
setTimeout(() => {
  stopping = true;
  clearInterval(timer);
  for (const s of live) s.destroy();
  console.log(JSON.stringify({ attempts, closedByServer }));
  process.exit(0);
}, seconds * 1000);
`;
const FLOODERS = 4;
const HOLDER_SECONDS = 10;
const HOLDERS = 8;
/** How long a holder waits between its connection and its request. */
const SEND_AFTER_MS = 10;
/** An SDK's bound for one answer, over a dropped SYN's retries (1 s, then 3 s) under the flood. */
const ANSWER_WITHIN_MS = 5_000;

/** The variables an auto-refresh assume exports, read from its bash script. */
function exported(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars[m[1]] = m[2];
  return vars;
}

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!partsPresent('root'))('the auto-refresh endpoint under another user\'s connection flood', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let mallory: OtherUser;
  let pid: number;
  let uri: string;
  let port: number;
  let token: string;

  beforeAll(async () => {
    const attacker = otherUser();
    expect(attacker, 'these tests need root, to act as a second user').toBeDefined();
    mallory = attacker!;
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    // A daemon with a common fd limit (ulimit -n sets soft and hard, so Node cannot raise it).
    expect((await runKeyfob(['daemon', 'stop'], home.env)).code).toBe(0);
    execFileSync('/bin/sh', ['-c', `ulimit -n ${DAEMON_FDS} && exec "$0" "$1" daemon start`, process.execPath, KEYFOB_BIN], { env: home.env, stdio: 'ignore' });
    expect((await runKeyfob(['login'], home.env)).code).toBe(0); // KEYFOB_KEYRING=memory: the sign-in went with the old daemon
    pid = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid;
    expect(readFileSafe(`/proc/${pid}/limits`)).toMatch(new RegExp(`Max open files\\s+${DAEMON_FDS}\\s+${DAEMON_FDS}`));
    const r = await runKeyfob(['assume', '--shell', 'bash', '--auto-refresh', PROFILE], home.env);
    expect(r.code, r.stderr).toBe(0);
    const vars = exported(r.stdout);
    uri = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    port = Number(new URL(uri).port);
    token = vars.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    mallory?.cleanup();
  });

  it('hangs up at once on a request without a valid token, and keeps an authenticated connection alive', async () => {
    const refused = await rawExchange(port, [getRequest(port, 'x'.repeat(43)), getRequest(port, token)]);
    expect(refused).toEqual({ statuses: [403], closedByServer: true });
    const started = Date.now();
    const noToken = await rawExchange(port, [getRequest(port)]);
    expect(noToken).toEqual({ statuses: [401], closedByServer: true });
    expect(Date.now() - started).toBeLessThan(1_000); // closed with the answer, not by a timeout
    const kept = await rawExchange(port, [getRequest(port, token), getRequest(port, token)], 500);
    expect(kept).toEqual({ statuses: [200, 200], closedByServer: false });
  });

  it(`keeps serving credential-process and a token holder through ${FLOOD_SOCKETS} connections kept open by another user, with bounded fds`, async () => {
    const baseline = fdCount(pid);
    const flood = await mallory.startNode(FLOOD, [String(port), String(FLOOD_SOCKETS), String(FLOOD_SECONDS)]);
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, fdCount(pid));
      } catch {
        // the daemon is gone: asserted below
      }
    }, 50);
    const timings: Record<string, number> = {};
    try {
      const t0 = Date.now();
      const cp = await runKeyfob(['credential-process', '--profile', PROFILE], home.env, 15_000);
      timings.credentialProcessMs = Date.now() - t0;
      expect(cp.code, cp.stderr).toBe(0);
      expect(JSON.parse(cp.stdout).AccessKeyId).toMatch(/^ASIA/);

      // An SDK retries a failed connection; allow that, within a few seconds.
      const t1 = Date.now();
      let attempts = 0;
      let answer: { status: number } | undefined;
      while (!answer && Date.now() - t1 < 5_000) {
        attempts++;
        answer = await get(uri, { authorization: token }).catch(() => undefined);
      }
      timings.tokenRequestMs = Date.now() - t1;
      timings.tokenRequestAttempts = attempts;
      expect(answer?.status).toBe(200);
      expect(Date.now() - t1).toBeLessThan(5_000);
      peak = Math.max(peak, fdCount(pid));
    } finally {
      await new Promise<void>((resolve) => flood.child.once('close', () => resolve()));
      clearInterval(sampler);
    }
    const stats = JSON.parse(/^\{.*\}$/m.exec(flood.output())![0]);
    expect(stats.attempts).toBeGreaterThanOrEqual(FLOOD_SOCKETS); // the flood really happened
    console.log(`flood: ${JSON.stringify(stats)}; daemon fds baseline ${baseline}, peak ${peak}; ${JSON.stringify(timings)}`);

    expect(alive(pid)).toBe(true);
    expect(peak).toBeLessThan(baseline + 200);
    expect(await waitFor(() => fdCount(pid) <= baseline + 5, 5_000)).toBe(true);
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.daemon.pid).toBe(pid); // the same daemon, not a restarted one
    expect((await get(uri, { authorization: token })).status).toBe(200);
  }, 60_000);

  it(`serves a token holder first: ≥ 99% of its requests succeed under ${FLOODERS} churning flooders of another user (finding 6)`, async () => {
    const flooders = await Promise.all(Array.from({ length: FLOODERS }, () => mallory.startNode(CHURN, [String(port), '40', String(HOLDER_SECONDS + 4)])));
    let ok = 0;
    let failed = 0;
    const errors = new Map<string, number>();
    try {
      // SDKs without keep-alive (a fresh connection for every request), several at once, as a few shells would,
      // each sending its request SEND_AFTER_MS after connecting.
      const until = Date.now() + HOLDER_SECONDS * 1000;
      const holder = async () => {
        while (Date.now() < until) {
          try {
            const answer = await slowGet(port, token, SEND_AFTER_MS, ANSWER_WITHIN_MS);
            if (answer === 200) ok++;
            else throw new Error(`HTTP ${answer}`);
          } catch (err) {
            failed++;
            const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            errors.set(reason, (errors.get(reason) ?? 0) + 1);
          }
        }
      };
      await Promise.all(Array.from({ length: HOLDERS }, holder));
    } finally {
      await Promise.all(flooders.map((f) => new Promise<void>((resolve) => (f.child.exitCode !== null ? resolve() : f.child.once('close', () => resolve())))));
    }
    const churned = flooders.map((f) => JSON.parse(/^\{.*\}$/m.exec(f.output())![0]) as { attempts: number; closedByServer: number });
    const rate = ok / (ok + failed);
    console.log(`holder: ${ok} ok, ${failed} failed (${(rate * 100).toFixed(2)}%) ${JSON.stringify([...errors])}; flooders: ${JSON.stringify(churned)}`);
    expect(churned.reduce((n, c) => n + c.closedByServer, 0)).toBeGreaterThan(1_000); // the flood really churned
    expect(ok + failed).toBeGreaterThan(100);
    expect(rate).toBeGreaterThanOrEqual(0.99);
    expect(alive(pid)).toBe(true);
  }, 60_000);
});

/**
 * One GET with the token on a fresh connection, its request sent `sendAfterMs` after the connection
 * is up (an SDK process descheduled on a busy machine): the status, or an error after `timeoutMs`.
 */
function slowGet(port: number, token: string, sendAfterMs: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => setTimeout(() => socket.writable && socket.write(getRequest(port, token)), sendAfterMs));
    socket.on('data', (d) => {
      head += d;
      if (!head.includes('\r\n')) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(head.split(' ', 2)[1]));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('closed by the server before an answer'), { code: 'CLOSED' }));
    });
  });
}

function readFileSafe(path: string): string {
  return execFileSync('cat', [path], { encoding: 'utf8' });
}

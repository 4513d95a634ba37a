// Request bodies on the daemon's socket are bounded in time as well as size: a body that
// trickles is cut off with 408 after BODY_TIMEOUT_MS, and a body that is too large gets 413,
// after which the daemon closes the connection instead of reading on, however long the client
// keeps sending. Good requests keep being answered meanwhile. Driven with raw node:net sockets
// against a real daemon, as test/hostile/socketFuzz.test.ts does.
import { request } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, ROUTES } from '../../src/daemon/protocol.js';
import { BODY_TIMEOUT_MS } from '../../src/daemon/server/router.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';

const PROFILE = 'Experiments/AdministratorAccess';

let emulator: RunningEmulator;
let home: KeyfobHome;
let socketPath: string;
let pid: number;

beforeAll(async () => {
  emulator = await startTestEmulator({ autoApprove: true });
  home = await signedInHome(emulator, { populate: [] });
  const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
  socketPath = status.daemon.socket;
  pid = status.daemon.pid;
});
afterAll(async () => {
  await home?.cleanup();
  await emulator?.close();
});

/** A good credentials request over the socket; its status. */
function goodRequest(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('a good request got no answer in 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** Good requests, one after another, until `until` settles: every status seen. */
async function keepAsking(until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const statuses: number[] = [];
  while (!done) statuses.push(await goodRequest());
  return statuses;
}

interface Exchange {
  socket: Socket;
  /** The raw answer so far. */
  answer(): string;
  /** When the answer's head arrived, and when the daemon closed the connection (ms since start). */
  answeredAt?: number;
  closedAt?: number;
  /** Resolves once the daemon has closed the connection, rejects after `deadlineMs`. */
  closed: Promise<void>;
}

/** Opens a connection, sends `head`, then calls `send` every `everyMs` until the daemon closes it. */
function trickle(head: string, send: () => Buffer, everyMs: number, deadlineMs: number): Exchange {
  const started = Date.now();
  const socket = createConnection(socketPath);
  let raw = '';
  const ex: Exchange = { socket, answer: () => raw, closed: undefined as unknown as Promise<void> };
  ex.closed = new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the daemon did not close the connection within ${deadlineMs} ms; it answered: ${JSON.stringify(raw.slice(0, 200))}`));
    }, deadlineMs);
    socket.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      if (ex.answeredAt === undefined && raw.includes('\r\n\r\n')) ex.answeredAt = Date.now() - started;
    });
    socket.on('error', () => undefined); // EPIPE while still sending: the daemon closed first, as it should
    socket.on('close', () => {
      clearTimeout(deadline);
      clearInterval(sender);
      ex.closedAt = Date.now() - started;
      resolve();
    });
  });
  socket.write(head);
  const sender = setInterval(() => {
    if (socket.writable) socket.write(send());
  }, everyMs);
  return ex;
}

describe('socket request bodies', () => {
  it(`cuts off a trickled body with 408 after ${BODY_TIMEOUT_MS / 1000} s and closes, answering good requests meanwhile`, async () => {
    const length = 4096; // one byte every 200 ms: the whole body would take over 13 minutes
    const ex = trickle(
      `POST ${ROUTES.logout} HTTP/1.1\r\nHost: keyfob\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`,
      () => Buffer.from(' '),
      200,
      BODY_TIMEOUT_MS + 5_000,
    );
    const statuses = await keepAsking(ex.closed);
    await ex.closed;
    expect(ex.answer()).toMatch(/^HTTP\/1\.1 408 /);
    expect(ex.answer()).toMatch(/\r\nconnection: close\r\n/i);
    expect(ex.answer()).toContain(`request body did not arrive within ${BODY_TIMEOUT_MS / 1000} s`);
    expect(ex.answeredAt!).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 100);
    expect(ex.closedAt!).toBeLessThan(BODY_TIMEOUT_MS + 3_000);
    expect(statuses.length).toBeGreaterThan(3);
    expect(new Set(statuses)).toEqual(new Set([200]));
  }, BODY_TIMEOUT_MS + 20_000);

  it('answers a too-large body with 413 and closes the connection while the client keeps sending', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'a');
    let sent = 0;
    const ex = trickle(
      `POST ${ROUTES.logout} HTTP/1.1\r\nHost: keyfob\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`,
      () => {
        sent += chunk.length;
        return chunk;
      },
      5,
      5_000,
    );
    const statuses = await keepAsking(ex.closed);
    await ex.closed;
    expect(ex.answer()).toMatch(/^HTTP\/1\.1 413 /);
    expect(ex.answer()).toMatch(/\r\nconnection: close\r\n/i);
    expect(ex.answer()).toContain(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    // Closed by the daemon soon after it answered, long before the 100 MiB the client announced.
    expect(ex.closedAt! - ex.answeredAt!).toBeLessThan(2_000);
    expect(sent).toBeLessThan(100 * 1024 * 1024);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  it('still answers bodies that arrive in one piece, and keeps its pid', async () => {
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.daemon.pid).toBe(pid);
    expect(await goodRequest()).toBe(200);
    // The body is read whole and parsed: the route itself answers what is missing from it.
    const logout = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath, method: 'POST', path: ROUTES.logout, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ unrelated: 'x'.repeat(1000) }));
    });
    expect(logout.status).toBe(400);
    expect(JSON.parse(logout.body).error.message).toBe('"ssoSession" or "all": true is required');
  });
});

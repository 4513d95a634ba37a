// ContainerEndpoint on its own, with a fake credential service: tokens live in memory only and die
// with the endpoint, unauthenticated connections are closed with their answer, a flood of idle
// connections is bounded and cannot lock a caller out, and slow headers time out.
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CredentialProcessOutput } from '../../src/credentials/types.js';
import { ContainerEndpoint, forgetSavedTokens, LEGACY_STATE_FILE, MAX_CONNECTIONS, MAX_UNVERIFIED, MAX_UNVERIFIED_BURST, TOKEN_IDLE_MS, UNVERIFIED_GRACE_MS, type EndpointLimits } from '../../src/daemon/server/containerEndpoint.js';
import { DaemonLog } from '../../src/daemon/server/log.js';
import { get, getRequest, rawExchange, waitFor } from '../helpers/endpoint.js';

/** The config file the issuing caller named; the endpoint answers from the same one. */
const CONFIG = '/home/alice/.aws/config';
const fakeCredentials = {
  forProfile: async (profile: string, config: string): Promise<CredentialProcessOutput> => ({
    Version: 1,
    AccessKeyId: config === CONFIG ? `ASIA${profile.length}` : 'ASIAWRONGCONFIG',
    SecretAccessKey: 'secret',
    SessionToken: 'session',
    Expiration: new Date(Date.now() + 3600_000).toISOString(),
    AccountId: '123456789012',
  }),
};
const quietLog = new DaemonLog(undefined, 'error');

const endpoints: ContainerEndpoint[] = [];
const sockets: Socket[] = [];
function endpoint(opts: { now?: () => number; limits?: Partial<EndpointLimits> } = {}): ContainerEndpoint {
  const e = new ContainerEndpoint(fakeCredentials, quietLog, opts.now, opts.limits);
  endpoints.push(e);
  return e;
}
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const e of endpoints.splice(0)) await e.close();
});

const portOf = (uri: string) => Number(new URL(uri).port);

/** Opens `n` connections that send nothing and resolves once all are connected (or refused). */
async function idleSockets(port: number, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve());
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      sockets.push(s);
    })),
  );
}

describe('ContainerEndpoint', () => {
  it('answers a valid token, and keeps that connection alive for more requests', async () => {
    const e = endpoint();
    const { uri, token } = await e.issue('Experiments/AdministratorAccess', CONFIG);
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/container-credentials$/);
    const r = await get(uri, { authorization: token });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ AccessKeyId: 'ASIA31', SecretAccessKey: 'secret', Token: 'session', AccountId: '123456789012' });
    const port = portOf(uri);
    const twice = await rawExchange(port, [getRequest(port, token), getRequest(port, token)], 300);
    expect(twice).toEqual({ statuses: [200, 200], closedByServer: false });
  });

  it('answers every request without a valid token with Connection: close, and hangs up', async () => {
    const e = endpoint();
    const { uri, token } = await e.issue('QA/ReadOnlyAccess', CONFIG);
    const port = portOf(uri);
    const cases: [string, number][] = [
      [getRequest(port, 'x'.repeat(43)), 403],
      [getRequest(port), 401],
      [getRequest(port, token, { host: `evil.example:${port}` }), 403],
      [getRequest(port, token, { path: '/elsewhere' }), 404],
    ];
    for (const [request, status] of cases) {
      // A second request on the same connection must never be answered.
      const r = await rawExchange(port, [request, getRequest(port, token)]);
      expect(r, request).toEqual({ statuses: [status], closedByServer: true });
    }
  });

  it('keeps tokens in memory only: a new endpoint (a restarted daemon) refuses the old token, on a new port', async () => {
    const first = endpoint();
    const old = await first.issue('QA/ReadOnlyAccess', CONFIG);
    expect(first.liveTokens).toBe(1);
    await first.close();
    expect(first.liveTokens).toBe(0);
    const second = endpoint();
    const fresh = await second.issue('QA/ReadOnlyAccess', CONFIG);
    expect((await get(fresh.uri, { authorization: old.token })).status).toBe(403);
    expect((await get(fresh.uri, { authorization: fresh.token })).status).toBe(200);
  });

  it('revokes, and forgets a token unused for TOKEN_IDLE_MS', async () => {
    let now = 1_000_000;
    const e = endpoint({ now: () => now });
    const a = await e.issue('A', CONFIG);
    const b = await e.issue('B', CONFIG);
    expect(e.revoke(a.token)).toBe(true);
    expect(e.revoke(a.token)).toBe(false);
    expect((await get(a.uri, { authorization: a.token })).status).toBe(403);
    expect(e.liveTokens).toBe(1);
    now += TOKEN_IDLE_MS;
    expect(e.liveTokens).toBe(0);
    expect((await get(b.uri, { authorization: b.token })).status).toBe(403);
  });

  it(`holds at most ${MAX_UNVERIFIED} unauthenticated connections past their grace, closing the oldest, so a caller with a token still gets in`, async () => {
    const e = endpoint();
    const { uri, token } = await e.issue('QA/ReadOnlyAccess', CONFIG);
    const port = portOf(uri);
    await idleSockets(port, MAX_CONNECTIONS * 3);
    const { open, unverified } = await e.connections();
    // Young ones get a grace to send their request, within MAX_UNVERIFIED_BURST; then MAX_UNVERIFIED stay.
    expect(unverified).toBeLessThanOrEqual(MAX_UNVERIFIED_BURST);
    expect(open).toBeLessThanOrEqual(MAX_UNVERIFIED_BURST + 1);
    const started = Date.now();
    expect((await get(uri, { authorization: token })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    // The flood's own sockets were closed by the server, all but the newest few.
    expect(await waitFor(() => sockets.filter((s) => !s.destroyed && !s.readableEnded).length <= MAX_UNVERIFIED, UNVERIFIED_GRACE_MS + 2_000)).toBe(true);
  });

  it('reads a request before evicting: a holder slow to send its request while a flood arrives is served (finding 6)', async () => {
    const e = endpoint();
    const { uri, token } = await e.issue('QA/ReadOnlyAccess', CONFIG);
    const port = portOf(uri);
    // The holder connects, then is descheduled (a busy machine) while more silent connections arrive than may stay unverified.
    const holder = connect(port, '127.0.0.1');
    sockets.push(holder);
    await new Promise((resolve) => holder.once('connect', resolve));
    await idleSockets(port, MAX_UNVERIFIED * 2);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server has accepted them all
    const answer = await new Promise<string>((resolve) => {
      let head = '';
      holder.on('data', (d) => {
        head += d;
        if (head.includes('\r\n\r\n')) resolve(head.split('\r\n')[0]);
      });
      holder.on('close', () => resolve(head.split('\r\n')[0] || 'closed by the server'));
      holder.on('error', () => undefined);
      setTimeout(() => resolve(head.split('\r\n')[0] || 'no answer within 5 s'), 5_000).unref();
      holder.write(getRequest(port, token));
    });
    expect(answer).toBe('HTTP/1.1 200 OK');
    // The silent ones stay bounded: at most MAX_UNVERIFIED_BURST at once, and MAX_UNVERIFIED once their grace is over.
    expect((await e.connections()).unverified).toBeLessThanOrEqual(MAX_UNVERIFIED_BURST);
    expect(await waitFor(async () => (await e.connections()).unverified <= MAX_UNVERIFIED, UNVERIFIED_GRACE_MS + 2_000)).toBe(true);
  });

  it('closes a connection whose headers do not arrive in time (idle, or a partial header)', async () => {
    const e = endpoint({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 400, checkIntervalMs: 100 } });
    const { uri } = await e.issue('QA/ReadOnlyAccess', CONFIG);
    const port = portOf(uri);
    const started = Date.now();
    const [idle, partial] = await Promise.all([rawExchange(port, [], 5_000), rawExchange(port, [`GET /v1/container-credentials HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`], 5_000)]);
    expect(idle.closedByServer).toBe(true);
    expect(partial.closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('forgetSavedTokens', () => {
  it('removes an older version\'s state file, and a symlink in its place without touching the target', () => {
    const home = mkdtempSync(join(tmpdir(), 'kf-endpoint-'));
    try {
      writeFileSync(join(home, LEGACY_STATE_FILE), '{"version":1,"port":40000,"tokens":{}}\n');
      forgetSavedTokens(home, quietLog);
      expect(existsSync(join(home, LEGACY_STATE_FILE))).toBe(false);
      const target = join(home, 'victim');
      writeFileSync(target, 'keep me\n');
      symlinkSync(target, join(home, LEGACY_STATE_FILE));
      forgetSavedTokens(home, quietLog);
      expect(() => lstatSync(join(home, LEGACY_STATE_FILE))).toThrow(/ENOENT/);
      expect(readFileSync(target, 'utf8')).toBe('keep me\n');
      forgetSavedTokens(home, quietLog); // nothing there: no error
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

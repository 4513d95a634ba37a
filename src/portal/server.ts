// The portal's HTTP server on 127.0.0.1: the page, its list (polled from the daemon and pushed to
// the page over server-sent events when it changes), search with the picker's matcher, and the
// actions. Every request passes the Host check and needs the session cookie (./guard.ts); every
// POST also passes the Origin check. Only /api/copy answers with keys, and only to a POST.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyfobError, oneLine } from '../core/errors.js';
import { loopbackPeerUids } from '../core/loopbackPeers.js';
import { checkProfileName, type PortalActions } from './actions.js';
import { PortalGuard, SECURITY_HEADERS, refuse, send } from './guard.js';
import { PAGE_CSS, PAGE_HTML, PAGE_SCRIPT } from './page.js';
import { rowKey, searchRows, type PortalSnapshot } from './rows.js';

const MAX_BODY = 4096;
const JSON_TYPE = 'application/json; charset=utf-8';

export interface PortalServerOptions {
  /** The daemon's view, as a snapshot of the list. */
  load(): Promise<PortalSnapshot>;
  actions: PortalActions;
  /** Starts a sign-in to an sso-session that has ended; the portal process opens the browser. */
  signIn?(ssoSession: string): Promise<void>;
  /** How often the daemon is asked again for changes (ms). */
  pollMs?: number;
  /** The one-time URL token (tests give their own). */
  token?: string;
}

export interface RunningPortal {
  /** The URL to open, with its one-time token. */
  url: string;
  origin: string;
  close(): Promise<void>;
}

export async function startPortalServer(opts: PortalServerOptions): Promise<RunningPortal> {
  const token = opts.token ?? PortalGuard.newToken();
  let guard: PortalGuard | undefined;
  let current: { snapshot: PortalSnapshot; json: string; problem?: string } = { snapshot: { rows: [], sessions: [] }, json: '' };
  const streams = new Set<ServerResponse>();

  const publish = (json: string) => {
    for (const res of streams) res.write(`event: snapshot\ndata: ${json}\n\n`);
  };
  const load = async () => {
    try {
      const snapshot = await opts.load();
      const json = JSON.stringify({ ...snapshot, problem: null });
      if (json !== current.json) {
        current = { snapshot, json };
        publish(json);
      }
    } catch (err) {
      const json = JSON.stringify({ ...current.snapshot, problem: oneLine(err) });
      if (json !== current.json) {
        current = { snapshot: current.snapshot, json, problem: oneLine(err) };
        publish(json);
      }
    }
  };
  // One load at a time, so an older answer never overwrites a newer one; asked during a load, once more after it.
  let loading: Promise<void> | undefined;
  let again = false;
  const refresh = (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = load().finally(() => {
      loading = undefined;
      if (again) {
        again = false;
        void refresh();
      }
    });
    return loading;
  };
  await refresh();
  const timer = setInterval(() => void refresh(), opts.pollMs ?? 3000);
  timer.unref();

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case 'GET /app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
      case 'GET /app.css':
        return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
      case 'GET /api/rows':
        return send(res, 200, JSON_TYPE, current.json);
      case 'GET /api/search': {
        const query = (url.searchParams.get('q') ?? '').slice(0, 200);
        return send(res, 200, JSON_TYPE, JSON.stringify({ q: query, keys: searchRows(current.snapshot.rows, query).map(rowKey) }));
      }
      case 'GET /events': {
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
        res.write(`event: snapshot\ndata: ${current.json}\n\n`);
        streams.add(res);
        const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        req.on('close', () => {
          clearInterval(beat);
          streams.delete(res);
        });
        return;
      }
    }
    if (req.method !== 'POST') return send(res, req.method === 'GET' ? 404 : 405, 'text/plain; charset=utf-8', 'keyfob portal: no such page\n');
    const origin = guard!.checkOrigin(req);
    if (origin) return refuse(res, origin);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return refuse(res, { status: 415, message: 'send JSON' });
    const body = await readJson(req);
    try {
      switch (route) {
        case 'POST /api/open': {
          const profile = checkProfileName(body.profile);
          await opts.actions.openConsole(profile);
          return send(res, 200, JSON_TYPE, JSON.stringify({ opened: profile }));
        }
        case 'POST /api/copy': {
          const profile = checkProfileName(body.profile);
          const text = body.format === 'json' ? await opts.actions.credentialProcessJson(profile) : await opts.actions.exportLines(profile);
          return send(res, 200, JSON_TYPE, JSON.stringify({ text }));
        }
        case 'POST /api/signin': {
          const session = checkProfileName(body.ssoSession);
          if (!opts.signIn || !current.snapshot.sessions.some((s) => s.name === session)) throw new KeyfobError('BadRequest', `no sso-session "${session}" to sign in to`);
          // The sign-in goes on in this process; the list shows it when the daemon has it.
          opts.signIn(session).then(refresh, () => undefined);
          return send(res, 202, JSON_TYPE, JSON.stringify({ started: session }));
        }
      }
    } catch (err) {
      const status = err instanceof KeyfobError && err.status >= 400 && err.status < 600 ? err.status : 500;
      return send(res, status, JSON_TYPE, JSON.stringify({ error: oneLine(err) }));
    } finally {
      // An action may change what the daemon holds (a new cache, a use for the order).
      if (route !== 'POST /api/signin') void refresh();
    }
    return send(res, 404, 'text/plain; charset=utf-8', 'keyfob portal: no such action\n');
  };

  const server: Server = createServer((req, res) => {
    const g = guard!;
    const host = g.checkHost(req);
    if (host) return refuse(res, host);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${g.port}`);
    const offered = url.searchParams.get('t');
    if (req.method === 'GET' && url.pathname === '/' && offered !== null) {
      // The token is traded for a cookie and the URL rewritten to /, so it is in no history or tab.
      const setCookie = g.redeem(offered);
      if (setCookie) return send(res, 303, 'text/plain; charset=utf-8', '', { Location: '/', 'Set-Cookie': setCookie });
      if (g.hasSession(req)) return send(res, 303, 'text/plain; charset=utf-8', '', { Location: '/' });
      return refuse(res, { status: 403, message: 'this link was used already or is not this portal’s; run keyfob portal again for a new one' });
    }
    if (!g.hasSession(req)) return refuse(res, { status: 401, message: 'no session; open the link keyfob portal opened or printed' });
    api(req, res, url).catch((err: unknown) => {
      if (!res.headersSent) send(res, err instanceof KeyfobError ? err.status : 500, JSON_TYPE, JSON.stringify({ error: oneLine(err) }));
      else res.destroy();
    });
  });
  // Another user's process never gets a word, cookie or not (a cookie leaks to any loopback port the
  // browser visits): where the kernel names each loopback peer's owner (Linux), others are cut off.
  const me = process.getuid?.();
  server.on('connection', (socket) => {
    const owner = me === undefined || guard === undefined ? undefined : loopbackPeerUids(guard.port)?.get(socket.remotePort ?? -1);
    if (owner !== undefined && owner !== me) socket.destroy();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  guard = new PortalGuard(port, token);
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?t=${token}`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const res of streams) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new KeyfobError('BadRequest', 'request too large', 413);
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new KeyfobError('BadRequest', 'send a JSON object');
}

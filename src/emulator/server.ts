// One HTTP server for everything: routing by method and path, the body cap,
// then per operation: call counting, rate limit, injected faults, and AWS-shaped errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { admin } from './admin.js';
import { exceptionForStatus, JsonApiError, PageError, StsError, stsCodeForStatus, tooManyRequests } from './awsErrors.js';
import { consolePage, federation, federationOperation } from './console.js';
import { type Ctx, type Handler, sendJsonError } from './http.js';
import { createToken, registerClient, startDeviceAuthorization } from './oidc.js';
import * as pages from './pages.js';
import { getRoleCredentials, listAccountRoles, listAccounts, logout } from './portal.js';
import type { EmulatorState } from './state.js';
import { sendStsError } from './sts.js';
import { stsAction, stsOperation } from './stsActions.js';

export const MAX_BODY_BYTES = 64 * 1024;
/** Past this a client is not worth draining; the connection is cut. */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/** How errors are rendered: rest-json, STS XML, or an HTML page for a person. */
type Kind = 'json' | 'sts' | 'page';

interface Route {
  kind: Kind;
  /** The AWS operation name used for stats, rate limits and faults; pages and admin have none. STS names it in the body. */
  operation?: string | ((ctx: Pick<Ctx, 'req' | 'url' | 'body'>) => string);
  handler: Handler;
}

const json = (operation: string | undefined, handler: Handler): Route => ({ kind: 'json', operation, handler });
const pageRoute = (handler: Handler, operation?: string): Route => ({ kind: 'page', operation, handler });

const ROUTES: Record<string, Route> = {
  'POST /client/register': json('RegisterClient', registerClient),
  'POST /device_authorization': json('StartDeviceAuthorization', startDeviceAuthorization),
  'POST /token': json('CreateToken', createToken),
  'GET /assignment/accounts': json('ListAccounts', listAccounts),
  'GET /assignment/roles': json('ListAccountRoles', listAccountRoles),
  'GET /federation/credentials': json('GetRoleCredentials', getRoleCredentials),
  'POST /logout': json('Logout', logout),
  'GET /authorize': pageRoute(pages.authorize, 'Authorize'),
  'GET /device': pageRoute(pages.devicePage),
  'POST /signin': pageRoute(pages.signIn),
  'POST /signin/mfa': pageRoute(pages.signInMfa),
  'GET /consent': pageRoute(pages.consent),
  'POST /consent': pageRoute(pages.decide),
  'GET /done': pageRoute(pages.done),
  'GET /console': pageRoute(consolePage),
};

function findRoute(method: string, url: URL): Route | undefined {
  const path = url.pathname;
  if (path === '/_emulator' || path.startsWith('/_emulator/')) return json(undefined, admin);
  if (path === '/') {
    if (method === 'POST' || (method === 'GET' && url.searchParams.has('Action'))) return { kind: 'sts', operation: stsOperation, handler: stsAction };
    if (method === 'GET') return pageRoute(pages.index);
  }
  if (path === '/federation' && method === 'GET') return json(federationOperation(url), federation);
  return ROUTES[`${method} ${path}`];
}

function sendError(kind: Kind, res: ServerResponse, err: unknown, log: (line: string) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof StsError) return sendStsError({ res }, err);
  if (err instanceof PageError) return pages.sendPageError({ res }, err);
  if (err instanceof JsonApiError) {
    if (kind === 'page') return pages.sendPageError({ res }, new PageError(err.status, err.message));
    if (kind === 'sts') return sendStsError({ res }, new StsError(err.status, err.type.replace(/Exception$/, ''), err.message));
    return sendJsonError(res, err);
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  sendError(kind, res, kind === 'sts' ? new StsError(500, 'InternalFailure', 'Internal error', 'Receiver') : new JsonApiError(500, 'InternalServerException', 'Internal error', 'server_error'), log);
}

/** The error an injected fault status or a rate limit becomes, in the route's own shape. */
function statusError(kind: Kind, status: number, message: string): Error {
  if (kind === 'sts') return new StsError(status, stsCodeForStatus(status), message, status >= 500 ? 'Receiver' : 'Sender');
  if (kind === 'page') return new PageError(status, message);
  return new JsonApiError(status, exceptionForStatus(status), message, status >= 500 ? 'server_error' : undefined);
}

/** Reads the body up to the cap; past it, drains (so the client sees the answer) and reports too large. */
function readBody(req: IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client went away mid-request'));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const raw = req.url ?? '/';
  let url: URL;
  try {
    url = new URL(`http://127.0.0.1${raw.startsWith('/') ? raw : `/${raw}`}`);
  } catch {
    url = new URL('http://127.0.0.1/');
  }
  const route = findRoute(method, url);
  const kind: Kind = route?.kind ?? 'json';
  try {
    const { body, tooLarge } = await readBody(req);
    if (!route) throw new JsonApiError(404, 'UnknownOperationException', `No operation is served at ${method} ${url.pathname}`, 'invalid_request');
    if (tooLarge) throw statusError(kind, 413, `The request body is larger than ${MAX_BODY_BYTES} bytes`);
    const operation = typeof route.operation === 'function' ? route.operation({ req, url, body }) : route.operation;
    if (operation) {
      state.count(operation);
      if (!state.limiter.take(operation)) {
        state.countThrottled(operation);
        if (kind === 'sts') throw new StsError(400, 'Throttling', 'Rate exceeded');
        throw kind === 'page' ? new PageError(429, 'Rate exceeded') : tooManyRequests();
      }
      const fault = state.faults.take(operation);
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      if (fault?.status) throw statusError(kind, fault.status, `Injected fault: ${operation} answers ${fault.status}`);
    }
    const ctx: Ctx = { state, req, res, url, body };
    await route.handler(ctx);
  } catch (err) {
    if (req.destroyed && !req.complete) {
      res.destroy(); // nobody left to answer
      return;
    }
    sendError(kind, res, err, state.settings.log);
  }
}

export function createEmulatorServer(state: EmulatorState): Server {
  const server = createServer((req, res) => {
    if (state.settings.clockSkewMs) res.setHeader('date', new Date(state.serverTime()).toUTCString());
    handle(state, req, res).catch((err) => {
      state.settings.log(`unhandled: ${String(err)}`);
      res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: InvalidRequestException\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

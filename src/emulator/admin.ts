// The admin API under /_emulator/, for tests and scripts. Loopback callers only, and only
// requests a web page cannot forge: a loopback Host (a DNS-rebound name is refused), no
// foreign Origin, and a JSON Content-Type on POST (a cross-site form or simple fetch can send
// text/plain without a CORS preflight, never application/json).
import { invalidRequest, JsonApiError } from './awsErrors.js';
import { type Ctx, jsonBody, optionalNumber, optionalString, requiredString, sendJson } from './http.js';
import { approveDevice, denyDevice, firstUsername } from './oidc.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (LOOPBACK.has(address) || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

function pendingDevice(ctx: Ctx, userCode: string) {
  const device = ctx.state.findDeviceByUserCode(userCode);
  if (!device) throw new JsonApiError(404, 'ResourceNotFoundException', `No device authorization has user code ${userCode}`);
  if (device.expiresAt <= Date.now()) throw invalidRequest(`User code ${userCode} has expired`);
  if (device.status !== 'pending') throw invalidRequest(`User code ${userCode} is already ${device.status}`);
  return device;
}

const routes: Record<string, (ctx: Ctx) => void> = {
  'POST /_emulator/approve': (ctx) => {
    const body = jsonBody(ctx);
    const device = pendingDevice(ctx, requiredString(body, 'userCode'));
    const username = optionalString(body, 'username') ?? firstUsername(device.instance);
    if (!device.instance.users.has(username)) throw invalidRequest(`No user is named ${username} in ${device.instance.startUrl}`);
    approveDevice(ctx.state, device, username);
    sendJson(ctx.res, 200, { userCode: device.userCode, status: 'approved', username });
  },
  'POST /_emulator/deny': (ctx) => {
    const device = pendingDevice(ctx, requiredString(jsonBody(ctx), 'userCode'));
    denyDevice(ctx.state, device);
    sendJson(ctx.res, 200, { userCode: device.userCode, status: 'denied' });
  },
  'POST /_emulator/revoke': (ctx) => {
    const username = optionalString(jsonBody(ctx), 'username');
    sendJson(ctx.res, 200, { revokedSessions: ctx.state.revoke(username) });
  },
  'POST /_emulator/rate-limit': (ctx) => {
    const body = jsonBody(ctx);
    const operation = optionalString(body, 'operation');
    if (!('perSecond' in body)) throw invalidRequest('perSecond is required (a number; 0 or null turns the limit off)');
    const perSecond = optionalNumber(body, 'perSecond');
    ctx.state.limiter.set(perSecond, operation);
    sendJson(ctx.res, 200, { operation: operation ?? '*', perSecond: perSecond || null });
  },
  'POST /_emulator/faults': (ctx) => {
    const body = jsonBody(ctx);
    const operation = requiredString(body, 'operation');
    const status = optionalNumber(body, 'status');
    const latencyMs = optionalNumber(body, 'latencyMs');
    const count = optionalNumber(body, 'count') ?? 1;
    if (status !== undefined && (!Number.isInteger(status) || status < 400 || status > 599)) throw invalidRequest('status must be an HTTP error status from 400 to 599');
    if (status === undefined && latencyMs === undefined) throw invalidRequest('a fault needs a status, a latencyMs, or both');
    if (!Number.isInteger(count) || count < 1) throw invalidRequest('count must be a whole number of at least 1');
    ctx.state.faults.add(operation, { status, latencyMs, count });
    sendJson(ctx.res, 200, { faults: ctx.state.faults.pending() });
  },
  'POST /_emulator/faults/clear': (ctx) => {
    ctx.state.faults.clear();
    sendJson(ctx.res, 200, { faults: {} });
  },
  'GET /_emulator/stats': (ctx) => {
    sendJson(ctx.res, 200, { calls: Object.fromEntries(ctx.state.calls), throttled: Object.fromEntries(ctx.state.throttled) });
  },
  'POST /_emulator/reset-stats': (ctx) => {
    ctx.state.calls.clear();
    ctx.state.throttled.clear();
    sendJson(ctx.res, 200, { calls: {}, throttled: {} });
  },
  'GET /_emulator/pending': (ctx) => {
    const now = Date.now();
    const pending = [...ctx.state.devices.values()]
      .filter((device) => device.status === 'pending' && device.expiresAt > now)
      .map((device) => ({
        userCode: device.userCode,
        clientName: ctx.state.clients.get(device.clientId)?.clientName,
        expiresAt: new Date(device.expiresAt).toISOString(),
      }));
    sendJson(ctx.res, 200, { pending });
  },
  'GET /_emulator/info': (ctx) => {
    const { org, settings } = ctx.state;
    sendJson(ctx.res, 200, {
      url: settings.url,
      startUrl: org.startUrl,
      region: org.region,
      accounts: org.accounts.length,
      permissionSets: [...org.permissionSets.keys()],
      users: [...org.users.keys()],
      identityCenters: org.identityCenters.map((instance) => ({ startUrl: instance.startUrl, region: instance.region, users: [...instance.users.keys()] })),
      iamUsers: org.iam.users.map((user) => user.arn),
      iamRoles: [...org.iam.roles.keys()],
    });
  },
};

export function adminRoute(method: string, path: string): ((ctx: Ctx) => void) | undefined {
  return routes[`${method} ${path}`];
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** `Host` (or an Origin's host) names this server by a loopback name: 127.0.0.1, localhost or [::1], with its port. */
function isLoopbackHost(host: string | undefined, port: number | undefined): boolean {
  if (host === undefined || port === undefined) return false;
  const h = host.toLowerCase();
  return LOOPBACK_HOSTS.some((name) => h === `${name}:${port}` || (port === 80 && h === name));
}

function checkAdminRequest(ctx: Ctx): void {
  const { req } = ctx;
  if (!isLoopback(req.socket.remoteAddress)) throw new JsonApiError(403, 'AccessDeniedException', 'The admin API answers loopback callers only');
  const port = req.socket.localPort;
  if (!isLoopbackHost(req.headers.host, port)) {
    throw new JsonApiError(403, 'AccessDeniedException', `The admin API needs Host: 127.0.0.1:${port}, localhost:${port} or [::1]:${port}`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !(origin.startsWith('http://') && isLoopbackHost(origin.slice('http://'.length), port))) {
    throw new JsonApiError(403, 'AccessDeniedException', 'The admin API refuses requests from web pages (a foreign Origin)');
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST' && type !== 'application/json') {
    throw new JsonApiError(415, 'UnsupportedMediaTypeException', 'The admin API takes POST bodies as Content-Type: application/json only');
  }
}

export function admin(ctx: Ctx): void {
  checkAdminRequest(ctx);
  const handler = adminRoute(ctx.req.method ?? 'GET', ctx.url.pathname);
  if (!handler) throw new JsonApiError(404, 'UnknownOperationException', `No admin route ${ctx.req.method} ${ctx.url.pathname}`);
  handler(ctx);
}

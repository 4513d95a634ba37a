// The SSO portal API (rest-json, bearer token in x-amz-sso_bearer_token):
// ListAccounts, ListAccountRoles, GetRoleCredentials, Logout.
import { createHmac } from 'node:crypto';
import { invalidRequest, portalErrors } from './awsErrors.js';
import { type Ctx, sendJson } from './http.js';
import { ssoRoleIdentity } from './iam.js';
import * as ids from './ids.js';
import type { PortalSession } from './state.js';

const DEFAULT_PAGE_SIZE = 20;
const PAGE_KEY = ids.randomToken(16);

/** The live portal session behind the request's bearer token; 401 otherwise. */
export function bearerSession(ctx: Ctx): { session: PortalSession; token: string } {
  const header = ctx.req.headers['x-amz-sso_bearer_token'];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) throw portalErrors.unauthorized('Session token not found or invalid: missing x-amz-sso_bearer_token');
  const entry = ctx.state.accessTokens.get(token);
  if (!entry) throw portalErrors.unauthorized();
  if (entry.expiresAt <= Date.now()) throw portalErrors.unauthorized('Session token has expired');
  const session = ctx.state.liveSession(entry.sessionId);
  if (!session) throw portalErrors.unauthorized('Session token not found or invalid: the session has ended');
  return { session, token };
}

function pageSize(url: URL): number {
  const raw = url.searchParams.get('max_result');
  if (raw === null || raw === '') return DEFAULT_PAGE_SIZE;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw invalidRequest('max_result must be a whole number from 1 to 100');
  return size;
}

// Opaque next tokens: an offset bound to what is being listed, so a token cannot be replayed elsewhere.
function encodeNextToken(scope: string, offset: number): string {
  const mac = createHmac('sha256', PAGE_KEY).update(`${scope}:${offset}`).digest('base64url').slice(0, 16);
  return Buffer.from(`${offset}.${mac}`).toString('base64url');
}

function decodeNextToken(scope: string, token: string | null): number {
  if (token === null || token === '') return 0;
  const [offsetText, mac] = Buffer.from(token, 'base64url').toString('utf8').split('.');
  const offset = Number(offsetText);
  if (!Number.isInteger(offset) || offset < 0 || !mac || encodeNextToken(scope, offset) !== token) throw invalidRequest('next_token is not valid');
  return offset;
}

function paginate<T>(ctx: Ctx, scope: string, items: T[]): { page: T[]; nextToken?: string } {
  const size = pageSize(ctx.url);
  const offset = decodeNextToken(scope, ctx.url.searchParams.get('next_token'));
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return { page, nextToken: next < items.length ? encodeNextToken(scope, next) : undefined };
}

/** The permission sets a session's user has on an account, in the session's own Identity Center. */
function assignedRoles(session: PortalSession, accountId: string): string[] | undefined {
  return session.instance.access.get(session.username)?.get(accountId);
}

export function listAccounts(ctx: Ctx): void {
  const { session } = bearerSession(ctx);
  const access = session.instance.access.get(session.username) ?? new Map();
  const accounts = ctx.state.org.accounts.filter((account) => (access.get(account.id)?.length ?? 0) > 0);
  const { page, nextToken } = paginate(ctx, `accounts:${session.instance.index}:${session.username}`, accounts);
  sendJson(ctx.res, 200, {
    nextToken,
    accountList: page.map((account) => ({ accountId: account.id, accountName: account.name, emailAddress: account.email })),
  });
}

function requiredQuery(ctx: Ctx, name: string): string {
  const value = ctx.url.searchParams.get(name);
  if (!value) throw invalidRequest(`${name} is required`);
  return value;
}

export function listAccountRoles(ctx: Ctx): void {
  const { session } = bearerSession(ctx);
  const accountId = requiredQuery(ctx, 'account_id');
  const roles = assignedRoles(session, accountId);
  if (!roles?.length) throw portalErrors.forbidden(`No access to account ${accountId}`);
  const { page, nextToken } = paginate(ctx, `roles:${session.instance.index}:${session.username}:${accountId}`, roles);
  sendJson(ctx.res, 200, { nextToken, roleList: page.map((roleName) => ({ roleName, accountId })) });
}

export function getRoleCredentials(ctx: Ctx): void {
  const { session } = bearerSession(ctx);
  const roleName = requiredQuery(ctx, 'role_name');
  const accountId = requiredQuery(ctx, 'account_id');
  const { state } = ctx;
  if (!assignedRoles(session, accountId)?.includes(roleName)) throw portalErrors.forbidden('No access');
  const seconds = state.credentialSecondsOverride() ?? state.org.permissionSets.get(roleName)!.seconds;
  const { username } = session;
  const credential = state.issueCredential({ accountId, roleName, username, identity: ssoRoleIdentity(accountId, roleName, username) }, seconds);
  sendJson(ctx.res, 200, {
    roleCredentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      sessionToken: credential.sessionToken,
      expiration: state.serverTime(credential.expiresAt),
    },
  });
}

export function logout(ctx: Ctx): void {
  const { session } = bearerSession(ctx);
  session.revoked = true;
  ctx.state.settings.log(`portal session of ${session.username} logged out`);
  ctx.res.writeHead(200, { 'content-length': 0 });
  ctx.res.end();
}

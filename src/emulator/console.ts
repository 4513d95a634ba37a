// Console federation, as signin.aws.amazon.com/federation answers it: getSigninToken for
// emulator-issued credentials, then login, which redeems the token once, sets the console's
// session cookie and lands on /console, a page naming the role of that cookie. One cookie per
// browser profile, as the real console without multi-session: a second sign-in in the same cookie
// jar replaces the first, and every console tab of that browser then shows the second role.
import { invalidRequest, JsonApiError } from './awsErrors.js';
import { escapeHtml, page } from './html.js';
import { type Ctx, cookies, redirect, sendHtml, sendJson } from './http.js';
import { constantTimeEqual, randomToken } from './ids.js';

const SIGNIN_TOKEN_SECONDS = 15 * 60;
const CONSOLE_SESSION_SECONDS = 12 * 3600;
export const CONSOLE_COOKIE = 'aws-console-session';

export function federationOperation(url: URL): string {
  return url.searchParams.get('Action')?.toLowerCase() === 'login' ? 'ConsoleLogin' : 'GetSigninToken';
}

export function federation(ctx: Ctx): void {
  const action = ctx.url.searchParams.get('Action');
  if (action === 'getSigninToken') return getSigninToken(ctx);
  if (action === 'login') return login(ctx);
  throw invalidRequest('Action must be getSigninToken or login');
}

function getSigninToken(ctx: Ctx): void {
  const raw = ctx.url.searchParams.get('Session');
  if (!raw) throw invalidRequest('Session is required: JSON with sessionId, sessionKey and sessionToken');
  let session: Record<string, unknown>;
  try {
    session = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw invalidRequest('Session is not valid JSON');
  }
  const { sessionId, sessionKey, sessionToken } = session ?? {};
  if (typeof sessionId !== 'string' || typeof sessionKey !== 'string' || typeof sessionToken !== 'string')
    throw invalidRequest('Session needs sessionId, sessionKey and sessionToken strings');
  const credential = ctx.state.credentials.get(sessionId);
  if (!credential || !constantTimeEqual(credential.secretAccessKey, sessionKey) || !constantTimeEqual(credential.sessionToken, sessionToken))
    throw new JsonApiError(403, 'AccessDeniedException', 'The credentials were not issued by this Identity Center');
  if (credential.expiresAt <= Date.now()) throw new JsonApiError(403, 'ExpiredTokenException', 'The credentials have expired');
  // As on AWS: role sessions may sign in to the console, an IAM user's GetSessionToken session may not.
  if (credential.identity.kind === 'user-session')
    throw new JsonApiError(403, 'AccessDeniedException', 'Credentials from GetSessionToken cannot sign in to the console; assume a role first');
  const token = randomToken(96);
  ctx.state.signinTokens.set(token, { accessKeyId: credential.accessKeyId, expiresAt: Date.now() + SIGNIN_TOKEN_SECONDS * 1000 });
  sendJson(ctx.res, 200, { SigninToken: token });
}

function login(ctx: Ctx): void {
  const q = ctx.url.searchParams;
  const entry = ctx.state.signinTokens.get(q.get('SigninToken') ?? '');
  if (!entry || entry.used || entry.expiresAt <= Date.now()) throw new JsonApiError(403, 'AccessDeniedException', 'The sign-in token is not valid or has expired');
  entry.used = true;
  const credential = ctx.state.credentials.get(entry.accessKeyId)!;
  const destination = q.get('Destination') ?? 'https://console.aws.amazon.com/';
  const region = /[?&]region=([a-z0-9-]+)/.exec(destination)?.[1] ?? ctx.state.org.region;
  const id = randomToken(32);
  ctx.state.consoleSessions.set(id, {
    accessKeyId: credential.accessKeyId,
    destination,
    region,
    expiresAt: Math.min(credential.expiresAt, Date.now() + CONSOLE_SESSION_SECONDS * 1000),
  });
  redirect(ctx.res, '/console', 302, { 'set-cookie': `${CONSOLE_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` });
}

/** GET /console: the landing page of whoever this browser's console cookie signed in. */
export function consolePage(ctx: Ctx): void {
  const id = cookies(ctx.req).get(CONSOLE_COOKIE);
  const session = id ? ctx.state.consoleSessions.get(id) : undefined;
  if (!session || session.expiresAt <= Date.now()) {
    return sendHtml(ctx.res, 401, page('AWS Management Console', '<p id="signed-out">You are not signed in to the console (emulated).</p>'));
  }
  const credential = ctx.state.credentials.get(session.accessKeyId)!;
  const account = ctx.state.org.accountsById.get(credential.accountId);
  sendHtml(
    ctx.res,
    200,
    page(
      'AWS Management Console',
      `<p>You are signed in to the console (emulated).</p>
<dl><dt>Account</dt><dd id="account">${escapeHtml(account?.name ?? '')} (${credential.accountId})</dd>
<dt>Account name</dt><dd id="account-name">${escapeHtml(account?.name ?? '')}</dd>
<dt>Account id</dt><dd id="account-id">${credential.accountId}</dd>
<dt>Role</dt><dd id="role">${escapeHtml(credential.roleName)}</dd>
<dt>User</dt><dd id="user">${escapeHtml(credential.username)}</dd>
<dt>Region</dt><dd id="region">${escapeHtml(session.region)}</dd>
<dt>Destination</dt><dd id="destination">${escapeHtml(session.destination)}</dd></dl>`,
    ),
  );
}

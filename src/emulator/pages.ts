// The browser leg: device verification page, PKCE /authorize, sign-in (password then MFA),
// the "Allow access" / "Deny" consent page, and the done page.
import { invalidRequest, PageError } from './awsErrors.js';
import { errorLine, escapeHtml, hidden, page } from './html.js';
import { type Ctx, cookies, formBody, redirect, sendHtml } from './http.js';
import { constantTimeEqual, randomToken } from './ids.js';
import { checkMfa, requiresMfa } from './mfa.js';
import { approveDevice, authenticateClient, authorizationRedirect, denyDevice, firstUsername } from './oidc.js';
import type { IdentityCenter } from './fixture.js';
import type { AuthorizeRequest, DeviceAuthorization } from './state.js';

const COOKIE = 'keyfob_emulator_signin';

/** Who this browser is signed in as, in the Identity Center the request belongs to. */
function signedInUser(ctx: Ctx, instance: IdentityCenter): string | undefined {
  const cookie = cookies(ctx.req).get(COOKIE);
  const signIn = cookie ? ctx.state.browserSessions.get(cookie) : undefined;
  return signIn?.instance === instance ? signIn.username : undefined;
}

const targetInstance = (target: { device?: DeviceAuthorization; request?: AuthorizeRequest }) => (target.device ?? target.request)!.instance;

/** A consent target is "device:<id>" or "authorize:<id>"; this finds what it points at. */
function consentTarget(ctx: Ctx, next: string): { device?: DeviceAuthorization; request?: AuthorizeRequest } {
  const [kind, id = ''] = next.split(':');
  if (kind === 'device') {
    const device = ctx.state.devicesById.get(id);
    if (!device) throw new PageError(400, 'This sign-in request is not known. Start the sign-in again from your tool.');
    if (device.expiresAt <= Date.now()) throw new PageError(400, 'This sign-in request has expired. Start the sign-in again from your tool.');
    if (device.status !== 'pending') throw new PageError(400, 'This sign-in request has already been answered.');
    return { device };
  }
  if (kind === 'authorize') {
    const request = ctx.state.authorizeRequests.get(id);
    if (!request || request.expiresAt <= Date.now())
      throw new PageError(400, 'This authorization request is not known or has expired. Start the sign-in again from your tool.');
    return { request };
  }
  throw new PageError(400, 'The sign-in request is missing or malformed.');
}

function signInForm(next: string, message?: string): string {
  return page(
    'Sign in',
    `${errorLine(message)}<form method="post" action="/signin">${hidden('next', next)}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="signin">Sign in</button></form>`,
  );
}

function mfaForm(pending: string, message?: string): string {
  return page(
    'Multi-factor authentication',
    `${errorLine(message)}<p>Enter the 6-digit code from your authenticator app.</p>
<form method="post" action="/signin/mfa">${hidden('pending', pending)}
<label for="mfa">MFA code</label><input id="mfa" name="mfa" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus>
<button type="submit" id="verify">Verify</button></form>`,
  );
}

function consentPage(ctx: Ctx, next: string, username: string): string {
  const { device, request } = consentTarget(ctx, next);
  const clientId = device?.clientId ?? request!.clientId;
  const clientName = ctx.state.clients.get(clientId)?.clientName ?? 'an application';
  const detail = device
    ? `<p>Confirm this code matches the one shown by your tool:</p><p class="code" id="user-code">${escapeHtml(device.userCode)}</p>`
    : `<p>After you allow access you will be returned to <code>${escapeHtml(new URL(request!.redirectUri).origin)}</code>.</p>`;
  return page(
    'Allow access?',
    `<p>Signed in as <strong id="signed-in-as">${escapeHtml(username)}</strong>.</p>
<p><strong>${escapeHtml(clientName)}</strong> is asking for access to your AWS accounts and roles.</p>${detail}
<form method="post" action="/consent">${hidden('next', next)}
<button type="submit" name="decision" value="allow" id="allow">Allow access</button>
<button type="submit" name="decision" value="deny" id="deny" class="secondary">Deny</button></form>`,
  );
}

/** Shows the consent page when signed in, the sign-in form otherwise. */
function continueTo(ctx: Ctx, next: string): void {
  const username = signedInUser(ctx, targetInstance(consentTarget(ctx, next)));
  sendHtml(ctx.res, 200, username ? consentPage(ctx, next, username) : signInForm(next));
}

export function devicePage(ctx: Ctx): void {
  const code = ctx.url.searchParams.get('user_code');
  if (!code) {
    sendHtml(
      ctx.res,
      200,
      page(
        'Authorize request',
        `<form method="get" action="/device"><label for="user_code">Enter the code shown by your tool</label>
<input id="user_code" name="user_code" required autofocus><button type="submit">Next</button></form>`,
      ),
    );
    return;
  }
  const device = ctx.state.findDeviceByUserCode(code);
  if (!device) throw new PageError(400, `The code ${code} is not valid. Check it and try again.`);
  continueTo(ctx, `device:${device.id}`);
}

/** GET /authorize: the browser leg of the PKCE authorization-code grant. */
export function authorize(ctx: Ctx): void {
  const q = ctx.url.searchParams;
  const clientId = q.get('client_id');
  const redirectUri = q.get('redirect_uri');
  if (!clientId || !redirectUri) throw new PageError(400, 'client_id and redirect_uri are required.');
  let client;
  try {
    client = authenticateClient(ctx.state, clientId);
  } catch (err) {
    throw new PageError(400, (err as Error).message);
  }
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    throw new PageError(400, 'redirect_uri is not a URL.');
  }
  const loopback = target.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
  const registered = client.redirectUris.some((uri) => uri === redirectUri || (loopback && new URL(uri).pathname === target.pathname));
  if (!loopback && !registered) throw new PageError(400, 'redirect_uri must be a loopback http URL or one registered by the client.');
  if (q.get('response_type') !== 'code') throw new PageError(400, 'response_type must be "code".');
  const codeChallenge = q.get('code_challenge');
  if (!codeChallenge || q.get('code_challenge_method') !== 'S256') throw new PageError(400, 'code_challenge with code_challenge_method=S256 is required.');
  const scopeText = q.get('scopes') ?? q.get('scope') ?? '';
  const request: AuthorizeRequest = {
    id: randomToken(12),
    clientId,
    instance: client.instance,
    redirectUri,
    state: q.get('state') ?? undefined,
    codeChallenge,
    scopes: [...new Set([...client.scopes, ...scopeText.split(/[\s,]+/).filter(Boolean)])],
    expiresAt: Date.now() + ctx.state.org.lifetimes.deviceCodeSeconds * 1000,
  };
  ctx.state.authorizeRequests.set(request.id, request);
  if (ctx.state.settings.autoApprove) {
    redirect(ctx.res, authorizationRedirect(ctx.state, request, firstUsername(request.instance)));
    return;
  }
  continueTo(ctx, `authorize:${request.id}`);
}

function startBrowserSession(ctx: Ctx, instance: IdentityCenter, username: string, next: string): void {
  const cookie = randomToken(24);
  ctx.state.browserSessions.set(cookie, { instance, username });
  redirect(ctx.res, `/consent?next=${encodeURIComponent(next)}`, 303, { 'set-cookie': `${COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Lax` });
}

export function signIn(ctx: Ctx): void {
  const form = formBody(ctx);
  const next = form.get('next') ?? '';
  const instance = targetInstance(consentTarget(ctx, next));
  const username = form.get('username') ?? '';
  const user = instance.users.get(username);
  if (!user || !constantTimeEqual(user.password, form.get('password') ?? '')) {
    sendHtml(ctx.res, 401, signInForm(next, 'Incorrect username or password.'));
    return;
  }
  if (!requiresMfa(user)) {
    startBrowserSession(ctx, instance, username, next);
    return;
  }
  const pending = randomToken(16);
  ctx.state.pendingSignins.set(pending, { instance, username, next, expiresAt: Date.now() + 5 * 60_000 });
  sendHtml(ctx.res, 200, mfaForm(pending));
}

export function signInMfa(ctx: Ctx): void {
  const form = formBody(ctx);
  const pendingId = form.get('pending') ?? '';
  const pending = ctx.state.pendingSignins.get(pendingId);
  if (!pending || pending.expiresAt <= Date.now()) throw new PageError(400, 'The sign-in has timed out. Start again from your tool.');
  const user = pending.instance.users.get(pending.username)!;
  if (!checkMfa(user, (form.get('mfa') ?? '').trim())) {
    sendHtml(ctx.res, 401, mfaForm(pendingId, 'That MFA code is not valid. Try again.'));
    return;
  }
  ctx.state.pendingSignins.delete(pendingId);
  startBrowserSession(ctx, pending.instance, pending.username, pending.next);
}

export function consent(ctx: Ctx): void {
  const next = ctx.url.searchParams.get('next') ?? '';
  continueTo(ctx, next);
}

export function decide(ctx: Ctx): void {
  const form = formBody(ctx);
  const next = form.get('next') ?? '';
  const decision = form.get('decision');
  if (decision !== 'allow' && decision !== 'deny') throw invalidRequest('decision must be allow or deny');
  const { device, request } = consentTarget(ctx, next);
  const username = signedInUser(ctx, targetInstance({ device, request }));
  if (!username) {
    sendHtml(ctx.res, 401, signInForm(next, 'Your sign-in has ended. Sign in again.'));
    return;
  }
  if (request) {
    redirect(ctx.res, authorizationRedirect(ctx.state, request, decision === 'allow' ? username : undefined), 303);
    return;
  }
  if (decision === 'allow') approveDevice(ctx.state, device!, username);
  else denyDevice(ctx.state, device!);
  redirect(ctx.res, `/done?result=${decision === 'allow' ? 'approved' : 'denied'}`, 303);
}

export function done(ctx: Ctx): void {
  const approved = ctx.url.searchParams.get('result') === 'approved';
  sendHtml(
    ctx.res,
    200,
    page(
      approved ? 'Request approved' : 'Request denied',
      approved
        ? '<p id="result">Request approved. You can close this window and return to your tool.</p>'
        : '<p id="result">Request denied. Your tool will not get access. You can close this window.</p>',
    ),
  );
}

export function index(ctx: Ctx): void {
  const { org, settings } = ctx.state;
  sendHtml(
    ctx.res,
    200,
    page(
      'keyfob emulator',
      `<dl><dt>Endpoint</dt><dd>${escapeHtml(settings.url)}</dd><dt>Start URL</dt><dd>${escapeHtml(org.startUrl)}</dd>
<dt>Region</dt><dd>${escapeHtml(org.region)}</dd><dt>Accounts</dt><dd>${org.accounts.length}</dd></dl>
<p><a href="/device">Enter a user code</a></p>`,
    ),
  );
}

export function sendPageError(ctx: Pick<Ctx, 'res'>, err: PageError): void {
  sendHtml(ctx.res, err.status, page('Something went wrong', errorLine(err.message)));
}

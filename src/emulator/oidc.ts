// SSO OIDC (rest-json, unsigned): RegisterClient, StartDeviceAuthorization, CreateToken.
// Member names and exceptions follow botocore's sso-oidc 2019-06-10 model.
import { createHash } from 'node:crypto';
import { invalidRequest, oidcErrors } from './awsErrors.js';
import { findIdentityCenter, type IdentityCenter } from './fixture.js';
import { type Ctx, jsonBody, optionalString, optionalStringList, requiredString, sendJson } from './http.js';
import { constantTimeEqual, normalizeUserCode, randomToken, userCode as newUserCode } from './ids.js';
import type { AuthorizeRequest, DeviceAuthorization, EmulatorState, OidcClient } from './state.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export function registerClient(ctx: Ctx): void {
  const body = jsonBody(ctx);
  const clientName = requiredString(body, 'clientName');
  const clientType = requiredString(body, 'clientType');
  if (clientType !== 'public') throw invalidRequest('clientType must be "public"');
  const scopes = optionalStringList(body, 'scopes');
  const redirectUris = optionalStringList(body, 'redirectUris');
  optionalStringList(body, 'grantTypes');
  // PKCE clients name their start URL as issuerUrl: that picks the instance /authorize signs in to.
  const issuerUrl = optionalString(body, 'issuerUrl');
  const instance = (issuerUrl && findIdentityCenter(ctx.state.org, issuerUrl)) || ctx.state.org.identityCenters[0]!;
  const now = Date.now();
  const lifetime = ctx.state.org.lifetimes.clientRegistrationSeconds;
  const client: OidcClient = {
    clientId: randomToken(16),
    clientSecret: `eyJraWQiOiJrZXktZW11bGF0b3IifQ.${randomToken(48)}`,
    clientName,
    clientType,
    scopes,
    redirectUris,
    instance,
    issuedAt: now,
    expiresAt: now + lifetime * 1000,
  };
  ctx.state.clients.set(client.clientId, client);
  sendJson(ctx.res, 200, {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    clientIdIssuedAt: Math.floor(ctx.state.serverTime(now) / 1000),
    clientSecretExpiresAt: Math.floor(ctx.state.serverTime(client.expiresAt) / 1000),
    authorizationEndpoint: `${ctx.state.settings.url}/authorize`,
    tokenEndpoint: `${ctx.state.settings.url}/token`,
  });
}

/** The registered client, checked against its secret when one is given; InvalidClient otherwise. */
export function authenticateClient(state: EmulatorState, clientId: string, clientSecret?: string): OidcClient {
  const client = state.clients.get(clientId);
  if (!client) throw oidcErrors.invalidClient('Invalid client: unknown clientId');
  if (client.expiresAt <= Date.now()) throw oidcErrors.invalidClient('Invalid client: the client registration has expired');
  if (clientSecret !== undefined && !constantTimeEqual(client.clientSecret, clientSecret))
    throw oidcErrors.invalidClient('Invalid client: clientSecret does not match');
  return client;
}

/** The instance a start URL names; InvalidRequest naming the start URLs served otherwise. */
function identityCenterFor(state: EmulatorState, startUrl: string): IdentityCenter {
  const instance = findIdentityCenter(state.org, startUrl);
  if (instance) return instance;
  const served = state.org.identityCenters.map((i) => i.startUrl);
  if (served.length === 1) throw invalidRequest(`startUrl ${startUrl} is not this Identity Center's start URL (${served[0]})`);
  throw invalidRequest(`startUrl ${startUrl} is not this Identity Center's start URL (it serves ${served.join(', ')})`);
}

export function startDeviceAuthorization(ctx: Ctx): void {
  const body = jsonBody(ctx);
  const clientId = requiredString(body, 'clientId');
  const clientSecret = requiredString(body, 'clientSecret');
  const startUrl = requiredString(body, 'startUrl');
  const { state } = ctx;
  const client = authenticateClient(state, clientId, clientSecret);
  const instance = identityCenterFor(state, startUrl);
  const { deviceCodeSeconds, pollIntervalSeconds } = state.org.lifetimes;
  let code = newUserCode();
  while (state.findDeviceByUserCode(code)) code = newUserCode();
  const device: DeviceAuthorization = {
    id: randomToken(12),
    deviceCode: randomToken(48),
    userCode: code,
    clientId: client.clientId,
    instance,
    scopes: client.scopes,
    expiresAt: Date.now() + deviceCodeSeconds * 1000,
    intervalMs: pollIntervalSeconds * 1000,
    status: 'pending',
  };
  state.devices.set(device.deviceCode, device);
  state.devicesById.set(device.id, device);
  state.devicesByUserCode.set(normalizeUserCode(code), device);
  if (state.settings.autoApprove) approveDevice(state, device, firstUsername(instance));
  state.settings.log(`device authorization started: user code ${code} (client ${client.clientName})`);
  const verificationUri = `${state.settings.url}/device`;
  sendJson(ctx.res, 200, {
    deviceCode: device.deviceCode,
    userCode: code,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(code)}`,
    expiresIn: deviceCodeSeconds,
    interval: pollIntervalSeconds,
  });
}

/** The user --auto-approve and /_emulator/approve sign in as by default. */
export const firstUsername = (instance: IdentityCenter) => instance.users.keys().next().value as string;

/** Approves a pending device authorization as a user; false when it is no longer pending. */
export function approveDevice(state: EmulatorState, device: DeviceAuthorization, username: string): boolean {
  if (device.status !== 'pending' || device.expiresAt <= Date.now()) return false;
  device.status = 'approved';
  device.username = username;
  state.settings.log(`device authorization ${device.userCode} approved as ${username}`);
  return true;
}

export function denyDevice(state: EmulatorState, device: DeviceAuthorization): boolean {
  if (device.status !== 'pending' || device.expiresAt <= Date.now()) return false;
  device.status = 'denied';
  state.settings.log(`device authorization ${device.userCode} denied`);
  return true;
}

/** Issues a one-time authorization code for a PKCE request and returns the redirect URL. */
export function authorizationRedirect(state: EmulatorState, request: AuthorizeRequest, username: string | undefined): string {
  const target = new URL(request.redirectUri);
  if (username) {
    const code = randomToken(32);
    state.authorizationCodes.set(code, {
      code,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      instance: request.instance,
      username,
      expiresAt: Date.now() + state.org.lifetimes.authorizationCodeSeconds * 1000,
      used: false,
    });
    target.searchParams.set('code', code);
  } else {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied the authorization request');
  }
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  state.authorizeRequests.delete(request.id);
  return target.toString();
}

export function createToken(ctx: Ctx): void {
  const body = jsonBody(ctx);
  const clientId = requiredString(body, 'clientId');
  const clientSecret = requiredString(body, 'clientSecret');
  const grantType = requiredString(body, 'grantType');
  const requestScopes = optionalStringList(body, 'scope');
  const { state } = ctx;
  const client = authenticateClient(state, clientId, clientSecret);
  const scopesWith = (granted: string[]) => [...new Set([...granted, ...requestScopes])];

  let issued: { accessToken: string; refreshToken?: string; expiresIn: number };
  if (grantType === DEVICE_GRANT) {
    const deviceCode = requiredString(body, 'deviceCode');
    const device = state.devices.get(deviceCode);
    if (!device || device.clientId !== client.clientId) throw oidcErrors.invalidGrant('Invalid device code provided');
    if (device.status === 'used') throw oidcErrors.invalidGrant('The device code has already been used');
    const now = Date.now();
    if (device.expiresAt <= now) throw oidcErrors.expiredToken('Device code');
    const tooSoon = device.lastPollAt !== undefined && now - device.lastPollAt < device.intervalMs - 25;
    device.lastPollAt = now;
    if (tooSoon) throw oidcErrors.slowDown();
    if (device.status === 'denied') throw oidcErrors.accessDenied();
    if (device.status === 'pending') throw oidcErrors.authorizationPending();
    device.status = 'used';
    issued = state.issueTokens(device.instance, device.username!, client.clientId, scopesWith(device.scopes));
  } else if (grantType === 'refresh_token') {
    const refreshToken = requiredString(body, 'refreshToken');
    const entry = state.refreshTokens.get(refreshToken);
    if (!entry || entry.clientId !== client.clientId) throw oidcErrors.invalidGrant('Invalid refresh token provided');
    // Rotation, as IAM Identity Center does: each refresh issues a new refresh token, and the one
    // redeemed is refused from then on.
    if (entry.used) throw oidcErrors.invalidGrant('Refresh token has already been used');
    const session = state.liveSession(entry.sessionId);
    if (!session) throw oidcErrors.invalidGrant('The session for this refresh token has ended; sign in again');
    entry.used = true;
    issued = state.issueTokens(session.instance, session.username, client.clientId, entry.scopes, session);
  } else if (grantType === 'authorization_code') {
    const code = requiredString(body, 'code');
    const redirectUri = requiredString(body, 'redirectUri');
    const codeVerifier = requiredString(body, 'codeVerifier');
    const grant = state.authorizationCodes.get(code);
    if (!grant || grant.clientId !== client.clientId || grant.used) throw oidcErrors.invalidGrant('Invalid authorization code provided');
    if (grant.expiresAt <= Date.now()) throw oidcErrors.invalidGrant('The authorization code has expired');
    if (grant.redirectUri !== redirectUri) throw oidcErrors.invalidGrant('redirectUri does not match the authorization request');
    const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
    if (!constantTimeEqual(challenge, grant.codeChallenge)) throw oidcErrors.invalidGrant('codeVerifier does not match the code challenge');
    grant.used = true;
    issued = state.issueTokens(grant.instance, grant.username, client.clientId, scopesWith(grant.scopes));
  } else {
    throw oidcErrors.unsupportedGrantType(grantType);
  }

  const response: Record<string, unknown> = { accessToken: issued.accessToken, tokenType: 'Bearer', expiresIn: issued.expiresIn };
  if (issued.refreshToken) response.refreshToken = issued.refreshToken;
  sendJson(ctx.res, 200, response);
}

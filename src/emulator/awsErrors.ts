// Errors in the shapes real AWS clients parse. The JS SDK and botocore read the
// exception name from the x-amzn-ErrorType header (rest-json) or the XML <Code> (STS).

/** A rest-json error (SSO OIDC, SSO portal, federation, admin). */
export class JsonApiError extends Error {
  constructor(
    readonly status: number,
    /** The AWS exception name, sent as x-amzn-ErrorType. */
    readonly type: string,
    message: string,
    /** The OAuth error code for the body's "error" field (OIDC); defaults to the type. */
    readonly oauthCode?: string,
  ) {
    super(message);
  }
}

/** An STS query-protocol error, answered as an XML ErrorResponse. */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly kind: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

/** An error shown to a person in the browser as an HTML page. */
export class PageError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const invalidRequest = (message: string) => new JsonApiError(400, 'InvalidRequestException', message, 'invalid_request');

/** OIDC exceptions with their OAuth error codes and statuses (botocore sso-oidc model). */
export const oidcErrors = {
  authorizationPending: () =>
    new JsonApiError(400, 'AuthorizationPendingException', 'Authorization is still pending', 'authorization_pending'),
  slowDown: () => new JsonApiError(400, 'SlowDownException', 'Client is polling too fast; wait interval seconds', 'slow_down'),
  expiredToken: (what = 'Device code') => new JsonApiError(400, 'ExpiredTokenException', `${what} has expired`, 'expired_token'),
  accessDenied: () => new JsonApiError(400, 'AccessDeniedException', 'The user denied the authorization request', 'access_denied'),
  invalidClient: (message = 'Invalid client') => new JsonApiError(401, 'InvalidClientException', message, 'invalid_client'),
  invalidGrant: (message: string) => new JsonApiError(400, 'InvalidGrantException', message, 'invalid_grant'),
  unsupportedGrantType: (grantType: string) =>
    new JsonApiError(400, 'UnsupportedGrantTypeException', `Unsupported grant type: ${grantType}`, 'unsupported_grant_type'),
  invalidScope: (message: string) => new JsonApiError(400, 'InvalidScopeException', message, 'invalid_scope'),
};

export const portalErrors = {
  unauthorized: (message = 'Session token not found or invalid') => new JsonApiError(401, 'UnauthorizedException', message),
  forbidden: (message = 'No access') => new JsonApiError(403, 'ForbiddenException', message),
};

export const tooManyRequests = () => new JsonApiError(429, 'TooManyRequestsException', 'Rate exceeded');

/** The exception name a fault-injected status is reported as. */
export function exceptionForStatus(status: number): string {
  if (status === 400) return 'InvalidRequestException';
  if (status === 401) return 'UnauthorizedException';
  if (status === 403) return 'ForbiddenException';
  if (status === 404) return 'ResourceNotFoundException';
  if (status === 429) return 'TooManyRequestsException';
  if (status === 502 || status === 503 || status === 504) return 'ServiceUnavailableException';
  return 'InternalServerException';
}

/** The STS error code a fault-injected status is reported as. */
export function stsCodeForStatus(status: number): string {
  if (status === 429) return 'Throttling';
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalFailure';
  if (status === 403) return 'AccessDenied';
  return 'InvalidParameterValue';
}

// STS on the wire (query protocol, XML answers) and who signed a request: the SigV4 signature is
// checked by rebuilding the request and signing it again with the caller's secret, one the
// emulator issued or an IAM user's long-term key from the fixture. The actions are in stsActions.ts.
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { StsError } from './awsErrors.js';
import { type Ctx, send } from './http.js';
import { type CallerIdentity, userIdentity } from './iam.js';
import { constantTimeEqual, requestId } from './ids.js';
import type { IssuedCredential } from './state.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function sendStsError(ctx: Pick<Ctx, 'res'>, err: StsError): void {
  const xml =
    `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${err.kind}</Type>\n    <Code>${escapeXml(err.code)}</Code>\n` +
    `    <Message>${escapeXml(err.message)}</Message>\n  </Error>\n  <RequestId>${requestId()}</RequestId>\n</ErrorResponse>\n`;
  send(ctx.res, err.status, 'text/xml', xml);
}

/** The query parameters of an STS call: the form body of a POST, or the URL query of a GET. */
export function stsParams(ctx: Pick<Ctx, 'req' | 'url' | 'body'>): URLSearchParams {
  return ctx.req.method === 'POST' ? new URLSearchParams(ctx.body.toString('utf8')) : ctx.url.searchParams;
}

/** An action's answer: `<ActionResponse><ActionResult>result</ActionResult><ResponseMetadata/></ActionResponse>`. */
export function sendStsResult(ctx: Pick<Ctx, 'res'>, action: string, result: string): void {
  const xml =
    `<${action}Response xmlns="${NS}">\n  <${action}Result>\n${result}  </${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  send(ctx.res, 200, 'text/xml', xml);
}

/** Who signed a request: their identity, and the session behind it (none for long-term keys). */
export interface SignedCaller {
  identity: CallerIdentity;
  session?: IssuedCredential;
}

const invalidToken = () => new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');

/** The secret an access key signs with, and who it stands for; throws as STS does for unknown or expired keys. */
function lookUpCaller(ctx: Ctx, accessKeyId: string, token: string | undefined): SignedCaller & { secretAccessKey: string; sessionToken?: string } {
  const session = ctx.state.credentials.get(accessKeyId);
  if (session) {
    if (!token || !constantTimeEqual(token, session.sessionToken)) throw invalidToken();
    if (session.expiresAt <= Date.now()) throw new StsError(400, 'ExpiredToken', 'The security token included in the request is expired');
    return { identity: session.identity, session, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  }
  const longTerm = ctx.state.org.iam.accessKeys.get(accessKeyId);
  // Long-term keys sign without a session token; sending one is an invalid token, as on AWS.
  if (!longTerm || token) throw invalidToken();
  return { identity: userIdentity(longTerm.user, 'iam-user', false), secretAccessKey: longTerm.secretAccessKey };
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) throw new StsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const match = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(header);
  if (!match) throw new StsError(400, 'IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature (AWS4-HMAC-SHA256)');
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signedHeaders!.split(';'), signature: signature! };
}

function parseAmzDate(value: string | undefined): Date {
  const match = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new StsError(400, 'IncompleteSignature', 'X-Amz-Date header is missing or malformed');
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Checks the request's SigV4 signature (temporary credentials or an IAM user's long-term key); returns who signed it. */
export async function verifySignature(ctx: Ctx): Promise<SignedCaller> {
  const { req } = ctx;
  const auth = parseAuthorization(headerValue(req.headers.authorization));
  const { secretAccessKey, sessionToken, ...caller } = lookUpCaller(ctx, auth.accessKeyId, headerValue(req.headers['x-amz-security-token']));

  const signingDate = parseAmzDate(headerValue(req.headers['x-amz-date']));
  if (Math.abs(ctx.state.serverTime() - signingDate.getTime()) > 15 * 60_000)
    throw new StsError(403, 'SignatureDoesNotMatch', 'Signature expired: the request time is more than 15 minutes from the server time.');

  const payloadHeader = headerValue(req.headers['x-amz-content-sha256']);
  if (payloadHeader && payloadHeader !== createHash('sha256').update(ctx.body).digest('hex'))
    throw new StsError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');

  // Rebuild the request with exactly the headers the client signed, then sign it again.
  const signed = new Set(auth.signedHeaders);
  const headers: Record<string, string> = {};
  const unsignable = new Set<string>(['x-amz-content-sha256', 'x-amz-security-token', 'x-amz-date']);
  for (const [name, value] of Object.entries(req.headers)) {
    const text = headerValue(value);
    if (text === undefined) continue;
    headers[name] = text;
    unsignable.add(name);
  }
  for (const name of signed) {
    unsignable.delete(name);
    if (headers[name] === undefined) throw new StsError(403, 'SignatureDoesNotMatch', `The request signature names header ${name}, which was not sent.`);
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(ctx.url.searchParams.keys())) {
    const values = ctx.url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey, sessionToken },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
  });
  const resigned = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: ctx.url.hostname,
      port: ctx.url.port ? Number(ctx.url.port) : undefined,
      path: ctx.url.pathname,
      query,
      headers,
      body: ctx.body.length ? ctx.body : undefined,
    },
    { signingDate, signingRegion: auth.region, signingService: auth.service, unsignableHeaders: unsignable, signableHeaders: signed },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization ?? resigned.headers.Authorization))?.[1] ?? '';
  if (!constantTimeEqual(expected, auth.signature))
    throw new StsError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  return caller;
}

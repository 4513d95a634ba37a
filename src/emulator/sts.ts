// STS GetCallerIdentity (query protocol, XML). The SigV4 signature is checked by rebuilding
// the request and signing it again with the secret the emulator issued for that access key.
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { StsError } from './awsErrors.js';
import { type Ctx, send } from './http.js';
import { constantTimeEqual, requestId, reservedRoleSuffix, roleId } from './ids.js';
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
export function stsParams(ctx: Ctx): URLSearchParams {
  return ctx.req.method === 'POST' ? new URLSearchParams(ctx.body.toString('utf8')) : ctx.url.searchParams;
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

/** Checks the request's SigV4 signature; returns the credential it was signed with. */
export async function verifySignature(ctx: Ctx): Promise<IssuedCredential> {
  const { req } = ctx;
  const auth = parseAuthorization(headerValue(req.headers.authorization));
  const credential = ctx.state.credentials.get(auth.accessKeyId);
  if (!credential) throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const token = headerValue(req.headers['x-amz-security-token']);
  if (!token || !constantTimeEqual(token, credential.sessionToken))
    throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (credential.expiresAt <= Date.now()) throw new StsError(400, 'ExpiredToken', 'The security token included in the request is expired');

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
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, sessionToken: credential.sessionToken },
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
  return credential;
}

export async function getCallerIdentity(ctx: Ctx): Promise<void> {
  const params = stsParams(ctx);
  const action = params.get('Action');
  if (action !== 'GetCallerIdentity')
    throw new StsError(400, 'InvalidAction', `Could not find operation ${action ?? '(none)'} for version ${params.get('Version') ?? '(none)'}`);
  const credential = await verifySignature(ctx);
  const { accountId, roleName, username } = credential;
  const arn = `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_${reservedRoleSuffix(accountId, roleName)}/${username}`;
  const xml =
    `<GetCallerIdentityResponse xmlns="${NS}">\n  <GetCallerIdentityResult>\n    <Arn>${escapeXml(arn)}</Arn>\n` +
    `    <UserId>${roleId(accountId, roleName)}:${escapeXml(username)}</UserId>\n    <Account>${accountId}</Account>\n` +
    `  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${requestId()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
  send(ctx.res, 200, 'text/xml', xml);
}

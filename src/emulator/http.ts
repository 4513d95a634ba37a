// Small helpers shared by the route modules: the request context and the response writers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest, JsonApiError } from './awsErrors.js';
import { requestId } from './ids.js';
import type { EmulatorState } from './state.js';

export interface Ctx {
  state: EmulatorState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
}

export type Handler = (ctx: Ctx) => Promise<void> | void;

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId(),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

export const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json', JSON.stringify(value));

export const sendHtml = (res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}) =>
  send(res, status, 'text/html; charset=utf-8', html, headers);

export function redirect(res: ServerResponse, location: string, status = 302, headers: Record<string, string> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', `Redirecting to ${location}\n`, { location, ...headers });
}

/** The AWS rest-json error: exception name in x-amzn-ErrorType, OAuth-style body plus message. */
export function sendJsonError(res: ServerResponse, err: JsonApiError): void {
  send(
    res,
    err.status,
    'application/json',
    JSON.stringify({ error: err.oauthCode ?? err.type, error_description: err.message, message: err.message }),
    { 'x-amzn-ErrorType': err.type },
  );
}

/** Parses a JSON object body; an empty body is an empty object. */
export function jsonBody(ctx: Ctx): Record<string, unknown> {
  const text = ctx.body.toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('The request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function formBody(ctx: Ctx): URLSearchParams {
  return new URLSearchParams(ctx.body.toString('utf8'));
}

export function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw invalidRequest(`${name} is required and must be a string`);
  return value;
}

export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`${name} must be a string`);
  return value;
}

export function optionalStringList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalidRequest(`${name} must be a list of strings`);
  return value as string[];
}

export function optionalNumber(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidRequest(`${name} must be a non-negative number`);
  return value;
}

export function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return jar;
}

export { JsonApiError };

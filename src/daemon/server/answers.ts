// How the daemon's servers (the socket API and the loopback auto-refresh endpoint) turn a failure
// into what they send, and how they stream events: one place, so both answer alike.
import type { ServerResponse } from 'node:http';
import { KeyfobError } from '../../core/errors.js';
import type { DaemonLog } from './log.js';

/** The error to send: a KeyfobError as it is; anything else is logged with its stack and sent as a generic 500. */
export function knownError(err: unknown, log: DaemonLog, what: string): KeyfobError {
  if (err instanceof KeyfobError) return err;
  log.error(what, { error: (err as Error)?.stack ?? String(err) });
  return new KeyfobError('Internal', 'internal daemon error; see KEYFOB_HOME/daemon.log', 500);
}

/** A JSON answer of known length; `headers` adds to the content headers (e.g. connection: close). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A text answer of known length (the shims' scripts, and refusals as one line to print). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A serialised answer: the body's bytes and its headers (a flat [name, value, …] list, as writeHead takes it). */
interface ReadyAnswer {
  body: Buffer;
  headers: string[];
}

/** Keyed by the answered object: a new object (new credentials) means a new answer, and the old one goes with it. */
const readyAnswers = new WeakMap<object, ReadyAnswer>();

/**
 * A 200 JSON answer for an object that never changes once made (a frozen credential_process
 * output, see toCredentialProcessOutput): serialised on the first request, then the same bytes
 * and headers for every request until the object is replaced. A warm request does no JSON work.
 */
export function sendReadyJson(res: ServerResponse, value: object): void {
  let answer = readyAnswers.get(value);
  if (!answer) {
    const body = Buffer.from(JSON.stringify(value));
    answer = { body, headers: ['content-type', 'application/json', 'content-length', String(body.length)] };
    readyAnswers.set(value, answer);
  }
  res.writeHead(200, answer.headers);
  res.end(answer.body);
}

/**
 * An NDJSON answer (sign-in, account listing): one event per line, sent without chunked framing,
 * and the connection closes at the end, so a plain client reads lines until EOF.
 */
export function ndjsonStream<E>(res: ServerResponse): (event: E) => void {
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, { 'content-type': 'application/x-ndjson', connection: 'close' });
  return (event: E) => void res.write(`${JSON.stringify(event)}\n`);
}

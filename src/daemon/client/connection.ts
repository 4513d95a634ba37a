// The lean socket client: node:net and a few lines of HTTP/1.1. No yargs, no AWS SDK, no
// config parsing — this is on the credential_process hot path. Starts the daemon on demand.
// One room just over 300 lines: the one request every client makes (the trust check, the raw
// HTTP/1.1 exchange with its bounds, starting the daemon when none answers, reading the answer);
// split, each part would need the others' bounds and errors to be read.
import { connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { DaemonUnavailableError, KeyfobError } from '../../core/errors.js';
import { join } from 'node:path';
import { configFile, credentialsFile, installRoot, socketLocation } from '../../core/paths.js';
import { CREDENTIAL_VARIABLES } from '../../core/credentialVariables.js';
import { quotePosix } from '../../core/shellWords.js';
import { SOCKET_ELSEWHERE, socketProblem, UntrustedPathError } from '../../core/trustedPath.js';
import { ENVIRONMENT_HEADER, ROUTES, type ErrorBody } from '../protocol.js';

export interface DaemonResponse {
  status: number;
  body: string;
}

const START_TIMEOUT_MS = 10_000;
/**
 * How long the daemon may stay silent before the client gives up: longer than its own bounded
 * upstream retries (30 s), so only a hung or fake daemon hits it. Streams (sign-in waits for a
 * human) get longer.
 */
const ANSWER_TIMEOUT_MS = 45_000;
const STREAM_TIMEOUT_MS = 15 * 60_000;

/** Refuse a socket another user could have made: see trustedPath.ts. */
export function assertTrustedSocket(socketPath: string): void {
  const problem = socketProblem(socketPath, SOCKET_ELSEWHERE);
  if (problem) throw new UntrustedPathError('the keyfob socket', socketPath, problem);
}

/** Errors that mean "nobody is listening" (start a daemon) or "it died mid-request" (restart, retry once). */
const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED']);
const DIED_MID_REQUEST = new Set(['ECONNRESET', 'EPIPE', 'ERR_DAEMON_CLOSED']);

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? '';
}

/** What went wrong with a connection, for the one-line error. */
function failure(err: unknown): string {
  const code = errno(err);
  return code === 'ERR_DAEMON_SILENT' || !code ? (err as Error).message : code;
}

/**
 * One request, one connection, to a socket that passed the trust check. `onData` sees the body
 * as it streams (for login events).
 */
export function rawRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  onData?: (text: string) => void,
  headers: Record<string, string> = {},
): Promise<DaemonResponse> {
  return new Promise((resolve, reject) => {
    assertTrustedSocket(socketPath);
    const payload = body === undefined ? '' : JSON.stringify(body);
    const socket = connect(socketPath);
    const silentFor = onData ? STREAM_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
    socket.setTimeout(silentFor, () => {
      socket.destroy(Object.assign(new Error(`no answer within ${silentFor / 1000}s`), { code: 'ERR_DAEMON_SILENT' }));
    });
    const chunks: Buffer[] = [];
    let received = 0;
    let headerEnd = -1;
    const decoder = new StringDecoder('utf8');
    socket.on('connect', () => {
      // write, not end: the http server aborts a request whose client half-closes early.
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: keyfob\r\nConnection: close\r\n` +
          Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('') +
          (payload ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n` : '') +
          `\r\n${payload}`,
      );
    });
    let contentLength: number | undefined;
    const finish = () => {
      const all = Buffer.concat(chunks, received);
      const head = all.subarray(0, headerEnd).toString('latin1');
      let bodyBytes: Buffer = all.subarray(headerEnd + 4);
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) bodyBytes = dechunk(bodyBytes);
      resolve({ status: Number(head.split(' ', 2)[1]), body: bodyBytes.toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (headerEnd < 0) {
        const sofar = Buffer.concat(chunks, received);
        headerEnd = sofar.indexOf('\r\n\r\n');
        if (headerEnd >= 0) {
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(sofar.subarray(0, headerEnd).toString('latin1'));
          contentLength = length ? Number(length[1]) : undefined;
          // Streaming responses are sent unchunked (the daemon closes the connection at the end).
          if (onData) onData(decoder.write(sofar.subarray(headerEnd + 4)));
        }
      } else if (onData) {
        onData(decoder.write(chunk));
      }
      // A whole answer of known length: done now, without waiting for the daemon to close.
      if (contentLength !== undefined && headerEnd >= 0 && received - headerEnd - 4 >= contentLength) {
        socket.removeAllListeners('close');
        socket.destroy();
        finish();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (headerEnd < 0) {
        reject(Object.assign(new Error('daemon closed the connection'), { code: 'ERR_DAEMON_CLOSED' }));
        return;
      }
      finish();
    });
  });
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', i);
    if (lineEnd < 0) break;
    const size = parseInt(bytes.subarray(i, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Start `keyfob daemon run` in the background, detached from this process, and wait until it
 * answers. If it dies first, its own one-line error (e.g. an unsafe socket dir) is the error.
 */
export async function startDaemonInBackground(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { spawn } = await import('node:child_process'); // off the warm path
  // The daemon lives on: it must not keep (or pass to a browser) credentials a shell had assumed.
  const daemonEnv = { ...env };
  // Credentials an `assume` may have put in the environment of whoever starts the daemon.
  for (const name of CREDENTIAL_VARIABLES) delete daemonEnv[name];
  const child = spawn(process.execPath, [await daemonBundle()], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: daemonEnv });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code) => {
      const line = stderr.trim().split('\n').pop()?.replace(/^keyfob: /, '');
      // Another client may have won the race to start it: that one will answer. But a daemon
      // already running at another socket never will here: its line names both places.
      if (line?.includes('already running, at ')) return reject(new KeyfobError('AlreadyRunning', line, 409));
      if (line?.includes('already running')) return;
      reject(new DaemonUnavailableError(line || `it exited with code ${code} on start`));
    }),
  );
  // A daemon that died stops the wait too: nothing else may keep this client alive for its bound.
  const gaveUp = new AbortController();
  try {
    await Promise.race([waitForSocket(socketLocation(env).path, gaveUp.signal), died]);
  } finally {
    gaveUp.abort();
    child.stderr!.destroy();
    child.unref();
  }
}

/** dist/daemon.mjs of this install. */
async function daemonBundle(): Promise<string> {
  const { existsSync } = await import('node:fs');
  const bundle = join(installRoot(), 'dist', 'daemon.mjs');
  if (!existsSync(bundle)) throw new DaemonUnavailableError('cannot find dist/daemon.mjs to start it; run: npm run build');
  return bundle;
}

export async function waitForSocket(socketPath: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let delay = 10; Date.now() < deadline && !signal?.aborted; delay = Math.min(delay * 2, 200)) {
    try {
      const res = await rawRequest(socketPath, 'GET', ROUTES.ping);
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new DaemonUnavailableError(`it did not start within ${START_TIMEOUT_MS / 1000}s; see KEYFOB_HOME/daemon.log`);
}

export interface RequestOptions {
  env?: NodeJS.ProcessEnv;
  /** Do not start a daemon when none answers (status, stop). */
  noStart?: boolean;
  onData?: (chunk: string) => void;
}

/**
 * The request target with the config file this caller resolved: the daemon answers from that file.
 * A remote machine on a forwarded socket (KEYFOB_NO_START=1) names none: its files are not where
 * the daemon runs, so the daemon's own config answers.
 */
export function withConfig(path: string, env: NodeJS.ProcessEnv): string {
  if (env.KEYFOB_NO_START === '1') return path;
  const files = `config=${encodeURIComponent(configFile(env))}&credentials=${encodeURIComponent(credentialsFile(env))}`;
  return `${path}${path.includes('?') ? '&' : '?'}${files}`;
}

/** Ask the daemon, starting it if nobody answers, and retrying once if it dies mid-request. */
export async function daemonRequest(method: string, route: string, body?: unknown, opts: RequestOptions = {}): Promise<DaemonResponse> {
  const env = opts.env ?? process.env;
  const socketPath = socketLocation(env).path;
  const path = withConfig(route, env);
  let res = await requestStartingDaemon(socketPath, method, path, body, opts, env);
  // credential_source = Environment: the daemon cannot see this process's environment, so it asks;
  // the keys go once, in a header, only then (never in the URL, never for other profiles).
  let headers: Record<string, string> | undefined;
  if (res.status === 428 && res.body.includes('"NeedsEnvironment"')) {
    headers = environmentHeader(env);
    if (headers) res = await rawRequest(socketPath, method, path, body, opts.onData, headers);
  }
  // Another tool's credential_process: it runs here, in the caller's directory (processNeed.ts).
  if (res.status === 428 && res.body.includes('"NeedsProcess"') && env.KEYFOB_NO_START !== '1') {
    const { answerProcessNeed, processNeedOf } = await import('./processNeed.js');
    const profile = processNeedOf(res);
    if (profile) res = await answerProcessNeed(profile, env, headers ?? {}, (extra) => rawRequest(socketPath, method, path, body, opts.onData, extra));
  }
  return res;
}

/** This process's AWS_ACCESS_KEY_ID… as the daemon's ENVIRONMENT_HEADER; undefined when they are not set. */
export function environmentHeader(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN;
  const keys = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  return { [ENVIRONMENT_HEADER]: Buffer.from(JSON.stringify(keys)).toString('base64') };
}

async function requestStartingDaemon(socketPath: string, method: string, path: string, body: unknown, opts: RequestOptions, env: NodeJS.ProcessEnv): Promise<DaemonResponse> {
  try {
    return await rawRequest(socketPath, method, path, body, opts.onData);
  } catch (err) {
    if (err instanceof KeyfobError) throw err; // an untrusted socket: never start a daemon around it
    const code = errno(err);
    if (opts.noStart && NOT_LISTENING.has(code)) throw new DaemonUnavailableError(`no daemon at ${socketPath}`);
    // A remote machine using a forwarded socket (ssh -R) must never start a daemon of its own there.
    if (env.KEYFOB_NO_START === '1' && NOT_LISTENING.has(code)) {
      throw new DaemonUnavailableError(`nothing answers at ${socketPath} and KEYFOB_NO_START=1; is the ssh forward up (ssh -R ${quotePosix(`${socketPath}:LOCAL_SOCKET`)})?`);
    }
    if (!NOT_LISTENING.has(code) && !DIED_MID_REQUEST.has(code)) throw new DaemonUnavailableError(`${failure(err)} on ${socketPath}`);
  }
  await startDaemonInBackground(env);
  try {
    return await rawRequest(socketPath, method, path, body, opts.onData);
  } catch (err) {
    if (err instanceof KeyfobError) throw err;
    throw new DaemonUnavailableError(`${failure(err)} on ${socketPath}`);
  }
}

/** Parse a JSON answer, turning the daemon's error body into a KeyfobError with its message. */
export function parseAnswer<T>(res: DaemonResponse): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    throw new DaemonUnavailableError(`unreadable answer (HTTP ${res.status})`);
  }
  if (res.status >= 400) {
    const e = (parsed as Partial<ErrorBody>).error;
    const err = new KeyfobError(e?.code ?? 'DaemonError', e?.message ?? `daemon answered HTTP ${res.status}`, res.status);
    throw Object.assign(err, { ssoSession: e?.ssoSession, mfaSerial: e?.mfaSerial, mfaProfile: e?.mfaProfile, startUrl: e?.startUrl, ssoRegion: e?.ssoRegion });
  }
  return parsed as T;
}

/**
 * A streamed NDJSON answer (sign-in, account listing): `onEvent` sees each event as it arrives.
 * A refused request (HTTP 4xx/5xx with a JSON error body) throws that error.
 */
export async function daemonEvents<E extends { event: string }>(
  method: string,
  path: string,
  body: unknown,
  onEvent: (event: E) => void,
  opts: RequestOptions = {},
): Promise<void> {
  let buffered = '';
  const dispatch = (line: string) => {
    if (!line.trim()) return;
    let parsed: Partial<E>;
    try {
      parsed = JSON.parse(line) as Partial<E>;
    } catch {
      return; // not an event: the body of a refusal, read below
    }
    if (typeof parsed.event === 'string') onEvent(parsed as E);
  };
  const res = await daemonRequest(method, path, body, {
    ...opts,
    onData: (text) => {
      buffered += text;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        dispatch(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    },
  });
  if (res.status >= 400) parseAnswer(res);
  dispatch(buffered);
}

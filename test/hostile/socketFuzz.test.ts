// Socket fuzz (issue 7): 10,000 generated malformed requests against one real daemon on its Unix
// socket, one test per input class (garbage, broken request lines, bad headers, invalid chunked
// encoding, wrong Content-Length, bad JSON on each POST route, huge headers, huge bodies, unknown
// routes, hostile names in query strings, slow-loris clients), each from a pool of raw `node:net`
// sockets. A warm-up of half of every class, mixed, runs first and sets the memory baseline.
// Throughout, the good request keeps getting credentials (over the socket and through a real
// `keyfob credential-process`), the daemon keeps its pid, its memory stays flat, and no answer
// carries a stack trace or a secret. fast-check generates the cases from a fixed seed
// (KEYFOB_FUZZ_SEED overrides it; the seed is printed).
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/daemon/protocol.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { waitFor } from '../helpers/waitFor.js';

const PROFILE = 'Experiments/AdministratorAccess';
const SESSION = 'd-9067c0ffee';
const TOTAL = 10_000;
const CONCURRENCY = 50;
const SEED = Number(process.env.KEYFOB_FUZZ_SEED ?? 0x6b6579);
const MAX_BODY = 64 * 1024;
/** How long a case that may legitimately get no answer (an incomplete request) is given. */
const SHORT_IDLE_MS = 400;
/** How long a case that must be answered is given, under load on a shared 2-core machine. */
const LONG_IDLE_MS = 8_000;
const SLOW_LORIS = 4;

// 'response': an answer must come; 'maybe': any outcome but a 5xx; 'answer-or-close': an answer, or
// the daemon closing the connection, never silence.
type Expect = 'response' | 'maybe' | 'answer-or-close';
interface Case {
  kind: string;
  bytes: Buffer;
  expect: Expect;
  /** Statuses allowed when an answer comes; undefined: any below 500. */
  statuses?: number[];
  head?: boolean;
  note: string;
}
interface Outcome {
  status?: number;
  raw: string;
  timedOut: boolean;
  error?: string;
  ms: number;
}

// ---------------------------------------------------------------------------------------------
// A raw client: write the bytes, then read until the first answer is complete, the daemon closes,
// or nothing has arrived for idleMs. Never reuses a connection.
function exchange(socketPath: string, bytes: Buffer | Buffer[], idleMs: number, head = false, gapMs = 0): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = createConnection(socketPath);
    let buf = Buffer.alloc(0);
    let error: string | undefined;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      sock.destroy();
      const raw = buf.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ status: m ? Number(m[1]) : undefined, raw, timedOut: timedOut && !m, error, ms: Date.now() - started });
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish(true), idleMs);
    };
    sock.on('data', (d: Buffer) => {
      if (buf.length < 1 << 20) buf = Buffer.concat([buf, d]);
      arm();
      const headerEnd = buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      if (head) return finish(false);
      const headers = buf.subarray(0, headerEnd).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
      if (length && buf.length >= headerEnd + 4 + Number(length[1])) finish(false);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
    });
    sock.on('close', () => finish(false));
    sock.on('connect', async () => {
      const parts = Array.isArray(bytes) ? bytes : [bytes];
      for (const part of parts) {
        if (done) return;
        sock.write(part);
        // Dribbling bytes at a fixed pace is what a slow-loris client does: this sleep is the attack.
        if (gapMs) {
          arm();
          await new Promise((r) => setTimeout(r, gapMs));
        }
      }
      arm();
    });
    arm();
  });
}

/** A good GET over the socket through node:http. */
function goodRequest(socketPath: string): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: `${ROUTES.credentials}?profile=${encodeURIComponent(PROFILE)}`, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('good request timed out')));
    req.on('error', reject);
    req.end();
  });
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// Generation
const CRLF = '\r\n';
const b = (s: string) => Buffer.from(s, 'latin1');
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const VALID = new Set(['GET /v1/ping', 'GET /v1/credentials', 'GET /v1/accounts', 'GET /v1/profiles', 'GET /v1/profiles/list', 'GET /v1/assume', 'GET /v1/shell/assume',
  'GET /v1/status', 'POST /v1/login', 'POST /v1/logout', 'POST /v1/container-tokens', 'POST /v1/container-tokens/revoke', 'POST /v1/shutdown', 'POST /v1/mfa',
  'POST /v1/iam-users', 'POST /v1/iam-users/remove']);
const POST_ROUTES = [ROUTES.login, ROUTES.logout, ROUTES.containerTokens, ROUTES.revokeContainerToken];
const QUERY_ROUTES = [ROUTES.credentials, ROUTES.assume, `${ROUTES.shellAssume}?shell=bash&`, `${ROUTES.shellAssume}?shell=fish&`, ROUTES.accounts];
const REAL_NAMES = new Set([SESSION, PROFILE]);

/** Percent-encodes the UTF-8 bytes of s, leaving only unreserved characters (works for lone surrogates too). */
function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function requestBytes(method: string, target: string, headers: string[], body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([b(`${method} ${target} HTTP/1.1${CRLF}${headers.map((h) => h + CRLF).join('')}${CRLF}`), body]);
}

const connectionHeader = fc.constantFrom<string[]>([], ['Connection: close'], ['Connection: keep-alive']);

const HOSTILE_NAMES = [
  '$(touch /tmp/kf-fuzz-canary)', '`id`', "it's \"quoted\"", 'a;b|c&d', 'new\nline', 'tab\there', ']#;comment', '\u202Eevil\u202C',
  '🚀 حساب', '../../etc/passwd', '%00', '\0', 'Experiments/AdministratorAccess\n', 'Experiments/AdministratorAccess ', ' Experiments/AdministratorAccess',
  'experiments/administratoraccess', 'Experiments//AdministratorAccess', '{account_name}', '${HOME}', '\x1b]0;pwned\x07', 'x'.repeat(5000), '\uFEFF', '\uD800',
];
const hostileName = fc
  .oneof(
    fc.constantFrom(...HOSTILE_NAMES),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
    fc.string({ unit: fc.constantFrom('$', '(', ')', '`', "'", '"', ';', '|', '&', '\n', '\t', ']', '#', '/', '%', '\\', 'a'), maxLength: 60 }),
    fc.integer({ min: 1_000, max: 14_000 }).map((n) => 'L'.repeat(n)),
  )
  .filter((s) => !REAL_NAMES.has(s));

/** Query-string values the way a hostile client writes them: encoded, raw, or with broken escapes. */
const hostileQueryValue = fc.oneof(
  { weight: 5, arbitrary: hostileName.map(pct) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%C0%80', '%ED%A0%80', '%FF%FE', '%2', 'a%', '%%%', '+%2B+', '&profile=', '=', '#frag') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', '!', '$', "'", '(', ')', '*', ',', ';', '=', ':', '@', '/', '?', '[', ']', '|', '^', '{', '}', '"', '<', '>', '\\'), maxLength: 40 }) },
);

const garbage: fc.Arbitrary<Case> = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.boolean())
  .map(([bytes, terminate]) => ({ kind: 'garbage', bytes: Buffer.concat([Buffer.from(bytes), b(terminate ? CRLF + CRLF : '')]), expect: 'maybe' as Expect, note: `${bytes.length} random bytes` }));

const badRequestLine: fc.Arbitrary<Case> = fc
  .record({
    method: fc.oneof(fc.constantFrom('GET', 'get', 'G ET', '', 'GET GET', 'POST\0', 'ÄÖÜ', 'X'.repeat(300), '\tGET'), fc.string({ unit: 'grapheme-ascii', maxLength: 12 })),
    target: fc.oneof(fc.constantFrom('/v1/ping', '', ' ', '/v1/ping extra', 'v1/ping', '*', '/v1/\x01ping', '/v1/\x7fping', 'http://[::1', '//v1/ping', '/v1/ping\0'), fc.string({ unit: 'grapheme-ascii', maxLength: 100 })),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1', 'HTTP/1.1.1', 'HTTPS/1.1', 'http/1.1', '', 'HTTP/1.1 extra', 'HTTP/0.9', 'HTTP/2.0'),
    eol: fc.constantFrom(CRLF, '\n', '\r', '\n\r', ''),
  })
  .filter(({ method, target, version, eol }) => !(VALID.has(`${method} ${target}`) && version === 'HTTP/1.1' && eol === CRLF))
  .map(({ method, target, version, eol }) => ({
    kind: 'bad request line',
    bytes: b(`${method} ${target} ${version}${eol}Host: keyfob${eol}Connection: close${eol}${eol}`),
    expect: 'maybe' as Expect,
    note: JSON.stringify(`${method} ${target} ${version}`).slice(0, 120),
  }));

const BAD_HEADERS = [
  'NoColonHere', 'Bad Name: x', 'Name : x', ': empty-name', 'X-Ctl: a\x01b', 'X-Nul: a\0b', ' obs-fold: x', '\tX-Tab: x', 'X-Del: \x7f', 'Über: x',
  'Content-Length: abc', 'Content-Length: -5', 'Content-Length: 1e3', 'Content-Length: 0x10', 'Content-Length: 99999999999999999999999',
  'Content-Length: 5\r\nContent-Length: 6', 'Content-Length: 0\r\nTransfer-Encoding: chunked', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: identity', 'Transfer-Encoding: chünked', 'Host: a\r\nHost: b', 'Expect: 100-continue', 'Expect: nonsense', 'Upgrade: websocket\r\nConnection: Upgrade',
  'X: \r\n continued', 'Content-Type: application/json; charset=ébc', 'Connection: close, close, keep-alive, upgrade',
];
const badHeaders: fc.Arbitrary<Case> = fc
  .record({
    route: fc.constantFrom(`GET ${ROUTES.ping}`, `POST ${ROUTES.logout}`, `POST ${ROUTES.revokeContainerToken}`, `GET ${ROUTES.status}`),
    bad: fc.oneof(fc.constantFrom(...BAD_HEADERS), fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 30 }), fc.string({ unit: 'binary-ascii', maxLength: 60 })).map(([n, v]) => `${n}: ${v}`)),
    withHost: fc.boolean(),
    manyHeaders: fc.oneof({ weight: 7, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 2500 }) }),
  })
  .map(({ route, bad, withHost, manyHeaders }) => {
    const [method, path] = route.split(' ');
    const headers = [...(withHost ? ['Host: keyfob'] : []), bad, 'Connection: close'];
    if (manyHeaders) for (let i = 0; i < manyHeaders; i++) headers.push(`X-H${i}: ${i}`);
    return { kind: 'bad header', bytes: requestBytes(method, path, headers), expect: 'maybe' as Expect, note: JSON.stringify(bad).slice(0, 120) };
  });

const badChunked: fc.Arbitrary<Case> = fc
  .record({
    route: fc.constantFrom(...POST_ROUTES),
    chunks: fc.array(
      fc.oneof(
        fc.constantFrom('zz\r\nabc\r\n', '-1\r\nabc\r\n', 'ffffffffffffffffffffffff\r\nabc\r\n', '3\r\nabcXX', '3;ext=\x01\r\nabc\r\n', '3 \r\nabc\r\n', ' 3\r\nabc\r\n',
          '0x3\r\nabc\r\n', '3\nabc\n', '3\r\nab', '10\r\nabc\r\n', '3\r\nabc\r\n0\r\nTrailer\x01: x\r\n\r\n', '0\r\n', '\r\n', 'G\r\n', '3\r\n{}}\r\n0\r\n\r\n'),
        fc.string({ unit: 'binary-ascii', maxLength: 40 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ route, chunks }) => ({
    kind: 'bad chunked',
    bytes: Buffer.concat([requestBytes('POST', route, ['Host: keyfob', 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close']), b(chunks.join(''))]),
    expect: 'maybe' as Expect,
    note: JSON.stringify(chunks.join('')).slice(0, 120),
  }));

const wrongContentLength: fc.Arbitrary<Case> = fc
  .record({ route: fc.constantFrom(...POST_ROUTES), body: fc.constantFrom('{"ssoSession":"nope"}', '{"token":"abc"}', '{"profile":"Nope/Role"}', '{}'), delta: fc.integer({ min: -20, max: 5000 }).filter((d) => d !== 0) })
  .map(({ route, body, delta }) => {
    const declared = Math.max(0, body.length + delta);
    // Fewer bytes declared than sent: the rest is a second, broken request, but the first answer must come.
    const short = declared < body.length;
    return {
      kind: 'wrong content-length',
      bytes: requestBytes('POST', route, ['Host: keyfob', 'Content-Type: application/json', `Content-Length: ${declared}`], b(body)),
      expect: short ? ('response' as Expect) : ('maybe' as Expect),
      statuses: short ? [200, 400, 404] : undefined,
      note: `${route} declared ${declared} sent ${body.length}`,
    };
  });

const jsonAll = fc.jsonValue({ maxDepth: 3 });
const badJson = (postRoute: string): fc.Arbitrary<Case> => fc
  .record({
    route: fc.constant(postRoute),
    body: fc.oneof(
      fc.string({ maxLength: 200 }).map(utf8),
      fc.string({ unit: 'binary', maxLength: 200 }).map(utf8),
      jsonAll.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => utf8(JSON.stringify(v))),
      fc.json({ maxDepth: 3 }).filter((s) => s.length > 1).chain((s) => fc.integer({ min: 1, max: s.length - 1 }).map((n) => utf8(s.slice(0, n)))),
      fc.dictionary(fc.constantFrom('ssoSession', 'profile', 'token', 'all', 'method', 'browserEnv', 'exportToAwsCli', '__proto__', 'constructor', 'toString'), jsonAll, { maxKeys: 5 })
        .map((o) => utf8(JSON.stringify(o))),
      fc.record({ key: fc.constantFrom('ssoSession', 'profile', 'token'), value: hostileName }).map(({ key, value }) => utf8(JSON.stringify({ [key]: value }))),
      fc.integer({ min: 100, max: 30_000 }).map((n) => b('['.repeat(n) + ']'.repeat(n))),
      fc.integer({ min: 100, max: 6_000 }).map((n) => b('{"a":'.repeat(n) + '1' + '}'.repeat(n))),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.constantFrom('', ' ', '\uFEFF{}', '{"ssoSession": "\uD800"}', '{"all": "true"}', '{"all": 1}', '{"token": null}', '{"profile": ""}', 'null', 'NaN', '{,}', "{'a':1}").map(utf8),
    ),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
    connection: connectionHeader,
  })
  .filter(({ body }) => {
    // Never a request that really signs out, signs in or issues a token: only bad input here.
    try {
      const parsed = JSON.parse(body.toString('utf8'));
      if (parsed && typeof parsed === 'object' && (parsed.all === true || [parsed.ssoSession, parsed.profile].some((v) => REAL_NAMES.has(v)))) return false;
    } catch {
      // not JSON: fine
    }
    return true;
  })
  .map(({ route, body, contentType, connection }) => ({
    kind: `bad json on ${route}`,
    bytes: requestBytes('POST', route, ['Host: keyfob', ...(contentType ? [`Content-Type: ${contentType}`] : []), `Content-Length: ${body.length}`, ...connection], body),
    expect: 'response' as Expect,
    // 200 only from revoke, whose answer to an unknown token is {revoked: false}.
    statuses: route === ROUTES.revokeContainerToken ? [200, 400] : [400, 404],
    note: `${route} ${JSON.stringify(body.toString('utf8').slice(0, 80))}`,
  }));

const hugeHeaders: fc.Arbitrary<Case> = fc
  .record({ size: fc.integer({ min: 64 * 1024 + 1, max: 200 * 1024 }), many: fc.boolean(), route: fc.constantFrom(ROUTES.ping, ROUTES.credentials) })
  .map(({ size, many, route }) => {
    const headers = ['Host: keyfob'];
    if (many) for (let i = 0; headers.join('\r\n').length < size; i++) headers.push(`X-Pad-${i}: ${'p'.repeat(1000)}`);
    else headers.push(`X-Huge: ${'h'.repeat(size)}`);
    // As with a huge body, the daemon answers and closes once the header limit is passed: a client still
    // writing may get the reset (EPIPE) before it reads the answer. That most are answered is checked below.
    return { kind: 'huge headers', bytes: requestBytes('GET', route, headers), expect: 'answer-or-close' as Expect, statuses: [400, 431], note: `${size} bytes ${many ? 'in many headers' : 'in one header'}` };
  });

const hugeBody: fc.Arbitrary<Case> = fc
  .record({ size: fc.integer({ min: MAX_BODY + 1, max: 300 * 1024 }), chunked: fc.boolean(), route: fc.constantFrom(...POST_ROUTES) })
  .map(({ size, chunked, route }) => {
    const body = b(`{"ssoSession":"${'x'.repeat(size - 17)}"}`);
    const bytes = chunked
      ? Buffer.concat([
          requestBytes('POST', route, ['Host: keyfob', 'Content-Type: application/json', 'Transfer-Encoding: chunked']),
          ...Array.from({ length: Math.ceil(body.length / 16384) }, (_, i) => {
            const piece = body.subarray(i * 16384, (i + 1) * 16384);
            return Buffer.concat([b(`${piece.length.toString(16)}\r\n`), piece, b('\r\n')]);
          }),
          b('0\r\n\r\n'),
        ])
      : requestBytes('POST', route, ['Host: keyfob', 'Content-Type: application/json', `Content-Length: ${body.length}`], body);
    // The daemon answers 413 and closes at once (it reads no more): a client still writing may get the
    // reset (EPIPE) before it reads the answer. That the 413 is sent: test/hostile/socketBody.test.ts.
    return { kind: 'huge body', bytes, expect: 'answer-or-close' as Expect, statuses: [413], note: `${route} ${body.length} bytes${chunked ? ' chunked' : ''}` };
  });

const unknownRoute: fc.Arbitrary<Case> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'CONNECT', 'SEARCH'),
    path: fc.oneof(
      fc.constantFrom(...Object.values(ROUTES)),
      fc.constantFrom(...Object.values(ROUTES)).chain((r) => fc.constantFrom(`${r}/`, `${r}/x`, r.toUpperCase(), `${r};x`, `${r}%2f`, `/v1/%2e%2e${r}`, `${r}/../nope`, `/./v1/nope`, `http://evil.example${r}/x`)),
      fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }).map(pct), { maxLength: 8 }).map((segs) => `/${segs.join('/')}`),
      fc.constantFrom('*', '/', '/v2/credentials', '/v1', '/V1/PING', '/v1/ping/../../..', 'http://[::1', 'http://a:b@c:99999/', '//', '/%', '/%zz', '/\u00ff'),
      fc.integer({ min: 1000, max: 15000 }).map((n) => `/v1/${'a'.repeat(n)}`),
    ),
    connection: connectionHeader,
  })
  .filter(({ method, path }) => {
    try {
      return !VALID.has(`${method} ${new URL(path, 'http://keyfob').pathname}`);
    } catch {
      return true; // not a URL at all: a good case
    }
  })
  .map(({ method, path, connection }) => ({
    kind: 'unknown route',
    bytes: b(`${method} ${path} HTTP/1.1\r\nHost: keyfob\r\n${connection.map((h) => h + CRLF).join('')}${method === 'POST' || method === 'PUT' ? 'Content-Length: 2\r\n\r\n{}' : '\r\n'}`),
    expect: method === 'CONNECT' ? ('maybe' as Expect) : ('response' as Expect),
    statuses: [400, 404, 431],
    head: method === 'HEAD',
    note: `${method} ${JSON.stringify(path).slice(0, 100)}`,
  }));

const hostileQuery: fc.Arbitrary<Case> = fc
  .record({
    route: fc.constantFrom(...QUERY_ROUTES),
    params: fc.array(fc.tuple(fc.constantFrom('profile', 'ssoSession', 'shell', 'stream', 'exported', 'profile', 'x'), hostileQueryValue), { minLength: 1, maxLength: 4 }),
    connection: connectionHeader,
  })
  .map(({ route, params, connection }) => {
    const query = params.map(([k, v]) => `${k}=${v}`).join('&');
    const target = route.includes('?') ? `${route}${query}` : `${route}?${query}`;
    return {
      kind: 'hostile query',
      bytes: requestBytes('GET', target, ['Host: keyfob', ...connection]),
      expect: 'response' as Expect,
      statuses: [400, 404, 431],
      note: JSON.stringify(target).slice(0, 140),
    };
  })
  .filter((c) => {
    // Keep only names the daemon does not know, whatever the decoding.
    const target = c.bytes.toString('latin1').split(' ')[1];
    try {
      const url = new URL(target, 'http://keyfob');
      return ![...url.searchParams.values()].some((v) => REAL_NAMES.has(v));
    } catch {
      return true;
    }
  });

/** The input classes, each its own test: [kind, generator, cases]. */
const MIX: [string, fc.Arbitrary<Case>, number][] = [
  ['garbage', garbage, 1_000],
  ['bad request line', badRequestLine, 1_200],
  ['bad header', badHeaders, 1_400],
  ['bad chunked', badChunked, 800],
  ['wrong content-length', wrongContentLength, 800],
  ...POST_ROUTES.map((route): [string, fc.Arbitrary<Case>, number] => [`bad json on ${route}`, badJson(route), 500]),
  ['huge headers', hugeHeaders, 100],
  ['huge body', hugeBody, 200],
  ['unknown route', unknownRoute, 1_200],
  ['hostile query', hostileQuery, 1_300],
];

/** Every class's cases from its own seed; the first half of each goes to the warm-up, shuffled together. */
function generateCases(): { warmUp: Case[]; rest: Map<string, Case[]> } {
  const warmUp: Case[] = [];
  const rest = new Map<string, Case[]>();
  MIX.forEach(([kind, arb, n], i) => {
    const cases = fc.sample(arb, { numRuns: n, seed: SEED + i });
    warmUp.push(...cases.slice(0, n >> 1));
    rest.set(kind, cases.slice(n >> 1));
  });
  // A seeded shuffle, so the warm-up is a mix of all kinds.
  const order = fc.sample(fc.shuffledSubarray(warmUp.map((_, i) => i), { minLength: warmUp.length, maxLength: warmUp.length }), { numRuns: 1, seed: SEED })[0];
  return { warmUp: order.map((i) => warmUp[i]), rest };
}

// What no answer may contain.
const STACK_TRACE = /^\s*at .+:\d+:\d+\)?\s*$|\bat (?:async )?[\w.$<>]+ \([^)]*:\d+:\d+\)|node:internal|\/dist\/[\w/.-]+\.c?js|\.ts:\d+:\d+/m;


interface Good {
  status: number;
  ms: number;
  error?: string;
}

describe('socket fuzz: 10,000 malformed requests against a real daemon', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let socketPath: string;
  let pid: number;
  let goodKey: string;
  /** Secrets the emulator issued: no answer may carry one. */
  let secrets: string[];
  const generated = generateCases();
  /** Each class's outcomes: its warm-up half (run in beforeAll), then its own half (its test). */
  const outcomesOf = new Map<string, { c: Case; o: Outcome }[]>();

  // Good traffic all along, in the background: a socket request every 100 ms. Each test checks
  // the ones that ran during it.
  const good: Good[] = [];
  let probing = true;
  let prober: Promise<void> | undefined;
  // Memory: VmRSS sampled every 100 ms. Under load the heap breathes by tens of MiB (64 KiB bodies
  // and 300 KiB uploads from 50 clients at once), so the steady state is the highest sample of the
  // warm-up, which has every kind of case in it; a leak shows as a later peak, or the level after
  // the load, standing above that by more than the allowed growth.
  const samples: number[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let rssStart = 0;
  let rssWarm = 0;
  let allowedKiB = 0;

  /** A real `keyfob credential-process`, which must get the same credentials as the good request. */
  const credentialProcess = async () => {
    const t = Date.now();
    const r = await runKeyfob(['credential-process', '--profile', PROFILE], home.env, 30_000);
    let ok = false;
    try {
      ok = JSON.parse(r.stdout).SecretAccessKey === goodKey;
    } catch {
      // stays false
    }
    return { code: r.code, ok, stderr: r.stderr, ms: Date.now() - t };
  };

  /** Runs the cases through a pool of CONCURRENCY raw sockets, one fresh connection each. */
  async function runPool(cases: Case[]): Promise<{ c: Case; o: Outcome }[]> {
    const outcomes: { c: Case; o: Outcome }[] = new Array(cases.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i];
        outcomes[i] = { c, o: await exchange(socketPath, c.bytes, c.expect !== 'maybe' ? LONG_IDLE_MS : SHORT_IDLE_MS, c.head) };
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return outcomes;
  }

  const describeOutcome = (o: Outcome) => (o.status ? String(o.status) : o.timedOut ? 'no answer (client gave up)' : `closed${o.error ? ` ${o.error}` : ''}`);

  /** The daemon is the same process, alive, and still answers. */
  async function expectSameDaemonAnswering() {
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    const ping = await exchange(socketPath, b(`GET ${ROUTES.ping} HTTP/1.1\r\nHost: keyfob\r\nConnection: close\r\n\r\n`), LONG_IDLE_MS);
    expect(ping.status).toBe(200);
    expect(JSON.parse(ping.raw.slice(ping.raw.indexOf('\r\n\r\n') + 4)).pid).toBe(pid);
  }

  /** No answer carries a stack trace or a secret the emulator issued. */
  function expectNoLeaks(outcomes: { c: Case; o: Outcome }[]) {
    for (const { c, o } of outcomes) {
      expect(STACK_TRACE.test(o.raw), `${c.kind}: ${c.note}\n${o.raw.slice(0, 400)}`).toBe(false);
      for (const secret of secrets) expect(o.raw.includes(secret), `${c.kind}: ${c.note}`).toBe(false);
    }
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    socketPath = status.daemon.socket;
    pid = status.daemon.pid;
    const first = await goodRequest(socketPath);
    expect(first.status, first.body).toBe(200);
    goodKey = JSON.parse(first.body).SecretAccessKey as string;
    secrets = [
      ...[...emulator.state.credentials.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]),
      ...emulator.state.accessTokens.keys(),
      ...emulator.state.refreshTokens.keys(),
      ...[...emulator.state.clients.values()].map((c) => c.clientSecret),
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const total = generated.warmUp.length + [...generated.rest.values()].reduce((n, cases) => n + cases.length, 0);
    expect(total).toBe(TOTAL);

    prober = (async () => {
      while (probing) {
        try {
          const r = await goodRequest(socketPath);
          good.push({ status: r.status, ms: r.ms, error: r.status === 200 && JSON.parse(r.body).SecretAccessKey === goodKey ? undefined : r.body.slice(0, 200) });
        } catch (err) {
          good.push({ status: 0, ms: 0, error: String(err) });
        }
        // The pace of the good traffic, not a wait for anything.
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    rssStart = rssKiB(pid);
    sampler = setInterval(() => samples.push(rssKiB(pid)), 100);
    const started = Date.now();
    const warm = await runPool(generated.warmUp);
    for (const outcome of warm) outcomesOf.set(outcome.c.kind, [...(outcomesOf.get(outcome.c.kind) ?? []), outcome]);
    samples.push(rssKiB(pid));
    rssWarm = Math.max(...samples);
    allowedKiB = Math.max(rssWarm * 0.2, 15 * 1024);
    console.log(
      `socket fuzz: seed ${SEED}; warm-up of ${warm.length} mixed cases in ${Date.now() - started} ms; daemon pid ${pid}: VmRSS before ${mib(rssStart)}, warm-up peak ${mib(rssWarm)} (later growth allowed: ${mib(allowedKiB)})`,
    );
  }, 180_000);
  afterAll(async () => {
    probing = false;
    await prober;
    clearInterval(sampler);
    await home?.cleanup();
    await emulator?.close();
  });

  it.each(MIX.map(([kind]) => kind))('%s: every answer well-formed, no stack trace or secret, good requests unharmed, memory flat', async (kind) => {
    const goodMark = good.length;
    const sampleMark = samples.length;
    const real = credentialProcess();
    const outcomes = [...(outcomesOf.get(kind) ?? []), ...(await runPool(generated.rest.get(kind)!))];
    const cp = await real;
    samples.push(rssKiB(pid));
    const peak = Math.max(...samples.slice(sampleMark));

    const tally = new Map<string, number>();
    for (const { o } of outcomes) tally.set(describeOutcome(o), (tally.get(describeOutcome(o)) ?? 0) + 1);
    console.log(`socket fuzz, ${kind}: ${outcomes.length} cases: ${[...tally].map(([k, n]) => `${k} ×${n}`).join(', ')}; VmRSS peak ${mib(peak)}`);

    expect(outcomes.length).toBe(MIX.find(([k]) => k === kind)![2]);
    // Every answer is well-formed for its case: no 5xx, the expected statuses, 413 for big bodies.
    const wrong = outcomes.filter(({ c, o }) => {
      if (o.status !== undefined && o.status >= 500) return true;
      if (c.expect === 'response' && o.status === undefined) return true;
      if (c.expect === 'answer-or-close' && o.status === undefined && o.timedOut) return true;
      return o.status !== undefined && c.statuses !== undefined && !c.statuses.includes(o.status);
    });
    expect(wrong.slice(0, 10).map(({ c, o }) => `${c.kind}: ${c.note} → ${o.status ?? (o.timedOut ? 'no answer' : `closed ${o.error ?? ''}`)} ${o.raw.slice(0, 160)}`)).toEqual([]);
    // A close instead of the answer is a race the client may lose, not the rule (measured 87–100% answered).
    if (outcomes.every(({ c }) => c.expect === 'answer-or-close')) expect(outcomes.filter(({ o }) => o.status !== undefined).length).toBeGreaterThanOrEqual(outcomes.length * 0.5);
    expectNoLeaks(outcomes);
    await expectSameDaemonAnswering();
    // Good requests meanwhile never failed, over the socket or through a real client.
    expect(good.slice(goodMark).filter((g) => g.error)).toEqual([]);
    expect(cp, cp.stderr).toMatchObject({ code: 0, ok: true });
    // Memory stays flat: this class's peak against the warm-up's.
    expect(peak - rssWarm, `VmRSS peak ${mib(peak)} against the warm-up's ${mib(rssWarm)}`).toBeLessThanOrEqual(allowedKiB);
  }, 120_000);

  it('slow loris: connections dribbling a header are cut off at the 10-s header deadline, while good requests go on', async () => {
    const goodMark = good.length;
    // One byte of a never-ending header each second.
    const loris = await Promise.all(
      Array.from({ length: SLOW_LORIS }, (_, i) =>
        exchange(socketPath, [b(`GET ${ROUTES.ping} HTTP/1.1\r\nHost: keyfob\r\nX-Slow-${i}: `), ...Array.from({ length: 45 }, () => b('a'))], 5_000, false, 1_000),
      ),
    );
    console.log(`socket fuzz, slow loris: ${loris.map((l) => `${l.status ?? (l.timedOut ? 'open' : 'closed')} after ${(l.ms / 1000).toFixed(1)} s`).join('; ')}`);
    // Cut off by the daemon once its 10-s header deadline passes (checked every second), not kept
    // for as long as the client cares to dribble.
    for (const l of loris) {
      expect(l.timedOut, 'a slow-loris connection is still open').toBe(false);
      expect([400, 408]).toContain(l.status);
      expect(l.ms).toBeGreaterThanOrEqual(9_000);
      expect(l.ms).toBeLessThan(15_000);
      expect(STACK_TRACE.test(l.raw)).toBe(false);
      for (const secret of secrets) expect(l.raw.includes(secret)).toBe(false);
    }
    await expectSameDaemonAnswering();
    expect(good.slice(goodMark).filter((g) => g.error)).toEqual([]);
    expect(good.length - goodMark).toBeGreaterThan(10);
  }, 60_000);

  it('after all of it: the same daemon, memory back to flat, no internal error logged', async () => {
    await expectSameDaemonAnswering();
    expect(JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid).toBe(pid);
    expect(good.filter((g) => g.error)).toEqual([]);
    expect(good.length).toBeGreaterThan(10);
    const goodMs = good.map((g) => g.ms).sort((x, y) => x - y);
    console.log(`socket fuzz: good socket requests ${good.length}, median ${goodMs[goodMs.length >> 1]} ms, max ${goodMs.at(-1)} ms`);

    // The level after the load: garbage may wait for a collection at any one instant, leaked memory
    // stays; so wait (with a deadline) for a sample within the allowed growth.
    let last = 0;
    await waitFor(() => (last = rssKiB(pid)) - rssWarm <= allowedKiB, { timeoutMs: 5_000, intervalMs: 200, what: 'VmRSS back within the allowed growth' }).catch((err) => {
      throw new Error(`${err.message}: VmRSS ${mib(last)}, warm-up peak ${mib(rssWarm)}, allowed growth ${mib(allowedKiB)}`);
    });

    // Nothing the fuzz sent made the daemon log an internal error. A client that hangs up in the
    // middle of a body ("aborted") is logged too, and is not one.
    const errors = readFileSync(`${home.env.KEYFOB_HOME}/daemon.log`, 'utf8').split('\n').filter((line) => / ERROR /.test(line));
    const aborted = errors.filter((line) => line.includes('"error":"Error: aborted'));
    console.log(`socket fuzz: daemon.log has ${errors.length} ERROR lines, ${aborted.length} of them a client hanging up mid-body`);
    expect(errors.filter((line) => !aborted.includes(line)).slice(0, 5)).toEqual([]);
  });
});

// Credentials that never go stale: the container-credentials protocol (what ECS tasks use), served
// by the daemon on loopback. `assume --auto-refresh` exports AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN instead of static keys, and every SDK then asks here whenever
// its credentials near expiry.
//
// Tokens: 32 random bytes, each bound to one profile; only their SHA-256 is kept, in daemon memory
// and nowhere else. They end with the daemon, and each daemon listens on a fresh random port: while
// no daemon runs, anyone may take the old port and receive tokens from SDKs, so a token must never
// be accepted by a later daemon. A token is dropped when revoked (`assume --unset`, a new assume,
// the end of `exec`) or after TOKEN_IDLE_MS without use.
//
// Connections are bounded (another local user can connect too): headers within seconds, at most
// MAX_CONNECTIONS at once. A connection that has not yet shown a valid token gets a grace of
// UNVERIFIED_GRACE_MS to send its request (a token holder sends it at once, but may be descheduled
// on a busy machine); past that, at most MAX_UNVERIFIED of them stay (the oldest is closed), and
// never more than MAX_UNVERIFIED_BURST, grace or not, so a flood cannot lock callers out nor use
// up descriptors (finding 6 of issue 18: evicting the oldest at once failed 10% of a holder's
// requests under four churning flooders). Over that cap another user's connection goes first (on
// Linux the kernel names each loopback peer's uid), then one that has sent nothing yet. Any answer
// to a request without a valid token closes its connection.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { KeyfobError } from '../../core/errors.js';
import { loopbackPeerUids } from '../../core/loopbackPeers.js';
import type { CredentialProcessOutput } from '../../credentials/types.js';
import { knownError, sendJson } from './answers.js';
import type { DaemonLog } from './log.js';

export const CONTAINER_PATH = '/v1/container-credentials';
/** A token not used for this long is forgotten; SDKs ask at least every hour while in use. */
export const TOKEN_IDLE_MS = 12 * 60 * 60_000;
/** Every open connection (each one an fd); SDK clients keep theirs alive for a few seconds. */
export const MAX_CONNECTIONS = 128;
/** Connections past their grace that have not presented a valid token; a real caller does so within milliseconds. */
export const MAX_UNVERIFIED = 32;
/** How long a new connection may stay silent before it counts against MAX_UNVERIFIED. */
export const UNVERIFIED_GRACE_MS = 1_000;
/** Unverified connections at most, grace or not (the rest of MAX_CONNECTIONS is for verified keep-alive ones). */
export const MAX_UNVERIFIED_BURST = 96;
/** While a flood is from our own uid (or none is listed), the kernel's connection list is read at most this often. */
const FOREIGN_REREAD_MS = 5;
const OWN_UID = process.getuid?.();
/** Where older versions kept token digests and the port; removed at start (see forgetSavedTokens). */
export const LEGACY_STATE_FILE = 'container-endpoint.json';

export interface EndpointLimits {
  /** The whole header block must arrive within this (ms), counted from the connection. */
  headersTimeoutMs: number;
  /** The whole request (a GET: its headers) must arrive within this (ms). */
  requestTimeoutMs: number;
  /** How often Node checks those two deadlines (ms). */
  checkIntervalMs: number;
}

const DEFAULT_LIMITS: EndpointLimits = { headersTimeoutMs: 3_000, requestTimeoutMs: 5_000, checkIntervalMs: 500 };

/** Where the endpoint's answers come from: CredentialService, reading the caller's config. */
export interface EndpointCredentials {
  forProfile(profile: string, config: string, credentials?: string): Promise<CredentialProcessOutput>;
}

interface TokenEntry {
  digest: Buffer;
  profile: string;
  /** The config file the issuing caller named the profile in. */
  config: string;
  /** The issuing caller's shared credentials file (static keys, sources of chains). */
  credentials?: string;
  lastUsedAt: number;
}

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Removes the state file of an older keyfob, whose restarted daemon re-accepted saved tokens on a
 * saved port. unlink removes a symlink itself, never what it points to.
 */
export function forgetSavedTokens(home: string, log: DaemonLog): void {
  const file = join(home, LEGACY_STATE_FILE);
  try {
    unlinkSync(file);
    log.info('removed the saved auto-refresh state of an older keyfob', { file });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('could not remove an old auto-refresh state file', { file, error: (err as Error).message });
  }
}

export class ContainerEndpoint {
  /** Keyed by the token's SHA-256 in hex. */
  private readonly tokens = new Map<string, TokenEntry>();
  /** Open connections that have not yet presented a valid token, oldest first, with when each arrived. */
  private readonly unverified = new Map<Socket, number>();
  /** Client port → uid of the connections the kernel last listed; refreshed when a flood needs a victim. */
  private peerUids: { read: number; uids: Map<number, number> | undefined; foreign: boolean } = { read: -Infinity, uids: new Map(), foreign: false };
  /** When set, a trim is due once the oldest young connection's grace ends. */
  private trimTimer?: NodeJS.Timeout;
  private server?: Server;
  private port?: number;
  private starting?: Promise<number>;
  private readonly limits: EndpointLimits;

  constructor(
    private readonly credentials: EndpointCredentials,
    private readonly log: DaemonLog,
    private readonly now: () => number = Date.now,
    limits: Partial<EndpointLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get liveTokens(): number {
    this.dropIdle();
    return this.tokens.size;
  }

  /** Connections open now, and how many of them have not shown a valid token. */
  async connections(): Promise<{ open: number; unverified: number }> {
    const server = this.server;
    const open = server ? await new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n ?? 0))) : 0;
    return { open, unverified: this.unverified.size };
  }

  /** A new token for `profile` and the URI to export with it. */
  async issue(profile: string, config: string, credentials?: string): Promise<{ uri: string; token: string }> {
    const port = await this.listen();
    const token = randomBytes(32).toString('base64url');
    const digest = digestOf(token);
    this.tokens.set(digest.toString('hex'), { digest, profile, config, ...(credentials ? { credentials } : {}), lastUsedAt: this.now() });
    return { uri: `http://127.0.0.1:${port}${CONTAINER_PATH}`, token };
  }

  revoke(token: string): boolean {
    return this.tokens.delete(digestOf(token).toString('hex'));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.starting = undefined;
    this.tokens.clear();
    clearTimeout(this.trimTimer);
    this.trimTimer = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // SDKs keep connections alive
      await closed;
    }
  }

  /** Starts listening on the first issue: a fresh random loopback port for each daemon. */
  private listen(): Promise<number> {
    this.starting ??= new Promise<number>((resolve, reject) => {
      const server = createServer({ connectionsCheckingInterval: this.limits.checkIntervalMs }, (req, res) =>
        this.handle(req, res).catch((err: Error) => {
          this.log.error('container endpoint request failed', { error: err?.stack ?? String(err) });
          res.destroy();
        }),
      );
      server.headersTimeout = this.limits.headersTimeoutMs;
      server.requestTimeout = this.limits.requestTimeoutMs;
      server.maxConnections = MAX_CONNECTIONS;
      server.on('connection', (socket: Socket) => this.admit(socket));
      server.once('error', (err: Error) => {
        this.starting = undefined;
        this.log.error('container endpoint could not start', { error: err.message });
        reject(new KeyfobError('EndpointUnavailable', `the auto-refresh endpoint could not listen on 127.0.0.1 (${err.message}); run keyfob daemon stop, then assume again`, 503));
      });
      server.listen(0, '127.0.0.1', () => {
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        this.log.info('container endpoint listening', { port: this.port });
        resolve(this.port);
      });
    });
    return this.starting;
  }

  /** A new connection counts as unverified until it presents a valid token. */
  private admit(socket: Socket): void {
    this.unverified.set(socket, this.now());
    socket.once('close', () => this.unverified.delete(socket));
    // After this turn's reads: a request that has already arrived is read before anyone is evicted.
    setImmediate(() => this.trim());
  }

  /**
   * Read the request before evicting: close the oldest unverified connections whose grace is over
   * while more than MAX_UNVERIFIED are open, and the oldest whatever their age beyond
   * MAX_UNVERIFIED_BURST. A young connection over the limit is looked at again when its grace ends.
   */
  private trim(): void {
    const now = this.now();
    for (const [oldest, since] of this.unverified) {
      if (this.unverified.size <= MAX_UNVERIFIED) return;
      const graceLeft = since + UNVERIFIED_GRACE_MS - now;
      if (graceLeft > 0 && this.unverified.size <= MAX_UNVERIFIED_BURST) {
        this.trimTimer ??= setTimeout(() => {
          this.trimTimer = undefined;
          this.trim();
        }, graceLeft).unref();
        return;
      }
      // Over the burst cap a young connection must go: another user's first, then one that has sent
      // nothing yet (a flood sends nothing), before one whose request is on its way (a token holder's).
      const victim = graceLeft > 0 ? (this.oldestForeign() ?? this.oldestSilent() ?? oldest) : oldest;
      this.unverified.delete(victim);
      victim.destroy();
    }
  }

  /** The oldest unverified connection another user opened, reading the kernel's list again when none is known. */
  private oldestForeign(): Socket | undefined {
    const find = () => {
      for (const socket of this.unverified.keys()) {
        const uid = socket.remotePort === undefined ? undefined : this.peerUids.uids?.get(socket.remotePort);
        if (uid !== undefined && uid !== OWN_UID) return socket;
      }
      return undefined;
    };
    const known = find();
    // One read names a whole flood's sockets. Without /proc, or soon after a read that found no other user, do not read again.
    const { uids, read, foreign } = this.peerUids;
    if (known || !uids || (!foreign && performance.now() - read < FOREIGN_REREAD_MS)) return known;
    const fresh = loopbackPeerUids(this.port!);
    this.peerUids = { read: performance.now(), uids: fresh, foreign: [...(fresh?.values() ?? [])].some((uid) => uid !== OWN_UID) };
    return find();
  }

  private oldestSilent(): Socket | undefined {
    for (const socket of this.unverified.keys()) if (socket.bytesRead === 0) return socket;
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // No keep-alive for a caller without a valid token: the connection ends with the answer.
    const refuse = (status: number, code: string, message: string) => send(res, status, { code, message }, true);
    // DNS rebinding: a web page can make a browser call 127.0.0.1 under its own host name.
    const allowedHosts = [`127.0.0.1:${this.port}`, `localhost:${this.port}`];
    if (!allowedHosts.includes((req.headers.host ?? '').toLowerCase())) {
      return refuse(403, 'ForbiddenHost', 'only loopback Host headers are accepted');
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== CONTAINER_PATH) return refuse(404, 'NotFound', `GET ${CONTAINER_PATH} is the only route`);
    const presented = req.headers.authorization;
    if (!presented) return refuse(401, 'MissingToken', 'no Authorization header; set AWS_CONTAINER_AUTHORIZATION_TOKEN (assume --auto-refresh does)');
    const entry = this.lookup(presented);
    if (!entry) {
      return refuse(403, 'UnknownToken', 'this keyfob auto-refresh token is unknown, revoked or expired; run: assume --auto-refresh PROFILE');
    }
    this.unverified.delete(req.socket);
    entry.lastUsedAt = this.now();
    try {
      const c = await this.credentials.forProfile(entry.profile, entry.config, entry.credentials);
      send(res, 200, { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken, Expiration: c.Expiration, AccountId: c.AccountId });
    } catch (err) {
      const known = knownError(err, this.log, 'container credentials failed');
      send(res, known.status, { code: known.code, message: known.message });
    }
  }

  /**
   * The live token's entry. Every stored digest is compared, in constant time and without an
   * early exit, so timing says nothing about how close a guess came.
   */
  private lookup(presented: string): TokenEntry | undefined {
    this.dropIdle();
    const digest = digestOf(presented.trim());
    let found: TokenEntry | undefined;
    for (const entry of this.tokens.values()) if (timingSafeEqual(entry.digest, digest)) found = entry;
    return found;
  }

  private dropIdle(): void {
    const now = this.now();
    for (const [hash, entry] of this.tokens) if (now - entry.lastUsedAt >= TOKEN_IDLE_MS) this.tokens.delete(hash);
  }
}

function send(res: ServerResponse, status: number, value: unknown, close = false): void {
  if (res.headersSent) return void res.destroy();
  sendJson(res, status, value, close ? { connection: 'close' } : {});
}

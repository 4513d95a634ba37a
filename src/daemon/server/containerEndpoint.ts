// Credentials that never go stale: the container-credentials protocol (what ECS tasks use), served
// by the daemon on loopback. `assume --auto-refresh` exports AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN instead of static keys, and every SDK then asks here whenever
// its credentials near expiry.
//
// Tokens: 32 random bytes, each bound to one profile. Only their SHA-256 is kept, in memory and in
// KEYFOB_HOME/container-endpoint.json (with the port), so a restarted daemon takes the same port
// and accepts the same live tokens without ever storing a secret. A token is dropped when revoked
// (`assume --unset`, a new assume, the end of `exec`) or after TOKEN_IDLE_MS without use.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileAtomically } from '../../config/configWriter.js';
import { KeyfobError } from '../../errors.js';
import type { ConfigFiles } from './configCache.js';
import type { CredentialService } from './credentialService.js';
import type { DaemonLog } from './log.js';

export const CONTAINER_PATH = '/v1/container-credentials';
/** A token not used for this long is forgotten; SDKs ask at least every hour while in use. */
export const TOKEN_IDLE_MS = 12 * 60 * 60_000;

interface TokenEntry {
  profile: string;
  /** The config file the profile was named in (the issuing caller's). */
  config: string;
  createdAt: number;
  lastUsedAt: number;
}

interface PersistedState {
  version: 1;
  port?: number;
  tokens: Record<string, TokenEntry>;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export class ContainerEndpoint {
  private readonly tokens = new Map<string, TokenEntry>();
  private server?: Server;
  private port?: number;
  private starting?: Promise<number>;

  constructor(
    private readonly stateFile: string,
    private readonly credentials: CredentialService,
    private readonly configs: ConfigFiles,
    private readonly log: DaemonLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads persisted tokens; when live ones exist, starts serving at once on the same port. */
  async restore(): Promise<void> {
    let state: PersistedState | undefined;
    try {
      state = JSON.parse(readFileSync(this.stateFile, 'utf8')) as PersistedState;
    } catch {
      return; // none yet, or unreadable: nothing to re-accept
    }
    if (state?.version !== 1 || typeof state.tokens !== 'object') return;
    this.port = Number.isInteger(state.port) ? state.port : undefined;
    for (const [hash, entry] of Object.entries(state.tokens)) {
      if (/^[0-9a-f]{64}$/.test(hash) && typeof entry?.profile === 'string' && typeof entry?.config === 'string' && this.now() - entry.lastUsedAt < TOKEN_IDLE_MS) {
        this.tokens.set(hash, entry);
      }
    }
    if (this.tokens.size > 0) await this.listen().catch((err: Error) => this.log.error('container endpoint could not start', { error: err.message }));
  }

  get liveTokens(): number {
    this.dropIdle();
    return this.tokens.size;
  }

  /** A new token for `profile` and the URI to export with it. */
  async issue(profile: string, config: string): Promise<{ uri: string; token: string }> {
    const port = await this.listen();
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    this.tokens.set(hashToken(token), { profile, config, createdAt: at, lastUsedAt: at });
    await this.persist();
    return { uri: `http://127.0.0.1:${port}${CONTAINER_PATH}`, token };
  }

  async revoke(token: string): Promise<boolean> {
    const removed = this.tokens.delete(hashToken(token));
    if (removed) await this.persist();
    return removed;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // SDKs keep connections alive
      await closed;
    }
    await this.persist().catch(() => undefined);
  }

  private listen(): Promise<number> {
    this.starting ??= new Promise<number>((resolve, reject) => {
      const server = createServer((req, res) => void this.handle(req, res));
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.starting = undefined;
        reject(
          err.code === 'EADDRINUSE'
            ? new KeyfobError('PortInUse', `port ${this.port} of the auto-refresh endpoint is taken by another program; free it, or remove ${this.stateFile} and assume again`, 503)
            : err,
        );
      });
      // The same port as before a restart, so exported URIs keep working.
      server.listen(this.port ?? 0, '127.0.0.1', () => {
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        this.log.info('container endpoint listening', { port: this.port });
        void this.persist();
        resolve(this.port);
      });
    });
    return this.starting;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, code: string, message: string) => {
      const body = JSON.stringify({ code, message });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    try {
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
      entry.lastUsedAt = this.now();
      const c = await this.credentials.forProfile(this.configs.get(entry.config), entry.profile);
      const body = JSON.stringify({ AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken, Expiration: c.Expiration, AccountId: c.AccountId });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch (err) {
      const known = err instanceof KeyfobError ? err : new KeyfobError('Internal', 'internal daemon error; see KEYFOB_HOME/daemon.log', 500);
      if (!(err instanceof KeyfobError)) this.log.error('container credentials failed', { error: (err as Error)?.stack ?? String(err) });
      refuse(known.status, known.code, known.message);
    }
  }

  /**
   * The live token's entry. Every stored digest is compared, in constant time and without an
   * early exit, so timing says nothing about how close a guess came.
   */
  private lookup(presented: string): TokenEntry | undefined {
    this.dropIdle();
    const digest = createHash('sha256').update(presented.trim(), 'utf8').digest();
    let found: TokenEntry | undefined;
    for (const [hash, entry] of this.tokens) if (timingSafeEqual(Buffer.from(hash, 'hex'), digest)) found = entry;
    return found;
  }

  private dropIdle(): void {
    const now = this.now();
    for (const [hash, entry] of this.tokens) if (now - entry.lastUsedAt >= TOKEN_IDLE_MS) this.tokens.delete(hash);
  }

  private async persist(): Promise<void> {
    const state: PersistedState = { version: 1, port: this.port, tokens: Object.fromEntries(this.tokens) };
    await writeFileAtomically(this.stateFile, `${JSON.stringify(state)}\n`, 0o600);
  }
}

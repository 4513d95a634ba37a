// Who may talk to the portal: the browser the user opened it in, and nothing else on the machine or
// on the web. A one-time token in the URL it opens, traded on first load for an HttpOnly,
// SameSite=Strict cookie; a Host check against DNS rebinding; an Origin check on every POST against
// cross-site requests; and headers that keep the page out of frames and other origins' reach.
// docs/security.md ("keyfob portal") has the threat table.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** script-src and style-src 'self': the page's script and style are files of this server, never inline. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const digest = (value: string) => createHash('sha256').update(value).digest();
const same = (a: string, b: Buffer) => timingSafeEqual(digest(a), b);

export type Refusal = { status: number; message: string };

export class PortalGuard {
  /** The URL token, until it is traded for a cookie; then undefined for good (a replay is refused). */
  private token: Buffer | undefined;
  private readonly sessions: Buffer[] = [];
  readonly cookieName: string;

  constructor(
    readonly port: number,
    token: string,
  ) {
    this.token = digest(token);
    // Cookies ignore ports: the port in the name keeps two portals (or two runs) from clobbering each other.
    this.cookieName = `keyfob_portal_${port}`;
  }

  static newToken(): string {
    return randomBytes(32).toString('base64url');
  }

  /** Refuses a Host that is not this server (127.0.0.1 or localhost with its own port): DNS rebinding. */
  checkHost(req: IncomingMessage): Refusal | undefined {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`) return undefined;
    return { status: 421, message: 'this portal answers only at its own address (127.0.0.1 or localhost, its own port)' };
  }

  /** A state-changing request must come from this page: its Origin names this server. */
  checkOrigin(req: IncomingMessage): Refusal | undefined {
    const origin = req.headers.origin;
    if (origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`) return undefined;
    return { status: 403, message: 'refused: this request does not come from the portal page' };
  }

  /** The session cookie this request carries, if it is one this run handed out. */
  hasSession(req: IncomingMessage): boolean {
    const value = cookie(req, this.cookieName);
    return value !== undefined && this.sessions.some((s) => same(value, s));
  }

  /**
   * The URL token, traded once for a new session cookie; undefined when the token is wrong or
   * already used. The token is forgotten at once, so the URL it came in is worthless afterwards.
   */
  redeem(token: string): string | undefined {
    if (!this.token || !same(token, this.token)) return undefined;
    this.token = undefined;
    const session = randomBytes(32).toString('base64url');
    this.sessions.push(digest(session));
    return `${this.cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

export function refuse(res: ServerResponse, refusal: Refusal): void {
  send(res, refusal.status, 'text/plain; charset=utf-8', `keyfob portal: ${refusal.message}\n`);
}

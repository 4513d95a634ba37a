// Talking to the auto-refresh (container credentials) endpoint the way an SDK does, and the way
// an attacker does: plain HTTP GETs, and raw TCP sockets that show whether the server hung up.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

/** One GET on a fresh connection (no agent keep-alive). */
export function get(uri: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(uri, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${uri} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

export interface RawExchange {
  /** Status of each response read, in order. */
  statuses: number[];
  /** The server ended the connection (we never did). */
  closedByServer: boolean;
}

/**
 * Opens a raw socket to 127.0.0.1:port, writes each request in turn (waiting for its response),
 * then waits up to `waitMs` for the server to close the connection. Never closes it itself first.
 */
export function rawExchange(port: number, requests: string[], waitMs = 3_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const statuses: number[] = [];
    let buffer = '';
    let next = 0;
    let closedByServer = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ statuses, closedByServer });
    };
    const sendNext = () => {
      if (next < requests.length) socket.write(requests[next++]);
      else timer = setTimeout(finish, waitMs);
    };
    socket.on('connect', sendNext);
    socket.on('data', (d) => {
      buffer += d;
      // Responses here always carry Content-Length.
      for (;;) {
        const head = buffer.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
        if (buffer.length < head + 4 + length) return;
        statuses.push(Number(buffer.slice(9, 12)));
        buffer = buffer.slice(head + 4 + length);
        sendNext();
      }
    });
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', () => {
      closedByServer = true;
      finish();
    });
    socket.on('error', (err) => (statuses.length ? finish() : reject(err)));
  });
}

/** A GET request's bytes, as an SDK sends it. */
export function getRequest(port: number, token?: string, opts: { host?: string; path?: string } = {}): string {
  const lines = [`GET ${opts.path ?? '/v1/container-credentials'} HTTP/1.1`, `Host: ${opts.host ?? `127.0.0.1:${port}`}`];
  if (token !== undefined) lines.push(`Authorization: ${token}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Polls `check` until it returns true or `ms` pass; returns its last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, everyMs = 50): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

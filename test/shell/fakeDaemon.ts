// A stand-in for the daemon on a Unix socket in a private directory (so it passes the trust check):
// either silent (it accepts and never answers) or answering every request with one status, as the
// real daemon words it (the one line as text/plain for a client that accepts it, else the JSON
// error). It notes who asked (curl or Node), to tell the sh fast paths from the Node client.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeDaemon {
  socket: string;
  /** Who asked, in order: 'curl' or 'node' (the Node client sends no User-Agent). */
  askers: string[];
  close(): Promise<void>;
}

export type FakeAnswer = { silent: true } | { status: number; code: string; message: string };

export async function fakeDaemon(answer: FakeAnswer): Promise<FakeDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'kf-fake-'));
  const socket = join(dir, 'daemon.sock');
  const askers: string[] = [];
  const held = new Set<Socket>();
  let server: Server;
  if ('silent' in answer) {
    server = createServer((connection) => {
      held.add(connection);
      connection.once('data', (head) => askers.push(/user-agent: curl/i.test(head.toString('latin1')) ? 'curl' : 'node'));
      connection.on('error', () => undefined);
      connection.on('close', () => held.delete(connection));
    });
  } else {
    const http = createHttpServer((req, res) => {
      askers.push(/^curl\//.test(req.headers['user-agent'] ?? '') ? 'curl' : 'node');
      const line = `keyfob: ${answer.message}\n`;
      const text = req.headers.accept === 'text/plain';
      const body = text ? line : JSON.stringify({ error: { code: answer.code, message: answer.message } });
      res.writeHead(answer.status, { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    http.on('connection', (connection) => {
      held.add(connection);
      connection.on('close', () => held.delete(connection));
    });
    server = http;
  }
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    askers,
    close: async () => {
      for (const connection of held) connection.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fake daemon whose socket sits in a private dir inside one other users can write (mode 777, not
 * sticky): a client must refuse it without asking. `refusal` is the line every client prints.
 */
export async function untrustedFakeDaemon(): Promise<FakeDaemon & { refusal: string }> {
  const open = mkdtempSync(join(tmpdir(), 'kf-open-'));
  chmodSync(open, 0o777); // not sticky: another user could swap what is inside
  const inner = join(open, 'mine');
  mkdirSync(inner, { mode: 0o700 });
  const daemon = await fakeDaemon({ status: 200, code: 'Usage', message: 'never' });
  const socket = join(inner, 'daemon.sock');
  execFileSync('mv', [daemon.socket, socket]);
  return {
    socket,
    askers: daemon.askers,
    refusal: `keyfob: refusing the keyfob socket ${socket}: ${open} can be written by other users (mode 777); run: chmod go-w ${open} (or set KEYFOB_SOCKET to a path in a directory only you can write)\n`,
    close: async () => {
      await daemon.close();
      rmSync(open, { recursive: true, force: true });
    },
  };
}

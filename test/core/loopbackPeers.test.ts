import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loopbackPeerUids } from '../../src/core/loopbackPeers.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describe('loopbackPeerUids', () => {
  it("maps each client port of connections to the server's port to the client socket's uid", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-tcp-'));
    const table = join(dir, 'tcp');
    writeFileSync(
      table,
      HEADER +
        // the server's own accepted socket (remote end is the client): not a client row
        '   0: 0100007F:1F90 0100007F:A3C1 01 00000000:00000000 00:00000000 00000000     0        0 11 1 0 20 4 30 10 -1\n' +
        // the clients: ports 0xA3C1 (uid 1001) and 0xA3C2 (uid 0)
        '   1: 0100007F:A3C1 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 12 1 0 20 4 30 10 -1\n' +
        '   2: 0100007F:A3C2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 13 1 0 20 4 30 10 -1\n' +
        // a connection to another port
        '   3: 0100007F:A3C3 0100007F:1F91 01 00000000:00000000 00:00000000 00000000  1002        0 14 1 0 20 4 30 10 -1\n',
    );
    expect(loopbackPeerUids(0x1f90, table)).toEqual(new Map([[0xa3c1, 1001], [0xa3c2, 0]]));
  });

  it('is undefined without the table (macOS)', () => {
    expect(loopbackPeerUids(80, '/nonexistent/net/tcp')).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('names this process as the owner of a real loopback connection', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    const client: Socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      expect(loopbackPeerUids(port)?.get(client.localPort!)).toBe(process.getuid!());
    } finally {
      client.destroy();
      server.close();
    }
  });
});

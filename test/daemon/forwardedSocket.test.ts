// Remote use over ssh (`ssh -R /remote/keyfob.sock:/local/daemon.restricted.sock`), without ssh: a client
// whose KEYFOB_SOCKET names a socket that relays to the daemon's gets credentials and assumes;
// with KEYFOB_NO_START=1 and the forward down it says so and starts nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';

describe('a forwarded socket (ssh -R)', () => {
  let emulator: RunningEmulator;
  let local: KeyfobHome;
  let remoteDir: string;
  let forward: Server;
  let relayed = 0;
  let remoteEnv: Record<string, string>;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    local = keyfobHome(emulator);
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], local.env)).code).toBe(0);
    expect((await runKeyfob(['populate'], local.env)).code).toBe(0);
    const status = JSON.parse((await runKeyfob(['status', '--json'], local.env)).stdout);
    // What sshd does on the remote end: accept there, relay every byte to the local daemon's socket.
    remoteDir = mkdtempSync(join(tmpdir(), 'kf-remote-'));
    const forwarded = join(remoteDir, 'keyfob.sock');
    forward = createServer((client) => {
      relayed++;
      const upstream = createConnection(status.daemon.restrictedSocket); // the socket to forward
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => forward.listen(forwarded, resolve));
    // The remote machine: its own HOME and KEYFOB_HOME, no config, only the forwarded socket.
    remoteEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: remoteDir, KEYFOB_HOME: join(remoteDir, 'kf'), KEYFOB_SOCKET: forwarded, KEYFOB_NO_START: '1' };
  });
  afterAll(async () => {
    forward?.close();
    await local?.cleanup();
    await emulator?.close();
    if (remoteDir) rmSync(remoteDir, { recursive: true, force: true });
  });

  it('gives the remote side credentials and assume through the forward', async () => {
    const creds = await runKeyfob(['credential-process', '--profile', 'Experiments/AdministratorAccess'], remoteEnv);
    expect(creds.code).toBe(0);
    expect(JSON.parse(creds.stdout).AccountId).toBe('765432109876');
    const assumed = await runKeyfob(['assume', '--shell', 'bash', 'QA/ReadOnlyAccess'], remoteEnv);
    expect(assumed.stdout).toContain("export AWS_PROFILE='QA/ReadOnlyAccess'\n");
    expect(relayed).toBeGreaterThanOrEqual(2);
  });

  it('with the forward down and KEYFOB_NO_START=1, says so and starts no daemon', async () => {
    await new Promise<void>((resolve) => forward.close(() => resolve()));
    const r = await runKeyfob(['credential-process', '--profile', 'Experiments/AdministratorAccess'], remoteEnv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keyfob: the keyfob daemon did not answer \(nothing answers at .*keyfob\.sock and KEYFOB_NO_START=1; is the ssh forward up \(ssh -R .*\)\?\); check: .*\n$/);
    expect(existsSync(join(remoteDir, 'kf', 'daemon.pid'))).toBe(false);
  });
});

// assume's and exec's flags as the daemon sees them: --duration goes over the socket as
// `duration=SECONDS` (through a relay that records each request line), --region sets AWS_REGION and
// AWS_DEFAULT_REGION for the command, a bad value fails in one line; `keyfob exec PROFILE` with no
// command opens $SHELL (a real bash, fed its commands on stdin) with the credentials.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runKeyfob, signedInHome, type KeyfobHome, type RunResult } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

/** keyfob with `input` on its stdin (not a terminal). */
function runWithInput(args: string[], input: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KEYFOB_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('assume and exec flags', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let relayDir: string;
  let relay: Server;
  const requests: string[] = [];
  let viaRelay: Record<string, string>;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: [] });
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    // Every byte goes on to the daemon; the request line of each connection is kept.
    relayDir = mkdtempSync(join(tmpdir(), 'kf-relay-'));
    relay = createServer((client) => {
      const upstream = createConnection(status.daemon.socket);
      client.once('data', (chunk) => requests.push(chunk.toString('latin1').split('\r\n')[0]));
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(join(relayDir, 'daemon.sock'), resolve));
    viaRelay = { ...home.env, KEYFOB_SOCKET: join(relayDir, 'daemon.sock') };
  });
  afterAll(async () => {
    relay?.close();
    await home?.cleanup();
    await emulator?.close();
    if (relayDir) rmSync(relayDir, { recursive: true, force: true });
  });

  it('sends --duration to the daemon in seconds, for assume and exec', async () => {
    const assumed = await runKeyfob(['assume', 'QA/ReadOnlyAccess', '-d', '45m'], viaRelay);
    expect(assumed.code, assumed.stderr).toBe(0);
    const exec = await runKeyfob(['exec', 'QA/ReadOnlyAccess', '--duration=1h30m', '--', 'true'], viaRelay);
    expect(exec.code, exec.stderr).toBe(0);
    const plain = await runKeyfob(['assume', 'QA/ReadOnlyAccess'], viaRelay);
    expect(plain.code, plain.stderr).toBe(0);
    const assumes = requests.filter((line) => line.startsWith('GET /v1/assume?'));
    expect(assumes).toHaveLength(3);
    expect(assumes[0]).toMatch(/[?&]duration=2700[& ]/);
    expect(assumes[1]).toMatch(/[?&]duration=5400[& ]/);
    expect(assumes[2]).not.toContain('duration=');
  });

  it('refuses a duration or region it cannot read, in one line, with nothing on stdout', async () => {
    const cases: [string[], string][] = [
      [['assume', 'QA/ReadOnlyAccess', '-d', 'soon'], 'keyfob: "soon" is not a duration; give seconds or e.g. 45m, 1h, 1h30m\n'],
      [['exec', 'QA/ReadOnlyAccess', '-d', '0', '--', 'true'], 'keyfob: -d must be longer than 0 s, e.g. -d 1h; see: assume --help\n'],
      [['assume', '--auto-refresh', 'QA/ReadOnlyAccess', '-d', '1h'], expect.stringMatching(/^keyfob: --duration does not go with --auto-refresh .*\n$/) as unknown as string],
      [['exec', 'QA/ReadOnlyAccess', '--region', 'moon', '--', 'true'], 'keyfob: "moon" is not an AWS region, e.g. -r eu-west-1; see: assume --help\n'],
      [['assume', '--no-login=yes', 'QA/ReadOnlyAccess'], 'keyfob: --no-login takes no value; see: assume --help\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await runKeyfob(args, home.env);
      expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([1, '', stderr]);
    }
  });

  it('exec --region sets AWS_REGION and AWS_DEFAULT_REGION for the command', async () => {
    const r = await runKeyfob(['exec', 'QA/ReadOnlyAccess', '-r', 'ap-southeast-2', '--', '/bin/sh', '-c', 'echo "$AWS_REGION $AWS_DEFAULT_REGION $AWS_PROFILE"'], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('ap-southeast-2 ap-southeast-2 QA/ReadOnlyAccess\n');
  });

  it('exec with no command opens $SHELL with the credentials, and ends as it ends', async (ctx) => {
    requirePart(ctx, 'bash');
    const script = 'echo "shell=$BASH_VERSION profile=$AWS_PROFILE key=${AWS_ACCESS_KEY_ID:0:4}"; exit 3\n';
    const r = await runWithInput(['exec', 'Development/ReadOnlyAccess'], script, { ...home.env, SHELL: '/usr/bin/bash' });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^shell=5\.\S+ profile=Development\/ReadOnlyAccess key=ASIA\n$/);
    expect(r.stderr).toBe('keyfob: starting /usr/bin/bash with the credentials of Development/ReadOnlyAccess; exit it to drop them\n');
    // No $SHELL: /bin/sh.
    const { SHELL: _, ...noShell } = { ...home.env, SHELL: '' };
    const sh = await runWithInput(['exec', 'Development/ReadOnlyAccess'], 'echo "profile=$AWS_PROFILE"\n', noShell);
    expect([sh.code, sh.stdout]).toEqual([0, 'profile=Development/ReadOnlyAccess\n']);
    expect(sh.stderr).toContain('starting /bin/sh');
  });

  it('exec --help says that no command opens $SHELL', async () => {
    const r = await runKeyfob(['exec', '--help'], home.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('With no command it opens $SHELL (else /bin/sh) with them, as aws-vault does');
    const cli = await runKeyfob(['--help'], home.env);
    expect(cli.stdout.replace(/\s+/g, ' ')).toContain("keyfob exec <profile> [args..] Run a command with a profile's credentials (keyfob exec PROFILE -- cmd args); with no command, open $SHELL with them");
  });
});

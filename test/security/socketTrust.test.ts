// Only your own daemon answers. CI runs as root, so the attacker is a second, unprivileged user
// (test/helpers/otherUser.ts) who plants a fake daemon where the victim's clients might look: a
// planted KEYFOB_SOCKET, the /tmp fallback path, a world-writable parent dir (and a swap inside
// it), a KEYFOB_HOME with a symlinked log. Every client must refuse with one line and send the
// fake daemon nothing: the Node client, the sh front (bin/keyfob, the generated credential_process
// line), the shims' curl fast path, and the line earlier keyfobs wrote.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { socketLocation, SOCKET_PATH_LIMIT } from '../../src/core/paths.js';
import { AWS_CLI_PATH, runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { FAKE_DAEMON, otherUser, type OtherUser, type RunningAsOther } from '../helpers/otherUser.js';
import { partsPresent, requirePart } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';
const SHELL_DIR = join(dirname(dirname(KEYFOB_BIN)), 'shell');

const run = (command: string, args: string[], env: Record<string, string>, cwd?: string) => runCommand(command, args, env, { cwd });

describe.skipIf(!partsPresent('root'))('only your own daemon answers', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let attacker: OtherUser;
  let canary: string;
  const fakes: RunningAsOther[] = [];

  /** What the attacker's daemon answers: valid-looking credentials, and a command for a shell's eval. */
  const attackBody = () => `{"Version":1,"AccessKeyId":"ASIAATTACKER","SecretAccessKey":"x","SessionToken":"y"}; touch ${canary}/pwned`;

  beforeAll(async () => {
    attacker = otherUser()!;
    expect(attacker, 'these tests act as a second user: run them as root').toBeDefined();
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'] });
    canary = mkdtempSync(join(tmpdir(), 'kf-canary-'));
  });
  afterAll(async () => {
    for (const fake of fakes) await fake.stop();
    await home?.cleanup();
    await emulator?.close();
    attacker?.cleanup();
    rmSync(canary, { recursive: true, force: true });
  });

  async function plantFakeDaemon(socketPath: string): Promise<RunningAsOther> {
    const fake = await attacker.startNode(FAKE_DAEMON, [socketPath, attackBody()]);
    fakes.push(fake);
    return fake;
  }

  /** Every client the victim has, pointed at `env`: each must refuse, none may reach the fake. */
  async function expectEveryClientRefuses(ctx: TestContext, env: Record<string, string>, fake: RunningAsOther, refusal: string): Promise<void> {
    requirePart(ctx, 'aws-cli-v2'); // one of the clients
    const cp = await runKeyfob(['credential-process', '--profile', PROFILE], env);
    expect(cp.code).toBe(1);
    expect(cp.stdout).toBe('');
    expect(cp.stderr).toBe(`keyfob: ${refusal}\n`);

    // The sh front (the generated line, and so the AWS CLI below), and the line --fast-path used to write: the
    // socket fails the sh trust check, so Node refuses with its line and curl asks nothing.
    const front = await run(KEYFOB_COMMAND, ['credential-process', '--profile', PROFILE], env);
    expect(front).toEqual({ code: 1, stdout: '', stderr: `keyfob: ${refusal}\n` });
    const fastLine = await run('/bin/sh', [join(SHELL_DIR, 'credential-process.sh'), PROFILE], env);
    expect(fastLine).toEqual({ code: 1, stdout: '', stderr: `keyfob: ${refusal}\n` });

    // The shims' fast path and backend, and --unset carrying a live auto-refresh token.
    const script = [
      `eval "$(${KEYFOB_BIN} shell-init bash)"`,
      `assume ${PROFILE}; echo "status=$?"`,
      'export KEYFOB_EXPORTED=AWS_CONTAINER_AUTHORIZATION_TOKEN,AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'export AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-VICTIM-SECRET AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/x',
      'assume --unset; echo "unset=$?"',
      'echo "key=${AWS_ACCESS_KEY_ID-none}"',
    ].join('\n');
    const bash = await run('bash', ['-c', script], env);
    expect(bash.stdout).toContain('status=1');
    expect(bash.stdout).toContain('key=none');
    expect(bash.stderr).toContain(refusal);
    expect(existsSync(join(canary, 'pwned'))).toBe(false);

    const cli = await runAwsCli(['sts', 'get-caller-identity', '--profile', PROFILE, `--endpoint-url=${emulator.url}`], env);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain(refusal);
    // Nothing at all reached the fake daemon: no request, so no token and no name.
    expect(fake.output()).not.toMatch(/REQUEST/);
  }

  it('refuses a fake daemon at a KEYFOB_SOCKET another user planted', async (ctx) => {
    const sock = join(attacker.scratch(), 'keyfob.sock');
    const fake = await plantFakeDaemon(sock);
    const env = { ...home.env, KEYFOB_SOCKET: sock };
    await expectEveryClientRefuses(
      ctx,
      env,
      fake,
      `refusing the keyfob socket ${sock}: it is owned by uid ${attacker.uid}, not by you (uid 0); remove it (as its owner or root), or set KEYFOB_SOCKET to a path in a directory only you can write`,
    );
  });

  it('refuses a fake daemon at the /tmp fallback path, made by another user before the daemon', async (ctx) => {
    // A home too deep for a socket path: the socket falls back to /tmp/keyfob-UID-CKSUM.
    const deep = join(home.dir, 'd'.repeat(60), 'e'.repeat(60));
    mkdirSync(deep, { recursive: true, mode: 0o700 });
    const env = { ...home.env, KEYFOB_HOME: deep };
    const location = socketLocation(env);
    expect(location.fallbackFrom).toBeDefined();
    const dir = dirname(location.path);
    // The attacker gets there first: a 777 dir of theirs with their daemon in it.
    await attacker.runNode(`const fs = await import('node:fs'); fs.mkdirSync(${JSON.stringify(dir)}); fs.chmodSync(${JSON.stringify(dir)}, 0o777);`);
    try {
      const fake = await plantFakeDaemon(location.path);
      await expectEveryClientRefuses(
        ctx,
        env,
        fake,
        `refusing the keyfob socket ${location.path}: it is owned by uid ${attacker.uid}, not by you (uid 0); remove it (as its owner or root), or set KEYFOB_SOCKET to a path in a directory only you can write`,
      );
      // Nor will a daemon start there.
      const start = await runKeyfob(['daemon', 'run'], env);
      expect(start.code).toBe(1);
      expect(start.stderr).toBe(
        `keyfob: refusing the socket directory ${dir}: it is owned by uid ${attacker.uid}, not by you (uid 0); remove it (as its owner or root), or set KEYFOB_SOCKET to a path in a directory only you can write\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a world-writable parent, before start and after a swap inside it', async (ctx) => {
    const open = mkdtempSync(join(tmpdir(), 'kf-open-'));
    chmodSync(open, 0o777); // root's, but not sticky: anyone may rename what is inside
    try {
      const env = { ...home.env, KEYFOB_SOCKET: join(open, 'mine', 'daemon.sock') };
      const start = await runKeyfob(['daemon', 'run'], env);
      expect(start.code).toBe(1);
      expect(start.stderr).toBe(
        `keyfob: refusing the socket directory ${join(open, 'mine')}: ${open} can be written by other users (mode 777); run: chmod go-w ${open} (or set KEYFOB_SOCKET to a path in a directory only you can write)\n`,
      );
      // What the old daemon accepted and the attacker then swapped: their dir in its place.
      rmSync(join(open, 'mine'), { recursive: true, force: true });
      await attacker.runNode(`(await import('node:fs')).mkdirSync(${JSON.stringify(join(open, 'mine'))}, { mode: 0o700 });`);
      const fake = await plantFakeDaemon(join(open, 'mine', 'daemon.sock'));
      await expectEveryClientRefuses(
        ctx,
        env,
        fake,
        `refusing the keyfob socket ${join(open, 'mine', 'daemon.sock')}: it is owned by uid ${attacker.uid}, not by you (uid 0); remove it (as its owner or root), or set KEYFOB_SOCKET to a path in a directory only you can write`,
      );
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it("refuses another user's KEYFOB_HOME, and never follows a symlinked log", async () => {
    const victimFile = join(home.dir, 'bashrc');
    writeFileSync(victimFile, 'original\n');
    const theirs = join(attacker.scratch(), 'home');
    await attacker.runNode(
      `const fs = await import('node:fs'); fs.mkdirSync(${JSON.stringify(theirs)}, { mode: 0o755 }); fs.symlinkSync(${JSON.stringify(victimFile)}, ${JSON.stringify(join(theirs, 'daemon.log'))});`,
    );
    const refused = await runKeyfob(['daemon', 'run'], { ...home.env, KEYFOB_HOME: theirs });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `keyfob: refusing KEYFOB_HOME ${theirs}: it is owned by uid ${attacker.uid}, not by you (uid 0); remove it (as its owner or root), or set KEYFOB_HOME to a directory only you can write\n`,
    );
    expect(readFileSync(victimFile, 'utf8')).toBe('original\n');

    // In a home of the user's own, a daemon.log that is a symlink is not written through.
    const own = mkdtempSync(join(tmpdir(), 'kf-own-'));
    try {
      symlinkSync(victimFile, join(own, 'daemon.log'));
      const env = { ...home.env, KEYFOB_HOME: own, KEYFOB_LOG_LEVEL: 'debug' };
      expect((await runKeyfob(['daemon', 'start'], env)).code).toBe(0);
      expect((await runKeyfob(['status'], env)).code).toBe(0);
      expect(readFileSync(victimFile, 'utf8')).toBe('original\n');
      await runKeyfob(['daemon', 'stop'], env);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("refuses a request that names another user's config file", async () => {
    const theirs = join(attacker.scratch(), 'config');
    await attacker.runNode(`(await import('node:fs')).writeFileSync(${JSON.stringify(theirs)}, '[profile x]\\nkeyfob_sso_session = d-9067c0ffee\\nkeyfob_account_id = 111122223333\\nkeyfob_role_name = R\\n');`);
    const r = await runKeyfob(['credential-process', '--profile', 'x'], { ...home.env, AWS_CONFIG_FILE: theirs });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `keyfob: refusing the config file ${theirs}: it is owned by uid ${attacker.uid}, not by you (uid 0) or root; keep your AWS config in a directory only you can write\n`,
    );
  });
});

describe('paths', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('refuses a KEYFOB_SOCKET too long for a socket with one line, leaving no stray file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-long-'));
    try {
      const sock = join(dir, 'x'.repeat(SOCKET_PATH_LIMIT), 'daemon.sock');
      const env = { ...home.env, KEYFOB_SOCKET: sock };
      const message = `keyfob: KEYFOB_SOCKET is ${Buffer.byteLength(sock)} bytes long, and a Unix socket path can be at most ${SOCKET_PATH_LIMIT}: ${sock}; set a shorter KEYFOB_SOCKET, or unset it\n`;
      for (const args of [['credential-process', '--profile', PROFILE], ['daemon', 'run'], ['status']]) {
        const r = await runKeyfob(args, env);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toBe(message);
      }
      expect(readdirSync(dir)).toEqual([]);
      const doctor = await runKeyfob(['doctor'], env);
      expect(doctor.stdout).toContain(`a Unix socket path can be at most ${SOCKET_PATH_LIMIT}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('expands ~ in AWS_CONFIG_FILE as botocore does, wherever it is run from', async (ctx) => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'kf-cwd-'));
    try {
      const env = { ...home.env, AWS_CONFIG_FILE: '~/.aws/config' };
      const populate = await run(process.execPath, [KEYFOB_BIN, 'populate', '--region', 'eu-west-1'], env, elsewhere);
      expect(populate.code, populate.stderr).toBe(0);
      expect(existsSync(join(elsewhere, '~'))).toBe(false);
      expect(readFileSync(join(home.dir, '.aws', 'config'), 'utf8')).toContain(`[profile ${PROFILE}]`);
      const cp = await run(process.execPath, [KEYFOB_BIN, 'credential-process', '--profile', PROFILE], env, elsewhere);
      expect(cp.code, cp.stderr).toBe(0);
      expect(JSON.parse(cp.stdout).AccessKeyId).toMatch(/^ASIA/);
      requirePart(ctx, 'aws-cli-v2');
      const id = await run(AWS_CLI_PATH, ['sts', 'get-caller-identity', '--profile', PROFILE, `--endpoint-url=${emulator.url}`, '--output', 'json'], env, elsewhere);
      expect(id.code, id.stderr).toBe(0);
      expect(JSON.parse(id.stdout).Account).toBe('765432109876');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

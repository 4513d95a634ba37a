// The installed `keyfob` command is a POSIX sh front (bin/keyfob): a warm `credential-process
// --profile NAME` costs it one `ls` (the socket's trust check) and one `curl`, however it is
// linked (npm's global link, any other chain of links), whatever the environment sets (IFS,
// CDPATH, ENV, BASH_ENV, bash's SHELLOPTS), and it asks nothing of a socket the check refuses.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../helpers/emulator.js';
import { warmFrontRig, type FrontRig } from './frontRig.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, runCommand, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';
const ROOT = dirname(dirname(KEYFOB_BIN));

describe.skipIf(!partsPresent('bash', 'curl'))('the sh front', () => {
  let rig: FrontRig;
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let programs: string;
  let log: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // The only programs on PATH: ls, curl and node, each noting its run. Anything else the front ran would be missing.
    rig = await warmFrontRig(PROFILE, { ls: '/bin/ls', curl: '/usr/bin/curl' });
    ({ emulator, home, env, log, programs } = rig);
  });
  afterAll(async () => {
    await rig?.close();
  });

  /** Runs `command credential-process --profile PROFILE`; its answer, and the programs it ran. */
  async function answer(command: string, args: string[] = [], extra: Record<string, string> = {}) {
    writeFileSync(log, '');
    const r = await runCommand(command, [...args, 'credential-process', '--profile', PROFILE], { ...env, ...extra });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccountId: '765432109876' });
    return readFileSync(log, 'utf8').trim().split('\n');
  }

  it('runs one ls and one curl, also through npm\'s global link, under a prefix with a space and a quote', async () => {
    expect(await answer(KEYFOB_COMMAND)).toEqual(['ls', 'curl']);
    // npm install -g: PREFIX/bin/keyfob -> ../lib/node_modules/keyfob/bin/keyfob (here the package is linked, as npm link does).
    const prefix = join(home.dir, "it's a prefix");
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(prefix, 'lib', 'node_modules', 'keyfob'));
    symlinkSync('../lib/node_modules/keyfob/bin/keyfob', join(prefix, 'bin', 'keyfob'));
    expect(await answer(join(prefix, 'bin', 'keyfob'))).toEqual(['ls', 'curl']);
    // Found on PATH, as the AWS CLI's shell-less run of a bare `keyfob` would.
    writeFileSync(log, '');
    const onPath = await runCommand('/bin/sh', ['-c', 'keyfob credential-process --profile "$0"', PROFILE], { ...env, PATH: `${join(prefix, 'bin')}:${programs}` });
    expect(JSON.parse(onPath.stdout).AccountId).toBe('765432109876');
    expect(readFileSync(log, 'utf8')).toBe('ls\ncurl\n');
  });

  it('follows any other chain of links, relative and absolute, by reading them with ls', async () => {
    const a = join(home.dir, 'a dir');
    const b = join(home.dir, 'b dir');
    mkdirSync(a);
    mkdirSync(b);
    symlinkSync(KEYFOB_COMMAND, join(b, 'kf -> x')); // absolute, and a name with an arrow in it
    symlinkSync('../b dir/kf -> x', join(a, 'keyfob'));
    // One ls per link read, then the trust check's ls and curl.
    expect(await answer(join(a, 'keyfob'))).toEqual(['ls', 'ls', 'ls', 'curl']);
  });

  it('reads the same whatever IFS, CDPATH, ENV, BASH_ENV, SHELLOPTS or ~/.curlrc say, under dash and bash as sh', async () => {
    const startup = join(home.dir, 'startup.sh');
    writeFileSync(startup, 'echo "startup file read" >&2; exit 3\n');
    const hostile = { IFS: '/: ', CDPATH: home.dir, ENV: startup, BASH_ENV: startup, SHELLOPTS: 'errexit:nounset:noglob' };
    // Nor a ~/.curlrc that would print the headers too.
    const curlrc = join(home.dir, '.curlrc');
    writeFileSync(curlrc, 'include\n');
    try {
      expect(await answer(KEYFOB_COMMAND, [], hostile)).toEqual(['ls', 'curl']);
    } finally {
      rmSync(curlrc);
    }
    // bash run as sh (macOS, Fedora), which takes errexit and nounset from an exported SHELLOPTS.
    const bashAsSh = join(home.dir, 'bash-as-sh');
    mkdirSync(bashAsSh);
    symlinkSync('/bin/bash', join(bashAsSh, 'sh'));
    expect(await answer(join(bashAsSh, 'sh'), [KEYFOB_COMMAND], hostile)).toEqual(['ls', 'curl']);
    // There, errexit must not end the front when curl fails: Node answers instead.
    const failing = join(home.dir, 'failing-curl');
    mkdirSync(failing);
    writeFileSync(join(failing, 'curl'), `#!/bin/sh\necho curl >> '${log}'\nexit 7\n`, { mode: 0o755 });
    expect(await answer(join(bashAsSh, 'sh'), [KEYFOB_COMMAND], { ...hostile, PATH: `${failing}:${programs}` })).toEqual(['ls', 'curl', 'node']);
  });

  it('finds node beside its npm install when PATH has none (IDEs, cron, launchd): a cold call starts the daemon and answers', async () => {
    // npm's global layout: PREFIX/bin/{keyfob,node}, PREFIX/lib/node_modules/keyfob (its own
    // directory, where no node is noted); PATH with only ls and curl.
    const prefix = join(home.dir, 'node prefix');
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    const installed = join(prefix, 'lib', 'node_modules', 'keyfob');
    mkdirSync(join(installed, 'bin'), { recursive: true });
    copyFileSync(KEYFOB_COMMAND, join(installed, 'bin', 'keyfob'));
    chmodSync(join(installed, 'bin', 'keyfob'), 0o755);
    symlinkSync(KEYFOB_BIN, join(installed, 'bin', 'keyfob.cjs'));
    symlinkSync(join(ROOT, 'shell'), join(installed, 'shell'));
    symlinkSync('../lib/node_modules/keyfob/bin/keyfob', join(prefix, 'bin', 'keyfob'));
    symlinkSync(process.execPath, join(prefix, 'bin', 'node'));
    const bare = join(home.dir, 'bare');
    mkdirSync(bare);
    symlinkSync('/bin/ls', join(bare, 'ls'));
    symlinkSync('/usr/bin/curl', join(bare, 'curl'));
    expect((await runKeyfob(['daemon', 'stop'], home.env)).code).toBe(0);
    const cold = await runCommand(join(prefix, 'bin', 'keyfob'), ['credential-process', '--profile', PROFILE], { ...home.env, PATH: bare });
    // The new daemon's in-memory keyring has no sign-in: its one line, from the daemon Node started.
    expect(cold).toMatchObject({ code: 1, stdout: '' });
    expect(cold.stderr).toMatch(/^keyfob: [^\n]*run: keyfob login[^\n]*\n$/);
    expect(JSON.parse((await runKeyfob(['status', '--json'], { ...home.env, KEYFOB_NO_START: '1' })).stdout).daemon.pid).toBeGreaterThan(0);
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env)).code).toBe(0);
    const warm = await runCommand(join(prefix, 'bin', 'keyfob'), ['credential-process', '--profile', PROFILE], { ...home.env, PATH: bare });
    expect(JSON.parse(warm.stdout)).toMatchObject({ Version: 1, AccountId: '765432109876' });
    // Without that node, one line that says where it looked.
    rmSync(join(prefix, 'bin', 'node'));
    expect(await runCommand(join(prefix, 'bin', 'keyfob'), ['credential-process', '--profile', PROFILE], { ...home.env, PATH: bare, KEYFOB_FAST_PATH: 'off' })).toEqual({
      code: 127,
      stdout: '',
      stderr: 'keyfob: cannot find node on PATH, beside this keyfob, or in Homebrew; install Node.js 20 or later, or add it to PATH\n',
    });
  });

  it('uses the node noted when keyfob last wrote a line or a shim, read beside it without a fork', async () => {
    // shell-init (as populate) notes the node that runs it beside the installation.
    expect((await runKeyfob(['shell-init', 'bash'], home.env)).code).toBe(0);
    expect(readFileSync(join(ROOT, '.node-path'), 'utf8')).toBe(`${process.execPath}\n`);
    // An installation whose noted node is the only one: not on PATH, not beside an npm prefix.
    const install = join(home.dir, 'install');
    mkdirSync(join(install, 'bin'), { recursive: true });
    copyFileSync(KEYFOB_COMMAND, join(install, 'bin', 'keyfob'));
    chmodSync(join(install, 'bin', 'keyfob'), 0o755);
    symlinkSync(KEYFOB_BIN, join(install, 'bin', 'keyfob.cjs'));
    symlinkSync(join(ROOT, 'shell'), join(install, 'shell'));
    mkdirSync(join(home.dir, 'elsewhere'));
    symlinkSync(process.execPath, join(home.dir, 'elsewhere', 'node'));
    writeFileSync(join(install, '.node-path'), `${join(home.dir, 'elsewhere', 'node')}\n`);
    const bare = join(home.dir, 'bare');
    const r = await runCommand(join(install, 'bin', 'keyfob'), ['credential-process', '--profile', PROFILE], { ...home.env, PATH: bare, KEYFOB_FAST_PATH: 'off' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccountId: '765432109876' });
  });

  it('asks nothing of a socket of yours under a directory others can write; Node refuses it with the reason', async () => {
    const open = mkdtempSync(join(tmpdir(), 'kf-open-'));
    chmodSync(open, 0o777); // not sticky: another user could rename what is inside and put their own there
    const socketPath = join(open, 'mine', 'daemon.sock');
    mkdirSync(dirname(socketPath), { mode: 0o700 });
    let connections = 0;
    const server: Server = createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      writeFileSync(log, '');
      const r = await runCommand(KEYFOB_COMMAND, ['credential-process', '--profile', PROFILE], { ...env, KEYFOB_SOCKET: socketPath });
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `keyfob: refusing the keyfob socket ${socketPath}: ${open} can be written by other users (mode 777); run: chmod go-w ${open} (or set KEYFOB_SOCKET to a path in a directory only you can write)\n`,
      });
      expect(readFileSync(log, 'utf8')).toBe('ls\nnode\n'); // the check, then Node: no curl
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(open, { recursive: true, force: true });
    }
  });
});

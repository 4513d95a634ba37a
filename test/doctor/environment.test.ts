// doctor on the parts around keyfob: the shell it runs in (real bash, zsh, fish), the OS keychain,
// a daemon that hangs, and the `aws` a user has on PATH.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { check, doctorCommand, doctorJson, runDoctor, type DoctorJson } from './run.js';

const GOOD_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

/** Runs `script` in a real shell, which stays doctor's parent (`exit` after it stops an exec in place of the shell). */
function inShell(shell: 'bash' | 'zsh' | 'fish', script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(shell, ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const doctorLine = (extra = '') => `${doctorCommand().map((w) => `'${w}'`).join(' ')} --json${extra}`;

describe('keyfob doctor around keyfob', () => {
  let emulator: RunningEmulator;
  const homes: KeyfobHome[] = [];
  const newHome = (extra: Record<string, string> = {}) => {
    const home = keyfobHome(emulator, { PATH: GOOD_PATH, ...extra });
    homes.push(home);
    return home;
  };
  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
  });
  afterAll(async () => {
    for (const home of homes) await home.cleanup();
    await emulator?.close();
  });

  describe('shell shim', () => {
    const shimOf = async (ctx: TestContext, shell: 'bash' | 'zsh' | 'fish', env: Record<string, string>, before = '') => {
      requirePart(ctx, shell);
      const r = await inShell(shell, `${before}${doctorLine()}; exit $${shell === 'fish' ? 'status' : '?'}`, env);
      return check(JSON.parse(r.stdout) as DoctorJson, 'shell-shim');
    };

    it('says "unknown" in a shell without the marker, with the rc line for that shell', async (ctx) => {
      expect(await shimOf(ctx, 'bash', newHome().env)).toEqual({
        name: 'shell-shim',
        status: 'warn',
        detail: 'unknown: this bash does not say it loaded the assume shim (KEYFOB_SHELL_SHIM is unset)',
        fix: 'add to ~/.bashrc: eval "$(keyfob shell-init bash)"',
      });
    });

    it('trusts the marker in the shell that set it', async (ctx) => {
      const shim = await shimOf(ctx, 'zsh', newHome({ KEYFOB_SHELL_SHIM: 'zsh' }).env);
      expect(shim).toEqual({ name: 'shell-shim', status: 'ok', detail: 'assume is loaded in zsh (KEYFOB_SHELL_SHIM=zsh)' });
    });

    it('sees a marker inherited from another shell, and gives the line for this one', async (ctx) => {
      const shim = await shimOf(ctx, 'fish', newHome({ KEYFOB_SHELL_SHIM: 'bash' }).env);
      expect(shim).toEqual({
        name: 'shell-shim',
        status: 'warn',
        detail: 'the bash shim was loaded by a parent shell, not by this fish',
        fix: 'add to ~/.config/fish/config.fish: keyfob shell-init fish | source',
      });
    });

    it('finds the real shim loaded by eval "$(keyfob shell-init bash)"', async (ctx) => {
      const shim = await shimOf(ctx, 'bash', newHome().env, `eval "$('${process.execPath}' '${KEYFOB_BIN}' shell-init bash)"; `);
      expect(shim.status).toBe('ok');
    });
  });

  describe('keychain', () => {
    it('fails with the fix when no keychain answers', async () => {
      const home = newHome({ KEYFOB_KEYRING: 'keychain', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
      const report = await doctorJson(home.env);
      const keychain = check(report, 'keychain');
      expect(keychain.status).toBe('fail');
      expect(keychain.detail).toMatch(/^the OS keychain is not available \(/);
      expect(keychain.fix).toMatch(/or set KEYFOB_KEYRING=memory$/);
      expect(report.code).toBe(1);
    });

    it('passes with a real, unlocked gnome-keyring', async (ctx) => {
      requirePart(ctx, 'keychain');
      const home = newHome({ KEYFOB_KEYRING: 'keychain' });
      const script = join(home.dir, 'doctor.sh');
      writeFileSync(script, `echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n${doctorLine(` > '${home.dir}/out.json'`)}\n`);
      await new Promise((resolve) => spawn('dbus-run-session', ['--', 'sh', script], { env: home.env, stdio: 'ignore' }).on('close', resolve));
      const keychain = check(JSON.parse(readFileSync(join(home.dir, 'out.json'), 'utf8')) as DoctorJson, 'keychain');
      expect(keychain).toEqual({ name: 'keychain', status: 'ok', detail: 'the OS keychain answered' });
    });
  });

  describe('a daemon that accepts and never answers', () => {
    let silent: Server;
    const held: Socket[] = [];
    afterAll(() => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('fails the daemon check at its time limit instead of hanging doctor', async () => {
      const home = newHome();
      const socketDir = join(home.dir, 'run');
      mkdirSync(socketDir, { mode: 0o700 });
      home.env.KEYFOB_SOCKET = join(socketDir, 'daemon.sock');
      silent = createServer((socket) => void held.push(socket)); // reads nothing, answers nothing
      await new Promise<void>((resolve) => silent.listen(home.env.KEYFOB_SOCKET, resolve));
      const started = Date.now();
      const r = await runDoctor([], home.env, 30_000);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^✗ daemon +no answer within 10s\n {4}fix: /m);
      expect(r.stdout).toMatch(/^✓ config /m);
    }, 40_000);
  });

  describe('aws on PATH', () => {
    /** A PATH whose first `aws` is an AWS CLI v1 (as a pyenv or pip install is), Debian's v2 behind it. */
    function v1FirstHome(): { home: KeyfobHome; fakeAws: string } {
      const bin = join(newHome().dir, 'v1bin');
      mkdirSync(bin);
      const fakeAws = join(bin, 'aws');
      // AWS CLI v1 prints its version on stderr.
      writeFileSync(fakeAws, '#!/bin/sh\necho "aws-cli/1.29.0 Python/3.11.7 Linux/6.1 botocore/1.31.0" >&2\n');
      chmodSync(fakeAws, 0o755);
      const home = newHome({ PATH: `${bin}:${GOOD_PATH}` });
      return { home, fakeAws };
    }

    it('warns about a v1 first on PATH, naming the v2 behind it', async (ctx) => {
      const { home, fakeAws } = v1FirstHome();
      const awsCli = check(await doctorJson(home.env), 'aws-cli');
      expect(awsCli.status).toBe('warn');
      expect(awsCli.detail).toBe(`${fakeAws} is aws-cli/1.29.0, which cannot read [sso-session]; keyfob's credential_process profiles still work with it`);
      requirePart(ctx, 'aws-cli-v2'); // the fix names the v2 found behind the v1
      expect(awsCli.fix).toMatch(new RegExp(`^put /usr/bin before ${dirname(fakeAws)} on PATH \\(/usr/bin/aws is aws-cli/2\\.`));
    });

    it('fails when --mode native profiles need [sso-session]', async () => {
      const { home } = v1FirstHome();
      writeFileSync(
        home.configFile,
        `[sso-session acme]\nsso_start_url = ${emulator.startUrl}\nsso_region = eu-west-1\n\n[profile native]\nsso_session = acme\nsso_account_id = 210987654321\nsso_role_name = ReadOnlyAccess\n`,
      );
      const report = await doctorJson(home.env);
      expect(check(report, 'aws-cli').status).toBe('fail');
      expect(check(report, 'aws-cli').detail).toMatch(/, and 1 profile\(s\) use sso_session \(--mode native\)$/);
      expect(report.code).toBe(1);
    });

    it('notes a missing AWS CLI without failing', async () => {
      const nothingHere = join(newHome().dir, 'empty-bin');
      mkdirSync(nothingHere);
      const home = newHome({ PATH: nothingHere });
      const awsCli = check(await doctorJson(home.env), 'aws-cli');
      expect(awsCli.status).toBe('skip');
      expect(awsCli.detail).toMatch(/^no aws on PATH; keyfob does not need it/);
    });
  });
});

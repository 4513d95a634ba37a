// A real OpenSSH server (Debian's openssh-server) on a loopback port, for tests of `ssh -R`: its
// own sshd_config, a throwaway host key, key authentication with a throwaway ed25519 key, no PAM,
// StrictModes on. A second local user (`keyfob-remote`, with a home and a login shell, as sshd
// needs) stands in for the remote machine. Needs root (useradd, runuser, sshd). Every sshd and ssh
// process started here is killed by close().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idOf } from './otherUser.js';

export const SSHD_PATH = '/usr/sbin/sshd';
export const SSH_PATH = '/usr/bin/ssh';
export const REMOTE_USER = 'keyfob-remote';
const REMOTE_HOME = `/home/${REMOTE_USER}`;

export interface RemoteUser {
  name: string;
  uid: number;
  gid: number;
  /** A directory of this run inside the user's home (0700, owned by it): its config, its forwarded socket. */
  dir: string;
}

export interface Sshd {
  port: number;
  remote: RemoteUser;
  /** Start `ssh -N -R remotePath:localPath` as root to the remote user; resolves once the forwarded socket exists. */
  forward(remotePath: string, localPath: string): Promise<ChildProcess>;
  /** Run a command as the remote user with exactly `env`; its output once it exits. */
  runAsRemote(command: string, args: string[], env: Record<string, string>, timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** sshd's log so far (LogLevel VERBOSE), for failure messages. */
  log(): string;
  close(): Promise<void>;
}

/** The remote user: a home (StrictModes checks it) and a shell sshd can run; an unlocked account (no PAM: a `!` password locks it). */
function ensureRemoteUser(): { uid: number; gid: number } {
  if (!idOf(REMOTE_USER)) {
    try {
      execFileSync('/usr/sbin/useradd', ['--create-home', '--home-dir', REMOTE_HOME, '--shell', '/bin/sh', REMOTE_USER], { stdio: 'ignore' });
    } catch {
      // created meanwhile by another run: looked up below
    }
  }
  const ids = idOf(REMOTE_USER);
  if (!ids) throw new Error(`could not create the test user ${REMOTE_USER}`);
  execFileSync('/usr/sbin/usermod', ['--password', '*', REMOTE_USER], { stdio: 'ignore' }); // key login only, never a password
  mkdirSync(REMOTE_HOME, { recursive: true });
  chownSync(REMOTE_HOME, ids.uid, ids.gid);
  chmodSync(REMOTE_HOME, 0o755);
  return ids;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 2_000).unref();
  });
}

async function waitFor(test: () => boolean, timeoutMs: number, what: string, detail: () => string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (test()) return;
  throw new Error(`${what} within ${timeoutMs / 1000} s; ${detail()}`);
}

export async function startSshd(): Promise<Sshd> {
  const { uid, gid } = ensureRemoteUser();
  // Privilege separation needs /run/sshd (the package's tmpfiles.d makes it at boot; a container has no boot).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const keys = mkdtempSync(join(tmpdir(), 'kf-sshd-'));
  const dir = mkdtempSync(join(REMOTE_HOME, 'kf-'));
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  const hostKey = join(keys, 'host_ed25519');
  const clientKey = join(keys, 'client_ed25519');
  for (const key of [hostKey, clientKey]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'keyfob-test', '-f', key]);
  // Root-owned in the user's home, 0644: StrictModes accepts it, and the user cannot add keys to it.
  const authorizedKeys = join(REMOTE_HOME, `.${dir.split('/').pop()}-authorized_keys`);
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  const port = await freePort();
  const knownHosts = join(keys, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  const config = join(keys, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      'PidFile none',
      'UsePAM no',
      'StrictModes yes',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      `AllowUsers ${REMOTE_USER}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'AllowStreamLocalForwarding yes',
      'StreamLocalBindUnlink yes',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  let log = '';
  const sshd = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  sshd.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  const clients: ChildProcess[] = [];
  const close = async () => {
    await Promise.all([...clients, sshd].map(killGroup));
    rmSync(keys, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    rmSync(authorizedKeys, { force: true });
  };
  try {
    await waitFor(() => log.includes(`Server listening on 127.0.0.1 port ${port}`), 10_000, 'sshd did not listen', () => `sshd says: ${log}`);
  } catch (err) {
    await close();
    throw err;
  }

  const forward = async (remotePath: string, localPath: string): Promise<ChildProcess> => {
    const args = [
      '-F', '/dev/null',
      '-N',
      '-p', String(port),
      '-i', clientKey,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'ExitOnForwardFailure=yes',
      '-R', `${remotePath}:${localPath}`,
      `${REMOTE_USER}@127.0.0.1`,
    ];
    const ssh = spawn(SSH_PATH, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    clients.push(ssh);
    let stderr = '';
    ssh.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await waitFor(
      () => existsSync(remotePath) || ssh.exitCode !== null,
      15_000,
      'the forwarded socket did not appear',
      () => `ssh says: ${stderr}; sshd says: ${log}`,
    );
    if (ssh.exitCode !== null) throw new Error(`ssh -R exited (${ssh.exitCode}): ${stderr}; sshd says: ${log}`);
    return ssh;
  };

  const runAsRemote = (command: string, args: string[], env: Record<string, string>, timeoutMs = 60_000) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('/usr/sbin/runuser', ['-u', REMOTE_USER, '--', '/usr/bin/env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args], {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', reject);
      const timer = setTimeout(() => {
        void killGroup(child);
        reject(new Error(`${command} ${args.join(' ')} as ${REMOTE_USER} timed out; stderr: ${stderr}`));
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  return { port, remote: { name: REMOTE_USER, uid, gid, dir }, forward, runAsRemote, log: () => log, close };
}

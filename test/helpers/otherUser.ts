// Another local user, for attacks: CI runs as root, so a test can create an unprivileged user
// (useradd) and act as it (runuser). Without root the tests that need it skip, and fail under CI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPart, partsPresent } from './requirePart.js';

export const ATTACKER = 'keyfob-mallory';

export interface OtherUser {
  name: string;
  uid: number;
  gid: number;
  /** Run a Node script (its source) as that user; resolves with its output once it exits. */
  runNode(source: string, args?: string[], timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Start a long-running Node script as that user; resolves once it prints `ready` on stdout. */
  startNode(source: string, args?: string[]): Promise<RunningAsOther>;
  /** A directory that user can write in (mode 0755, owned by it), removed by cleanup(). */
  scratch(): string;
  cleanup(): void;
}

export interface RunningAsOther {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** A user's uid and gid, or undefined when there is no such user. */
export function idOf(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** Creates the user once (several test files may race to: the loser finds it there). */
function ensureUser(name: string): { uid: number; gid: number } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = idOf(name);
    if (found) return found;
    try {
      execFileSync('/usr/sbin/useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: 'ignore' });
    } catch {
      // another test file created it first, or /etc/passwd was locked: look again
      execFileSync('sleep', ['0.2']);
    }
  }
  const found = idOf(name);
  if (!found) throw new Error(`could not create the test user ${name} with useradd`);
  return found;
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The attacker, or undefined where this process cannot make one (not root). Callers skip first with
 * describe.skipIf(!partsPresent('root')), which throws under CI: the security tests must run there.
 */
export function otherUser(name = ATTACKER): OtherUser | undefined {
  if (missingPart('root') !== undefined) {
    partsPresent('root'); // throws under CI
    return undefined;
  }
  const { uid, gid } = ensureUser(name);
  const scratchDirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-other-'));
    chmodSync(dir, 0o755);
    execFileSync('chown', [`${uid}:${gid}`, dir]);
    scratchDirs.push(dir);
    return dir;
  };
  const scriptFile = (source: string) => {
    const dir = scratch();
    const file = join(dir, 'attack.mjs');
    writeFileSync(file, source, { mode: 0o644 });
    return file;
  };
  const spawnAs = (file: string, args: string[]) =>
    spawn('/usr/sbin/runuser', ['-u', name, '--', process.execPath, file, ...args], {
      cwd: '/',
      detached: true, // its own process group: runuser forks, and a kill must reach the script too
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  return {
    name,
    uid,
    gid,
    scratch,
    runNode: (source, args = [], timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const child = spawnAs(scriptFile(source), args);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('error', reject);
        const timer = setTimeout(() => {
          killGroup(child);
          reject(new Error(`script as ${name} timed out; stderr: ${stderr}`));
        }, timeoutMs);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      }),
    startNode: (source, args = []) =>
      new Promise((resolve, reject) => {
        const child = spawnAs(scriptFile(source), args);
        let stdout = '';
        let stderr = '';
        const stop = () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('close', () => done());
            killGroup(child);
          });
        child.stderr!.on('data', (d) => (stderr += d));
        child.stdout!.on('data', (d) => {
          stdout += d;
          if (/^ready\b/m.test(stdout)) resolve({ child, output: () => stdout + stderr, stop });
        });
        child.on('error', reject);
        child.on('close', (code) => reject(new Error(`script as ${name} exited (${code}) before it was ready: ${stderr}`)));
      }),
    cleanup: () => {
      for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fake keyfob daemon: answers every HTTP request on a Unix socket with the attacker's body. */
export const FAKE_DAEMON = `
import { createServer } from 'node:http';
import { chmodSync } from 'node:fs';
const [socketPath, body, contentType = 'application/json'] = process.argv.slice(2);
const seen = [];
const server = createServer((req, res) => {
  let data = '';
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    seen.push(req.method + ' ' + req.url + ' ' + data);
    process.stderr.write('REQUEST ' + req.method + ' ' + req.url + ' ' + data + '\\n');
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(socketPath, () => {
  chmodSync(socketPath, 0o777);
  console.log('ready');
});
`;

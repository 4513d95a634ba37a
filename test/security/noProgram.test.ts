// "No request, and no file a request names, leads to a program." Every route of the socket API,
// with every parameter, every method and every input header, pointed (config=, credentials=) at
// files that hold a credential_process line which would touch a canary: a file of the user's own
// (a download, a clone), and /proc/PID/cmdline of a root process whose argv holds the section (the
// red team's setuid `su`). The canary never appears, the daemon never has a child (polled in
// /proc; KEYFOB_KEYRING=memory, so not even the keychain helper), and no answer carries the keys
// the attacker's program would print. Then the files a request names, one by one (findings 1, 5):
// /proc refused in one line, a FIFO refused at once (not read: it would hang the daemon), a
// missing file read as empty.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketLocation } from '../../src/core/paths.js';
import { ENVIRONMENT_HEADER, PROCESS_HEADER, ROUTES } from '../../src/daemon/protocol.js';
import { daemonPid, watchChildren } from '../helpers/daemonChildren.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { otherUser } from '../helpers/otherUser.js';
import { partsPresent } from '../helpers/requirePart.js';

const ATTACKER_KEY = 'AKIAATTACKERCHOSEN01';

interface Answer {
  status: number;
  body: string;
}

function ask(socketPath: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath, method, path, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) }, timeout: 8_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 8 s: ${method} ${path.split('?')[0]}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

describe('no request, and no file a request names, leads to a program', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let scratch: string;
  let canary: string;
  let socketPath: string;
  let section: string;
  let holder: ChildProcess;
  let holderCmdline: string;
  const files: Record<string, { config: string; credentials: string }> = {};

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    scratch = mkdtempSync(join(tmpdir(), 'kf-no-program-'));
    chmodSync(scratch, 0o700);
    canary = join(scratch, 'canary');
    const evil = join(scratch, 'evil.sh');
    writeFileSync(evil, `#!/bin/sh\ntouch ${canary}\nprintf '{"Version":1,"AccessKeyId":"${ATTACKER_KEY}","SecretAccessKey":"attackerSecretAccessKey0000000000000001"}'\n`, { mode: 0o755 });
    section = `[profile x]\ncredential_process = /bin/sh ${evil}\n\n[profile y]\nrole_arn = arn:aws:iam::210987654321:role/CiReader\nsource_profile = x\n\n[x]\ncredential_process = /bin/sh ${evil}\n`;
    // A file of the user's own that holds the section (a download, a clone): config and credentials.
    const download = join(scratch, 'README.download');
    writeFileSync(download, `Some project notes.\n${section}\nMore notes.\n`, { mode: 0o600 });
    const empty = join(scratch, 'empty');
    writeFileSync(empty, '', { mode: 0o600 });
    // A root process whose argv holds the section: its /proc/PID/cmdline is root's.
    holder = spawn('/bin/bash', ['-c', 'exec -a "$SECTION" sleep 600'], { env: { SECTION: `\n${section}` }, stdio: 'ignore' });
    holderCmdline = `/proc/${holder.pid}/cmdline`;
    await new Promise((resolve) => setTimeout(resolve, 200));
    files['download as config'] = { config: download, credentials: empty };
    files['download as credentials'] = { config: empty, credentials: download };
    files['/proc cmdline as config'] = { config: holderCmdline, credentials: empty };
    files['/proc cmdline as credentials'] = { config: empty, credentials: holderCmdline };
    const started = await runKeyfob(['credential-process', '--profile', 'nothing'], home.env); // starts the daemon
    expect(started.stderr).toMatch(/nothing/);
    socketPath = socketLocation(home.env).path;
  }, 120_000);

  afterAll(async () => {
    holder?.kill('SIGKILL');
    await home?.cleanup();
    await emulator?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('every route, method, parameter and input header: no program, no child, no attacker keys', async () => {
    const pid = daemonPid(home.env.KEYFOB_HOME!);
    const watch = watchChildren(pid, 5);
    const output = { Version: 1, AccessKeyId: 'AKIASUPPLIEDBYPEER01', SecretAccessKey: 'suppliedSecretAccessKey000000000000000001' };
    const headerSets: Record<string, Record<string, string>> = {
      none: {},
      environment: { [ENVIRONMENT_HEADER]: Buffer.from(JSON.stringify({ accessKeyId: 'AKIAENVIRONMENTKEY01', secretAccessKey: 'environmentSecret000000000000000000000001' })).toString('base64') },
      process: { [PROCESS_HEADER]: Buffer.from(JSON.stringify({ profile: 'x', command: `/bin/sh ${join(scratch, 'evil.sh')}`, output })).toString('base64') },
    };
    const body = {
      profile: 'x',
      for: 'y',
      code: '123456',
      ssoSession: 'x',
      all: true,
      token: 'not-a-token',
      accessKeyId: 'AKIAPEERSTOREDKEY001',
      secretAccessKey: 'peerStoredSecretAccessKey000000000000001',
      startUrl: emulator.startUrl,
      region: emulator.region,
    };
    const routes = Object.entries(ROUTES).filter(([name]) => name !== 'shutdown' && name !== 'login');
    let asked = 0;
    for (const [, route] of routes) {
      for (const method of ['GET', 'POST']) {
        for (const [, named] of Object.entries(files)) {
          for (const profile of ['x', 'y']) {
            const query = new URLSearchParams({ profile, config: named.config, credentials: named.credentials, shell: 'bash', exported: '', duration: '900', ssoSession: 'x', region: 'eu-west-1' });
            const answers = await Promise.all(
              Object.entries(headerSets).map(async ([kind, headers]) => ({ kind, answer: await ask(socketPath, method, `${route}?${query}`, headers, method === 'POST' ? { ...body, profile } : undefined) })),
            );
            asked += answers.length;
            for (const { kind, answer } of answers) {
              if (kind !== 'process') expect(answer.body, `${method} ${route} ${profile} ${named.config}`).not.toContain(ATTACKER_KEY);
            }
          }
        }
      }
    }
    expect(asked).toBeGreaterThan(500);
    expect(watch.stop()).toEqual([]);
    expect(existsSync(canary)).toBe(false);
  }, 240_000);

  it("finding 1: config= naming root's /proc/PID/cmdline or the user's own download: a refusal or NeedsProcess, never the attacker's keys", async () => {
    const named = (config: string) => ask(socketPath, 'GET', `${ROUTES.credentials}?${new URLSearchParams({ profile: 'x', config, credentials: join(scratch, 'empty') })}`, {});
    const proc = await named(holderCmdline);
    expect(proc.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(proc.body).error.message).toMatch(new RegExp(`refusing the config file ${holderCmdline}: .* is under /proc, /sys, /dev`));
    // Its own line: a link no request above can have filled with output of its own.
    const clone = join(scratch, 'clone.ini');
    writeFileSync(clone, section.replaceAll('evil.sh', 'evil.sh clone'), { mode: 0o600 });
    const download = await named(clone);
    expect(download.status).toBe(428);
    expect(JSON.parse(download.body).error).toMatchObject({ code: 'NeedsProcess', processProfile: 'x' });
    expect(existsSync(canary)).toBe(false);
  });

  it('finding 5: /proc, /sys and /dev refused in one line; a FIFO refused at once; a missing file read as empty', async () => {
    const named = (config: string) => ask(socketPath, 'GET', `${ROUTES.credentials}?${new URLSearchParams({ profile: 'x', config, credentials: join(scratch, 'empty') })}`, {});
    for (const kernel of [`/proc/${process.pid}/environ`, '/sys/kernel/hostname', '/dev/null']) {
      const answer = await named(kernel);
      expect(answer.status, kernel).toBeGreaterThanOrEqual(400);
      const message = JSON.parse(answer.body).error.message as string;
      expect(message).toMatch(/is under \/proc, \/sys, \/dev, which hold the kernel's files, not an AWS config; name your own file$/);
      expect(message).not.toContain('\n');
    }
    const fifo = join(scratch, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const pipe = await named(fifo);
    expect(JSON.parse(pipe.body).error.message).toMatch(/is not a regular file/);
    // A dotfile manager's symlink is followed: the file it leads to is read.
    const linked = join(scratch, 'linked-config');
    symlinkSync(join(scratch, 'clone.ini'), linked);
    expect(JSON.parse((await named(linked)).body).error).toMatchObject({ code: 'NeedsProcess', processProfile: 'x' });
    const missing = await named(join(scratch, 'missing'));
    expect(JSON.parse(missing.body).error).toMatchObject({ code: 'UnknownProfile' });
    expect(existsSync(canary)).toBe(false);
  });

  it.skipIf(!partsPresent('root'))('finding 5: a missing file another user keeps creating and removing under /tmp is never read as theirs', async () => {
    const mallory = otherUser()!;
    try {
      const theirs = mallory.scratch();
      const theirCanary = join(theirs, 'canary');
      const theirScript = join(theirs, 'evil.sh');
      writeFileSync(theirScript, `#!/bin/sh\ntouch ${theirCanary}\nprintf '{"Version":1,"AccessKeyId":"${ATTACKER_KEY}","SecretAccessKey":"attackerSecretAccessKey0000000000000001"}'\n`, { mode: 0o755 });
      const target = join(tmpdir(), `kf-race-${process.pid}-${Date.now()}`);
      // Present, absent, present…: the old code checked the path while it was absent and then read it by path.
      const toggler = await mallory.startNode(
        `import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
const [target, script] = process.argv.slice(2);
const section = '[profile x]\\ncredential_process = /bin/sh ' + script + '\\n';
console.log('ready');
for (;;) {
  writeFileSync(target + '.new', section, { mode: 0o644 });
  renameSync(target + '.new', target);
  unlinkSync(target);
}`,
        [target, theirScript],
      );
      try {
        const codes = new Set<string>();
        for (let i = 0; i < 400; i++) {
          // Each request names another credentials file: a first read of the pair every time.
          const query = new URLSearchParams({ profile: 'x', config: target, credentials: join(scratch, `absent-${i}`) });
          const answer = await ask(socketPath, 'GET', `${ROUTES.credentials}?${query}`, {});
          codes.add(JSON.parse(answer.body).error?.code ?? `HTTP ${answer.status}`);
          expect(answer.body).not.toContain(ATTACKER_KEY);
        }
        expect([...codes].sort()).toEqual(expect.arrayContaining(['UnknownProfile']));
        expect(codes.has('NeedsProcess'), 'their file was read as ours').toBe(false);
      } finally {
        await toggler.stop();
        rmSync(target, { force: true });
        rmSync(`${target}.new`, { force: true });
      }
      expect(existsSync(theirCanary)).toBe(false);
    } finally {
      mallory.cleanup();
    }
  }, 120_000);
});

// A macOS layout on Linux, judged by both trust implementations (src/core/trustedPath.ts and
// shell/trust.sh, the latter under dash and bash --posix, reading a fake BSD `ls` that prints
// macOS's `@` marker column), as an ordinary user: root-owned `private/var/folders/xx`, a root-owned
// `var -> private/var` link, the user's own `var/folders/xx/HASH/T` (TMPDIR), a `tmp ->
// private/tmp` link to a sticky directory (the socket's /tmp fallback), and
// `Users/ann/Library/Application Support`. Both must accept the good places and refuse the same
// bad ones. The tree lives under a private root in /tmp, not at /: Linux has a real /var, which no
// mount namespace turns into a link, so the paths are macOS's below that root.
import { execFileSync } from 'node:child_process';
import { chmodSync, lchownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYFOB_BIN } from '../helpers/keyfob.js';
import { otherUser, type OtherUser } from '../helpers/otherUser.js';
import { partsPresent } from '../helpers/requirePart.js';

const ROOT = dirname(dirname(KEYFOB_BIN));
const TRUSTED_PATH = join(ROOT, 'dist', 'core', 'trustedPath.js');

describe.skipIf(!partsPresent('root', 'posix-shells'))('a macOS layout, judged alike by trustedPath.ts and trust.sh', () => {
  let ann: OtherUser;
  let mallory: OtherUser;
  let r: string;
  let fakeLs: string;
  let lsLog: string;
  const places = () => ({
    tmpdir: join(r, 'var', 'folders', 'xx', 'abc123', 'T', 'keyfob', 'daemon.sock'),
    support: join(r, 'Users', 'ann', 'Library', 'Application Support', 'keyfob', 'run', 'daemon.sock'),
    fallback: join(r, 'tmp', `keyfob-${ann.uid}-1234`, 'daemon.sock'),
  });

  /** A directory owned by `uid` with `mode`. */
  const dir = (path: string, uid: number, mode: number) => {
    mkdirSync(path, { recursive: true });
    chownSync(path, uid, uid === 0 ? 0 : ann.gid);
    chmodSync(path, mode);
  };
  const socket = (path: string) => {
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
    chownSync(path, ann.uid, ann.gid);
  };

  beforeAll(() => {
    ann = otherUser('keyfob-ann')!;
    mallory = otherUser()!;
    r = mkdtempSync(join(tmpdir(), 'kf-mac-'));
    chmodSync(r, 0o755);
    for (const d of ['private', 'private/var', 'private/var/folders', 'private/var/folders/xx', 'Users']) dir(join(r, d), 0, 0o755);
    dir(join(r, 'private/var/folders/xx/abc123'), ann.uid, 0o755);
    dir(join(r, 'private/var/folders/xx/abc123/T'), ann.uid, 0o700);
    dir(join(r, 'private/var/folders/xx/abc123/T/keyfob'), ann.uid, 0o700);
    symlinkSync('private/var', join(r, 'var')); // root's, as on macOS
    dir(join(r, 'private/tmp'), 0, 0o1777);
    symlinkSync('private/tmp', join(r, 'tmp'));
    dir(join(r, 'private/tmp', `keyfob-${ann.uid}-1234`), ann.uid, 0o700);
    dir(join(r, 'Users/ann'), ann.uid, 0o755);
    dir(join(r, 'Users/ann/Library'), ann.uid, 0o700);
    dir(join(r, 'Users/ann/Library/Application Support'), ann.uid, 0o755);
    dir(join(r, 'Users/ann/Library/Application Support/keyfob'), ann.uid, 0o700);
    dir(join(r, 'Users/ann/Library/Application Support/keyfob/run'), ann.uid, 0o700);
    for (const path of Object.values(places())) socket(path);
    // BSD ls: the same columns, and a marker after the mode (@: extended attributes, +: an ACL).
    const bin = ann.scratch();
    lsLog = join(bin, 'ls.log');
    writeFileSync(lsLog, '');
    chownSync(lsLog, ann.uid, ann.gid);
    fakeLs = join(bin, 'ls');
    writeFileSync(fakeLs, `#!/bin/sh\necho ls >> '${lsLog}'\n/bin/ls "$@" | sed 's/^\\([-bcdlps][-rwxsStT]\\{9\\}\\)[.+]\\{0,1\\} /\\1@ /'\n`, { mode: 0o755 });
  });
  afterAll(() => {
    if (r) rmSync(r, { recursive: true, force: true });
    ann?.cleanup();
    mallory?.cleanup();
  });

  /** Each place's verdict as ann: from trustedPath.ts, and from trust.sh under dash and bash --posix. */
  async function verdicts(paths: string[]) {
    const ts = await ann.runNode(
      `const { socketProblem } = await import(${JSON.stringify(`file://${TRUSTED_PATH}`)});\n` +
        `console.log(JSON.stringify(${JSON.stringify(paths)}.map((p) => (socketProblem(p, 'elsewhere') ? 'refused' : 'trusted'))));`,
    );
    expect(ts.stderr).toBe('');
    const sh = (shell: string[]) =>
      paths.map((path) => {
        try {
          execFileSync('/usr/sbin/runuser', ['-u', ann.name, '--', ...shell, '-c', '. "$0"; __keyfob_trusted_socket "$1"', join(ROOT, 'shell', 'trust.sh'), path], {
            env: { PATH: `${dirname(fakeLs)}:/usr/bin:/bin`, HOME: join(r, 'Users', 'ann') },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          return 'trusted';
        } catch {
          return 'refused';
        }
      });
    return { ts: JSON.parse(ts.stdout) as string[], dash: sh(['dash']), bash: sh(['bash', '--posix']) };
  }

  it('trusts the user\'s TMPDIR through root\'s var link, Application Support, and the /tmp fallback through the tmp link', async () => {
    const p = places();
    writeFileSync(lsLog, '');
    const all = ['trusted', 'trusted', 'trusted'];
    expect(await verdicts([p.tmpdir, p.support, p.fallback])).toEqual({ ts: all, dash: all, bash: all });
    expect(readFileSync(lsLog, 'utf8')).toContain('ls'); // the fake BSD ls was the one read
    expect(execFileSync(fakeLs, ['-ldn', join(r, 'Users')], { encoding: 'utf8' })).toMatch(/^drwxr-xr-x@ /);
  });

  it('refuses alike: a group-writable Application Support, a folders/xx of another user, a var link of another user, a /tmp that is not sticky', async () => {
    const p = places();
    const refusedOne = { ts: ['refused'], dash: ['refused'], bash: ['refused'] };
    const support = join(r, 'Users/ann/Library/Application Support');
    chmodSync(support, 0o775);
    try {
      expect(await verdicts([p.support])).toEqual(refusedOne);
    } finally {
      chmodSync(support, 0o755);
    }
    const xx = join(r, 'private/var/folders/xx');
    chownSync(xx, mallory.uid, mallory.gid);
    try {
      expect(await verdicts([p.tmpdir])).toEqual(refusedOne);
    } finally {
      chownSync(xx, 0, 0);
    }
    lchownSync(join(r, 'var'), mallory.uid, mallory.gid);
    try {
      expect(await verdicts([p.tmpdir])).toEqual(refusedOne);
    } finally {
      lchownSync(join(r, 'var'), 0, 0);
    }
    chmodSync(join(r, 'private/tmp'), 0o777);
    try {
      expect(await verdicts([p.fallback])).toEqual(refusedOne);
    } finally {
      chmodSync(join(r, 'private/tmp'), 0o1777);
    }
    // And all is well again: the refusals came from what was changed.
    const all = ['trusted', 'trusted', 'trusted'];
    expect(await verdicts([p.tmpdir, p.support, p.fallback])).toEqual({ ts: all, dash: all, bash: all });
  });
});

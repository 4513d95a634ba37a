// The sh front (bin/keyfob, with shell/locate.sh, trust.sh and fastpath.sh) under every /bin/sh a
// macOS or Linux user may have: bash 3.2 in POSIX mode (macOS), dash (Debian, Ubuntu), zsh run as
// sh and with --emulate sh (macOS can select it), busybox ash (Alpine), mksh (Android, some BSD
// setups), yash and posh.
// In each: the warm path is answered by one ls and one curl (no Node); a hostile profile name is
// answered exactly and runs nothing; an untrusted socket is never asked (Node refuses it with the
// reason); no daemon hands over to Node, which says so. A shell that cannot run the check must fail
// closed: Node answers, never an unchecked curl.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYFOB_COMMAND, runCommand, type KeyfobHome } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';
import { untrustedFakeDaemon } from './fakeDaemon.js';
import { warmFrontRig, type FrontRig } from './frontRig.js';

const PROFILE = 'Experiments/AdministratorAccess';
const which = (bin: string) => execFileSync('/bin/sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();

interface Sh {
  name: string;
  /** The program and the words before the script. */
  command: () => string;
  args: string[];
  env?: Record<string, string>;
  /** A shell whose test(1) lacks what the trust check needs (posh: no -O): it must fail closed, to Node. */
  failsClosed?: boolean;
}

describe.skipIf(!partsPresent('bash', 'zsh', 'curl', 'posix-shells'))('the sh front under every /bin/sh', () => {
  let rig: FrontRig;
  let home: KeyfobHome;
  let log: string;
  let env: Record<string, string>;
  let zshAsSh: string;

  const SHELLS: Sh[] = [
    // macOS's /bin/sh: bash 3.2, run as sh (POSIX mode). BASH_COMPAT=32 turns off what later bash changed.
    { name: 'bash 3.2 --posix', command: () => which('bash'), args: ['--posix'], env: { BASH_COMPAT: '32' } },
    { name: 'dash', command: () => which('dash'), args: [] },
    // zsh started by the name sh emulates sh (as `emulate sh`), as when macOS's /bin/sh selects zsh.
    { name: 'zsh as sh', command: () => zshAsSh, args: [] },
    { name: 'zsh --emulate sh', command: () => which('zsh'), args: ['--emulate', 'sh'] },
    { name: 'busybox ash', command: () => which('busybox'), args: ['sh'] },
    { name: 'mksh', command: () => which('mksh'), args: [] },
    { name: 'yash', command: () => which('yash'), args: [], env: { LANG: 'C.UTF-8' } },
    // posh's test(1) has no -O (nor -ef, nor a printf builtin): the check cannot be made, so Node answers.
    { name: 'posh', command: () => which('posh'), args: [], failsClosed: true },
  ];

  beforeAll(async () => {
    // The only programs on PATH: ls, curl and node, each noting its run.
    rig = await warmFrontRig(PROFILE, { ls: which('ls'), curl: which('curl') });
    ({ home, env, log } = rig);
    const zshDir = join(home.dir, 'zsh-as-sh');
    mkdirSync(zshDir);
    zshAsSh = join(zshDir, 'sh');
    symlinkSync(which('zsh'), zshAsSh);
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
  });

  /** `SHELL bin/keyfob credential-process --profile NAME`: the result and the programs it ran. */
  async function front(sh: Sh, profile: string, extra: Record<string, string> = {}) {
    writeFileSync(log, '');
    const result = await runCommand(sh.command(), [...sh.args, KEYFOB_COMMAND, 'credential-process', '--profile', profile], { ...env, ...sh.env, ...extra });
    return { ...result, ran: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  }

  for (const sh of SHELLS) {
    /** The programs a fast answer runs: one ls and one curl; where the check fails closed, Node alone. */
    const fast = sh.failsClosed ? ['node'] : ['ls', 'curl'];
    describe(sh.name, () => {
      it(sh.failsClosed ? 'the warm path: the check fails closed, quietly, and Node answers' : 'the warm path: one ls and one curl, no Node', async () => {
        const r = await front(sh, PROFILE);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccountId: '765432109876' });
        expect(r.ran).toEqual(fast);
      });

      it('a hostile profile name is answered exactly and runs nothing; an unknown one is refused as the daemon words it', async () => {
        const canary = mkdtempSync(join(tmpdir(), 'kf-canary-'));
        const name = `$(touch ${canary}/a) \`touch ${canary}/b\` it's; * ? [x] ~ $HOME ${sh.name} \u202Eevil & x`;
        writeFileSync(home.configFile, `\n[profile "${name}"]\nkeyfob_sso_session = d-9067c0ffee\nkeyfob_account_id = 765432109876\nkeyfob_role_name = ReadOnlyAccess\nregion = eu-west-1\n`, { flag: 'a' });
        try {
          const known = await front(sh, name, { LANG: 'C.UTF-8' });
          expect(known.stderr).toBe('');
          expect(JSON.parse(known.stdout)).toMatchObject({ Version: 1, AccountId: '765432109876' });
          expect(known.ran).toEqual(fast);
          const unknown = await front(sh, `${name} nope`, { LANG: 'C.UTF-8' });
          const node = await runCommand(process.execPath, [join(dirname(KEYFOB_COMMAND), 'keyfob.cjs'), 'credential-process', '--profile', `${name} nope`], { ...env, LANG: 'C.UTF-8' });
          expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: node.stderr, ran: fast });
          expect(unknown.stderr).toMatch(/^keyfob: profile "[^\n]*evil & x nope" is not in [^\n]*\n$/);
          expect(readdirSync(canary)).toEqual([]);
        } finally {
          rmSync(canary, { recursive: true, force: true });
        }
      });

      it('an untrusted socket is never asked: Node refuses it with the reason', async () => {
        const daemon = await untrustedFakeDaemon();
        try {
          const r = await front(sh, PROFILE, { KEYFOB_SOCKET: daemon.socket });
          expect(r).toMatchObject({ code: 1, stdout: '', stderr: daemon.refusal });
          expect(r.ran).not.toContain('curl');
          expect(r.ran).toContain('node');
          expect(daemon.askers).toEqual([]);
        } finally {
          await daemon.close();
        }
      });

      it('no daemon (a socket nobody listens on): the front hands over to Node, which says so', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'kf-stale-'));
        const socket = join(dir, 'daemon.sock');
        execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', socket]);
        try {
          const r = await front(sh, PROFILE, { KEYFOB_SOCKET: socket, KEYFOB_NO_START: '1' });
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(new RegExp(`^keyfob: the keyfob daemon did not answer \\(nothing answers at ${socket} and KEYFOB_NO_START=1; [^\\n]*\\n$`));
          expect(r.ran).toEqual(sh.failsClosed ? ['node'] : ['ls', 'curl', 'node']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});

// What the shims' prompt hook does, in real bash, zsh and fish:
// - an auto-refresh token's daemon is the process at KEYFOB_DAEMON_PID only if it is the user's
//   and has the daemon's identity (KEYFOB_DAEMON_ID): a reused pid, by another user's process or
//   by one of the user's own, is not taken for the daemon, and the hook fetches a new token;
// - static credentials that expired are named once, with what to run, and their dead keys go, so
//   the AWS CLI falls back to AWS_PROFILE (the profile's own credential_process line).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI_PATH } from '../helpers/awscli.js';
import { KEYFOB_BIN, runCommand, signedInSuite } from '../helpers/keyfob.js';
import { otherUser, type OtherUser, type RunningAsOther } from '../helpers/otherUser.js';
import { partsPresent } from '../helpers/requirePart.js';

const PROFILE = 'Experiments/AdministratorAccess';

/** Per shell: load the shim, run one prompt, set a variable (exported where assume exported it). */
const SHELLS = {
  bash: {
    args: ['--norc', '--noprofile', '-c'],
    init: `eval "$("$KEYFOB" shell-init bash)"`,
    prompt: 'eval "$PROMPT_COMMAND"',
    set: (name: string, value: string) => `${name}=${value}`,
    status: (what: string) => `echo "${what}=$?"`,
  },
  zsh: {
    args: ['-f', '-c'],
    init: `eval "$("$KEYFOB" shell-init zsh)"`,
    prompt: 'for f in $precmd_functions; do $f; done',
    set: (name: string, value: string) => `${name}=${value}`,
    status: (what: string) => `echo "${what}=$?"`,
  },
  fish: {
    args: ['--no-config', '-c'],
    init: `"$KEYFOB" shell-init fish | source`,
    prompt: 'emit fish_prompt',
    set: (name: string, value: string) => `set -gx ${name} ${value}`,
    status: (what: string) => `echo "${what}=$status"`,
  },
} as const;
type Shell = keyof typeof SHELLS;

/** Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19];
}

describe.skipIf(!partsPresent('bash', 'zsh', 'fish', 'curl', 'root', 'aws-cli-v2'))('the shims at the prompt', () => {
  const suite = signedInSuite();
  let mallory: OtherUser;
  let theirs: RunningAsOther;
  let theirPid: number;
  let mine: ChildProcess;

  beforeAll(async () => {
    mallory = otherUser()!;
    theirs = await mallory.startNode("console.log('ready ' + process.pid); setInterval(() => {}, 1000);");
    theirPid = Number(/^ready (\d+)/m.exec(theirs.output())![1]);
    mine = spawn('sleep', ['600'], { stdio: 'ignore' });
  });
  afterAll(async () => {
    mine?.kill();
    await theirs?.stop();
    mallory?.cleanup();
  });

  function run(shell: Shell, lines: string[], extra: Record<string, string> = {}) {
    const { args } = SHELLS[shell];
    return runCommand(`/usr/bin/${shell}`, [...args, lines.join('\n')], { ...suite.home.env, KEYFOB: KEYFOB_BIN, LANG: 'C.UTF-8', ...extra }, { timeoutMs: 60_000 });
  }
  const value = (stdout: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1];

  it('without /proc (macOS, BSD): the daemon\'s id is random, and the shims ask its socket for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-noproc-'));
    const check = (shell: Shell) => {
      const { init, set, status } = SHELLS[shell];
      return [init, set('KEYFOB_DAEMON_PID', '$PID'), set('KEYFOB_DAEMON_ID', '$ID'), '__keyfob_daemon_alive', status('right'), set('KEYFOB_DAEMON_ID', 'x$ID'), '__keyfob_daemon_alive', status('wrong')].join('\n');
    };
    // In a mount namespace whose /proc is an empty tmpfs: the daemon, its ping, and each shell's check.
    const script = [
      'mount -t tmpfs none /proc',
      '"$NODE" "$KEYFOB" daemon start >/dev/null 2>&1',
      'ping=$(curl -s --unix-socket "$KEYFOB_HOME/run/daemon.sock" http://keyfob/v1/ping)',
      'echo "ping=$ping"',
      'export PID=$(printf %s "$ping" | sed \'s/.*"pid":\\([0-9]*\\).*/\\1/\') ID=$(printf %s "$ping" | sed \'s/.*"id":"\\([^"]*\\)".*/\\1/\')',
      ...(Object.keys(SHELLS) as Shell[]).map((shell) => `echo "${shell}=" $(/usr/bin/${shell} ${SHELLS[shell].args.join(' ')} "$CHECK_${shell.toUpperCase()}")`),
      'kill "$PID"',
    ].join('\n');
    try {
      const env = { ...suite.home.env, HOME: dir, KEYFOB_HOME: join(dir, 'kf'), KEYFOB_SOCKET: '', AWS_CONFIG_FILE: join(dir, 'config'), NODE: process.execPath, KEYFOB: KEYFOB_BIN };
      writeFileSync(env.AWS_CONFIG_FILE, '');
      const r = await runCommand('unshare', ['-m', 'sh', '-c', script], { ...env, CHECK_BASH: check('bash'), CHECK_ZSH: check('zsh'), CHECK_FISH: check('fish') }, { timeoutMs: 60_000 });
      expect(value(r.stdout, 'ping')).toMatch(/"id":"[0-9a-f]{32}"/);
      for (const shell of Object.keys(SHELLS)) expect(value(r.stdout, shell), r.stderr).toBe(' right=0 wrong=1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  for (const shell of Object.keys(SHELLS) as Shell[]) {
    it(`${shell}: a reused pid, another user's process or one of the user's own, is not the daemon`, async () => {
      const { init, prompt, set, status } = SHELLS[shell];
      const show = (tag: string) => `echo "${tag}=$KEYFOB_DAEMON_PID:$AWS_CONTAINER_AUTHORIZATION_TOKEN"`;
      const r = await run(shell, [
        init,
        `assume --auto-refresh ${PROFILE} 2>/dev/null`,
        show('first'),
        '__keyfob_daemon_alive',
        status('daemon'),
        `echo "id=$KEYFOB_DAEMON_ID"`,
        shell === 'fish' ? 'set ID $KEYFOB_DAEMON_ID' : 'ID=$KEYFOB_DAEMON_ID',
        // Another user's process at the pid, even one that had the daemon's start time.
        set('KEYFOB_DAEMON_PID', String(theirPid)),
        set('KEYFOB_DAEMON_ID', startTime(theirPid)),
        '__keyfob_daemon_alive',
        status('theirs'),
        // One of the user's own processes at the pid, with the daemon's id.
        set('KEYFOB_DAEMON_PID', String(mine.pid)),
        set('KEYFOB_DAEMON_ID', '"$ID"'),
        '__keyfob_daemon_alive',
        status('mine'),
        prompt, // not the daemon: the hook gets a new token from the real one
        show('renewed'),
      ]);
      expect(r.stderr).toBe('');
      const daemonPid = Number(JSON.parse(execFileSync(process.execPath, [KEYFOB_BIN, 'status', '--json'], { env: suite.home.env, encoding: 'utf8' })).daemon.pid);
      const [firstPid, firstToken] = value(r.stdout, 'first')!.split(':');
      expect(Number(firstPid)).toBe(daemonPid);
      expect(value(r.stdout, 'id')).toBe(startTime(daemonPid));
      expect(value(r.stdout, 'daemon')).toBe('0');
      expect(value(r.stdout, 'theirs')).toBe('1');
      expect(value(r.stdout, 'mine')).toBe('1');
      const [renewedPid, renewedToken] = value(r.stdout, 'renewed')!.split(':');
      expect(Number(renewedPid)).toBe(daemonPid);
      expect(renewedToken).toMatch(/^[\w-]{20,}$/);
      expect(renewedToken).not.toBe(firstToken);
    }, 90_000);

    it(`${shell}: static credentials that expired are named once, and the AWS CLI falls back to the profile`, async () => {
      const { init, prompt, set } = SHELLS[shell];
      const r = await run(shell, [
        init,
        `assume ${PROFILE} 2>/dev/null`,
        prompt, // not expired yet: nothing said
        `echo "key=$AWS_ACCESS_KEY_ID"`,
        // As if the hours had passed: the expiry assume exported is now behind us.
        set('AWS_CREDENTIAL_EXPIRATION', '2026-01-05T08:09:07.000Z'),
        prompt,
        prompt,
        'env | grep -E "^(AWS_|KEYFOB_)" | LC_ALL=C sort',
        '"$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --query Account --output text',
      ], { AWS_CLI: AWS_CLI_PATH, EMU: suite.emulator.url, TZ: 'UTC' });
      expect(r.stderr).toBe(
        `keyfob: the credentials for ${PROFILE} expired at 08:09 UTC; run: assume ${PROFILE} (or assume --auto-refresh ${PROFILE})\n`,
      );
      expect(value(r.stdout, 'key')).toMatch(/^ASIA/);
      expect(r.stdout).not.toMatch(/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|CREDENTIAL_EXPIRATION)=/m);
      expect(r.stdout).toContain(`AWS_PROFILE=${PROFILE}\n`);
      expect(r.stdout).toContain('KEYFOB_EXPORTED=AWS_PROFILE,KEYFOB_PROFILE,AWS_REGION,AWS_DEFAULT_REGION\n');
      expect(r.stdout).toMatch(/^765432109876$/m);
    }, 90_000);
  }
});

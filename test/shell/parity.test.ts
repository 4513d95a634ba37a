// One fast path, five clients: the same cases through the Node client (`node keyfob.cjs
// credential-process`), the sh front (bin/keyfob), and `assume` in bash, zsh and fish. Each case
// says what every client must do: a hostile name answers exactly and runs nothing (the real daemon
// and the emulator); a silent socket ends every client with one line within the documented bound
// (45 s), asked once (Node never waits again after curl); 428 goes from the fast path to Node; a
// definitive refusal is printed as it is, and Node never starts; an untrusted socket is never
// asked; no daemon goes to Node, which says so.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, KEYFOB_COMMAND, runCommand, signedInHome, type KeyfobHome, type RunResult } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';
import { fakeDaemon, untrustedFakeDaemon, type FakeAnswer } from './fakeDaemon.js';

const CLIENTS = ['node client', 'front', 'bash', 'zsh', 'fish'] as const;
type Client = (typeof CLIENTS)[number];
const SHELLS = ['bash', 'zsh', 'fish'] as const;
/** docs/security.md: no client waits longer than 45 s for an answer; the margin is for a loaded machine. */
const BOUND_MS = 45_000;
const MARGIN_MS = 7_000;

/** `assume "$KF_PROFILE"` in a fresh shell that sourced the shim; prints AWS_PROFILE and exits with assume's status. */
const SHELL_RUN: Record<(typeof SHELLS)[number], [string, string[]]> = {
  bash: ['/usr/bin/bash', ['--norc', '--noprofile', '-c', '. "$KF_SHIM"; assume "$KF_PROFILE"; s=$?; printf %s "${AWS_PROFILE-}"; exit $s']],
  zsh: ['/usr/bin/zsh', ['-f', '-c', '. "$KF_SHIM"; assume "$KF_PROFILE"; s=$?; printf %s "${AWS_PROFILE-}"; exit $s']],
  fish: ['/usr/bin/fish', ['--no-config', '-c', 'source $KF_SHIM; assume $KF_PROFILE; set s $status; printf %s "$AWS_PROFILE"; exit $s']],
};

interface Outcome extends RunResult {
  ms: number;
}

describe('one fast path: one curl call per language', () => {
  const ROOT = dirname(dirname(KEYFOB_BIN));
  /** The curl calls of a file, with the line continuations joined. */
  const curlCalls = (file: string) =>
    readFileSync(join(ROOT, file), 'utf8')
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((line) => /(^|[\s($])curl\s+-/.test(line));

  it('the sh files and the front share one curl call; fish has one, with the same flags and bounds', () => {
    const sh = ['bin/keyfob', ...readdirSync(join(ROOT, 'shell')).filter((f) => f.endsWith('.sh')).map((f) => `shell/${f}`)].flatMap(curlCalls);
    const fish = curlCalls('shell/assume.fish');
    expect(sh).toHaveLength(1);
    expect(fish).toHaveLength(1);
    const flags = (line: string) => [...line.matchAll(/\s(-q|-s|--noproxy '\*'|--connect-timeout \d+|-H 'Accept: text\/plain'|-G)(?=\s)/g)].map((m) => m[1]);
    expect(flags(sh[0])).toEqual(['-q', '-s', "--noproxy '*'", '--connect-timeout 2', "-H 'Accept: text/plain'", '-G']);
    expect(flags(fish[0])).toEqual(flags(sh[0]));
    expect(sh[0]).toContain('--max-time "${__keyfob_max_time:-45}"');
    expect(readFileSync(join(ROOT, 'shell/assume.fish'), 'utf8')).toContain('set -l max_time 45\n');
  });
});

describe.skipIf(!partsPresent('bash', 'zsh', 'fish', 'curl'))('one fast path: the same cases through five clients', () => {
  let shims: string;
  let emulator: RunningEmulator;
  let home: KeyfobHome;

  beforeAll(async () => {
    shims = mkdtempSync(join(tmpdir(), 'kf-shims-'));
    for (const shell of SHELLS) writeFileSync(join(shims, shell), execFileSync(process.execPath, [KEYFOB_BIN, 'shell-init', shell], { encoding: 'utf8' }));
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator);
  }, 120_000);
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    if (shims) rmSync(shims, { recursive: true, force: true });
  });

  async function run(client: Client, profile: string, env: Record<string, string>): Promise<Outcome> {
    const started = Date.now();
    const opts = { timeoutMs: BOUND_MS + 30_000 };
    let result: RunResult;
    if (client === 'node client') result = await runCommand(process.execPath, [KEYFOB_BIN, 'credential-process', '--profile', profile], env, opts);
    else if (client === 'front') result = await runCommand(KEYFOB_COMMAND, ['credential-process', '--profile', profile], env, opts);
    else {
      const [shell, args] = SHELL_RUN[client];
      result = await runCommand(shell, args, { ...env, KF_SHIM: join(shims, client), KF_PROFILE: profile }, opts);
    }
    return { ...result, ms: Date.now() - started };
  }

  /** Every client against its own fake daemon, at once: the outcome and who asked that daemon. */
  async function againstFake(answer: FakeAnswer, extra: Record<string, string> = {}) {
    return Promise.all(
      CLIENTS.map(async (client) => {
        const daemon = await fakeDaemon(answer);
        try {
          const outcome = await run(client, 'Some/Profile', { ...home.env, KEYFOB_SOCKET: daemon.socket, ...extra });
          return { client, outcome, askers: [...daemon.askers] };
        } finally {
          await daemon.close();
        }
      }),
    );
  }

  /** What the fast path of each client is: curl for the sh ones, the Node client itself. */
  const fast = (client: Client) => (client === 'node client' ? 'node' : 'curl');

  it('a hostile name: answered exactly, the same refusal line everywhere, and nothing runs', async () => {
    const canary = mkdtempSync(join(tmpdir(), 'kf-canary-'));
    const name = `$(touch ${canary}/a) \`touch ${canary}/b\` it's; \u202Eevil & x`;
    const section = `\n[profile "${name}"]\nkeyfob_sso_session = d-9067c0ffee\nkeyfob_account_id = 765432109876\nkeyfob_role_name = ReadOnlyAccess\nregion = eu-west-1\n`;
    writeFileSync(home.configFile, section, { flag: 'a' });
    const env = { ...home.env, LANG: 'C.UTF-8' };
    try {
      for (const client of CLIENTS) {
        const outcome = await run(client, name, env);
        expect(outcome.code, `${client}: ${outcome.stderr}`).toBe(0);
        if (client === 'node client' || client === 'front') expect(JSON.parse(outcome.stdout)).toMatchObject({ Version: 1, AccountId: '765432109876' });
        else expect(outcome.stdout).toBe(name);
      }
      const unknown = `${name} nope`;
      const refusals = await Promise.all(CLIENTS.map((client) => run(client, unknown, env)));
      for (const [i, outcome] of refusals.entries()) {
        expect(outcome.code, CLIENTS[i]).toBe(1);
        expect(outcome.stderr, CLIENTS[i]).toMatch(/^keyfob: profile "[^\n]*\\u\{202e\}evil & x nope" is not in [^\n]*\n$/);
        expect(outcome.stderr, CLIENTS[i]).toBe(refusals[0].stderr);
      }
      // The front printed the daemon's own line: with only sh, ls and curl, no Node to fall back to.
      const programs = join(canary, '..', `${canary.split('/').pop()}-programs`);
      mkdirSync(programs);
      try {
        for (const program of ['ls', 'curl']) symlinkSync(execFileSync('/bin/sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim(), join(programs, program));
        expect(await run('front', unknown, { ...env, PATH: programs })).toMatchObject({ code: 1, stderr: refusals[0].stderr });
      } finally {
        rmSync(programs, { recursive: true, force: true });
      }
      expect(readdirSync(canary)).toEqual([]);
    } finally {
      rmSync(canary, { recursive: true, force: true });
    }
  }, 120_000);

  it('a silent socket: every client ends with one line within the bound, asking once', async () => {
    const results = await againstFake({ silent: true });
    for (const { client, outcome, askers } of results) {
      expect(outcome.code, client).toBe(1);
      expect(outcome.stderr, client).toMatch(/^keyfob: the keyfob daemon did not answer \(no answer within 45s on \/[^\n]*\/daemon\.sock\); check: keyfob daemon status, and KEYFOB_HOME\/daemon\.log\n$/);
      expect(outcome.stdout, client).toBe('');
      expect(outcome.ms, client).toBeLessThan(BOUND_MS + MARGIN_MS);
      expect(askers, client).toEqual([fast(client)]); // never a second wait in Node
    }
  }, BOUND_MS + 60_000);

  it('428: the fast path hands the request to Node, which supplies what it can', async () => {
    const message = 'profile "Some/Profile" takes its source credentials from the environment (credential_source = Environment), and this client sent none; set AWS_ACCESS_KEY_ID';
    const results = await againstFake({ status: 428, code: 'NeedsEnvironment', message });
    for (const { client, outcome, askers } of results) {
      expect(outcome.code, client).toBe(1);
      expect(outcome.stderr, client).toBe(`keyfob: ${message}\n`);
      expect(askers, client).toEqual(client === 'node client' ? ['node'] : ['curl', 'node']);
    }
  }, 120_000);

  it('a definitive refusal (503, 401, 403) is printed as it is, and Node never starts', async () => {
    for (const [status, code] of [
      [503, 'UpstreamUnavailable'],
      [401, 'NotSignedIn'],
      [403, 'Forwarded'],
    ] as const) {
      const message = `refused with ${status} for a reason; run: something`;
      const results = await againstFake({ status, code, message });
      for (const { client, outcome, askers } of results) {
        expect(outcome.code, `${client} ${status}`).toBe(1);
        expect(outcome.stderr, `${client} ${status}`).toBe(`keyfob: ${message}\n`);
        expect(askers, `${client} ${status}`).toEqual([fast(client)]);
      }
    }
  }, 120_000);

  it('an untrusted socket is never asked: Node refuses it with the reason', async () => {
    const daemon = await untrustedFakeDaemon();
    try {
      for (const client of CLIENTS) {
        const outcome = await run(client, 'Some/Profile', { ...home.env, KEYFOB_SOCKET: daemon.socket });
        expect(outcome.code, client).toBe(1);
        expect(outcome.stderr, client).toBe(daemon.refusal);
      }
      expect(daemon.askers).toEqual([]);
    } finally {
      await daemon.close();
    }
  }, 120_000);

  it('no daemon (a socket nobody listens on): the fast path hands over to Node, which says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-stale-'));
    const socket = join(dir, 'daemon.sock');
    // A socket file with no listener: connect is refused, as after a daemon killed with SIGKILL.
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', socket]);
    try {
      for (const client of CLIENTS) {
        const outcome = await run(client, 'Some/Profile', { ...home.env, KEYFOB_SOCKET: socket, KEYFOB_NO_START: '1' });
        expect(outcome.code, client).toBe(1);
        expect(outcome.stderr, client).toMatch(new RegExp(`^keyfob: the keyfob daemon did not answer \\(nothing answers at ${socket} and KEYFOB_NO_START=1; [^\\n]*\\n$`));
      }
    } finally {
      rmSync(dirname(socket), { recursive: true, force: true });
    }
  }, 120_000);
});

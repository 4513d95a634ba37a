// The real parts a test drives (the AWS CLI v2, Chromium, tmux, the shells, the keychain). Where one is
// missing the test is SKIPPED (reported as skipped, never as passed), and under CI (.ci/run exports
// CI=true) it FAILS: CI installs every part, so a missing one there is a broken machine, not a reason
// to test less. No test may `return` early on a missing part.
import { accessSync, appendFileSync, constants, mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { expect } from 'vitest';

export type Part = 'aws-cli-v2' | 'chromium' | 'tmux' | 'bash' | 'zsh' | 'fish' | 'curl' | 'git' | 'keychain' | 'non-loopback-ipv4' | 'root' | 'sshd' | 'systemd-analyze' | 'desktop-dialog' | 'posix-shells';

export const AWS_CLI_PATH = '/usr/bin/aws';

/** Where skipped files are noted during a run (.tmp/ is ignored by git; a run inside a test names its own). */
export const MISSING_PARTS_LOG = process.env.KEYFOB_TEST_PARTS_LOG || join(new URL('../..', import.meta.url).pathname, '.tmp', 'missing-parts.jsonl');

/** The Debian packages that bring each part (none for what no package brings). */
export const PART_PACKAGES: Record<Part, string[]> = {
  'aws-cli-v2': ['awscli'],
  chromium: ['chromium'],
  tmux: ['tmux'],
  bash: ['bash'],
  zsh: ['zsh'],
  fish: ['fish'],
  curl: ['curl'],
  git: ['git'],
  keychain: ['dbus', 'gnome-keyring', 'libsecret-tools'],
  sshd: ['openssh-server', 'openssh-client'],
  'non-loopback-ipv4': [],
  root: ['passwd', 'util-linux'],
  'systemd-analyze': ['systemd'],
  'desktop-dialog': ['xvfb', 'xdotool', 'zenity'],
  'posix-shells': ['dash', 'mksh', 'yash', 'posh', 'busybox'],
};

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (bin: string) => (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).some((dir) => dir && executable(join(dir, bin)));

const missingExecutable = (path: string, install: string) => (executable(path) ? undefined : `${path} is missing (${install})`);

/** Why `path` is not an AWS CLI v2, or undefined when its --version says aws-cli/2. */
export function notAwsCliV2(path: string): string | undefined {
  const missing = missingExecutable(path, 'apt-get install awscli');
  if (missing) return missing;
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8' } });
  // v2 prints its version on stdout, v1 on stderr.
  const version = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  return /^aws-cli\/2\./.test(version) ? undefined : `${path} is not the AWS CLI v2: --version says ${JSON.stringify(version.split('\n')[0] || `nothing (exit ${run.status})`)}`;
}

/** Why the part is unusable here, or undefined when it is present. */
const checks: Record<Part, () => string | undefined> = {
  // Debian's awscli is v2; the `aws` a developer has on PATH may be v1 (pyenv), which cannot read [sso-session].
  'aws-cli-v2': () => notAwsCliV2(AWS_CLI_PATH),
  chromium: () => missingExecutable('/usr/bin/chromium', 'apt-get install chromium'),
  tmux: () => missingExecutable('/usr/bin/tmux', 'apt-get install tmux'),
  bash: () => missingExecutable('/usr/bin/bash', 'apt-get install bash'),
  zsh: () => missingExecutable('/usr/bin/zsh', 'apt-get install zsh'),
  fish: () => missingExecutable('/usr/bin/fish', 'apt-get install fish'),
  curl: () => missingExecutable('/usr/bin/curl', 'apt-get install curl'),
  git: () => missingExecutable('/usr/bin/git', 'apt-get install git'),
  // Checks the generated systemd user unit (keyfob daemon install-agent); a fresh Debian has no systemd.
  'systemd-analyze': () => missingExecutable('/usr/bin/systemd-analyze', 'apt-get install systemd'),
  // An MFA prompt with no terminal: zenity on a virtual X display (Xvfb), answered with xdotool.
  'desktop-dialog': () => {
    const missing = ['Xvfb', 'xdotool', 'zenity'].filter((bin) => !onPath(bin));
    return missing.length ? `${missing.join(', ')} not on PATH (apt-get install xvfb xdotool zenity)` : undefined;
  },
  // The shells a /bin/sh may be (macOS: bash 3.2 --posix; Debian: dash; others: mksh, yash, posh, busybox ash).
  'posix-shells': () => {
    const missing = ['dash', 'mksh', 'yash', 'posh', 'busybox'].filter((bin) => !onPath(bin));
    return missing.length ? `${missing.join(', ')} not on PATH (apt-get install dash mksh yash posh busybox)` : undefined;
  },
  // gnome-keyring in a private D-Bus session, and secret-tool to look into it.
  keychain: () => {
    const missing = ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool'].filter((bin) => !onPath(bin));
    return missing.length ? `${missing.join(', ')} not on PATH (apt-get install dbus gnome-keyring libsecret-tools)` : undefined;
  },
  // A test that calls from outside loopback needs an address to call from; any networked machine (CI) has one.
  'non-loopback-ipv4': () => (nonLoopbackIpv4() ? undefined : 'this machine has no non-loopback IPv4 address to call from'),
  // A real ssh -R forward: Debian's openssh-server and openssh-client.
  sshd: () =>
    missingExecutable('/usr/sbin/sshd', 'apt-get install openssh-server') ??
    missingExecutable('/usr/bin/ssh', 'apt-get install openssh-client') ??
    missingExecutable('/usr/bin/ssh-keygen', 'apt-get install openssh-client'),
  // The security tests attack as a second user: root makes one (useradd) and acts as it (runuser).
  root: () =>
    process.getuid?.() !== 0
      ? 'the test acts as a second user, which needs root (useradd, runuser); CI runs as root'
      : missingExecutable('/usr/sbin/useradd', 'apt-get install passwd') ?? missingExecutable('/usr/sbin/runuser', 'apt-get install util-linux'),
};

/** An IPv4 address of this machine that is not loopback, if it has one. */
export function nonLoopbackIpv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

// Each part is checked once per process (the AWS CLI takes seconds to say its version); the cache lives
// on globalThis so that a module evaluated again in the same worker does not check again.
const cacheKey = Symbol.for('keyfob.test.parts');
const cache: Map<Part, string | undefined> = ((globalThis as any)[cacheKey] ??= new Map());

/** Why `part` is unusable on this machine, or undefined when it is there. Never throws. */
export function missingPart(part: Part): string | undefined {
  // KEYFOB_TEST_HIDE_PARTS=tmux,aws-cli-v2 makes parts count as missing, to see the skip (and, under CI, the failure).
  if ((process.env.KEYFOB_TEST_HIDE_PARTS ?? '').split(',').includes(part)) return `${part} is hidden by KEYFOB_TEST_HIDE_PARTS`;
  if (!cache.has(part)) cache.set(part, checks[part]());
  return cache.get(part);
}

function missingParts(parts: Part[]): string | undefined {
  const reasons = parts.map((part) => missingPart(part)).filter((r): r is string => r !== undefined);
  return reasons.length ? reasons.join('; ') : undefined;
}

const inCi = () => Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

function failInCi(reason: string): void {
  if (inCi()) throw new Error(`a part the test needs is missing, and CI must have it: ${reason}; install it (see .ci/run)`);
}

/**
 * Notes which test file is held back by which parts, for the summary at the end of `npm test`
 * (test/helpers/missingPartsReporter.ts), which counts that file's skipped tests.
 */
function noteSkip(parts: Part[], file: string | undefined): void {
  const missing = parts.filter((part) => missingPart(part) !== undefined);
  try {
    mkdirSync(dirname(MISSING_PARTS_LOG), { recursive: true });
    appendFileSync(MISSING_PARTS_LOG, `${JSON.stringify({ file: file ?? expect.getState().testPath ?? '', parts: missing })}\n`);
  } catch {
    // the summary is a courtesy: a read-only tree still runs its tests
  }
}

/**
 * Inside a test: returns when every part is present. Otherwise the test is marked skipped
 * (ctx.skip) or, under CI, fails.
 *   it('…', (ctx) => { requirePart(ctx, 'tmux'); … })
 */
export function requirePart(ctx: { skip(note?: string): never; task?: { file?: { filepath?: string } } }, ...parts: Part[]): void {
  const reason = missingParts(parts);
  if (reason === undefined) return;
  failInCi(reason);
  noteSkip(parts, ctx.task?.file?.filepath);
  ctx.skip(reason);
}

/**
 * For describe.skipIf / it.skipIf at collection time: true when every part is present. Under CI a
 * missing part throws, so the whole file fails instead of skipping.
 *   describe.skipIf(!partsPresent('chromium'))('…', () => { … })
 */
export function partsPresent(...parts: Part[]): boolean {
  const reason = missingParts(parts);
  if (reason === undefined) return true;
  failInCi(reason);
  noteSkip(parts, undefined);
  return false;
}

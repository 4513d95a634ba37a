// keyfob as a user gets it: `npm pack` of a clean copy of this tree (no dist/: prepack must
// build it), `npm install -g --prefix` into a prefix whose path has a space and a single quote,
// then the seed journey from the installed `keyfob` on PATH: login, populate, the AWS CLI through
// the generated credential_process line, and `assume` in bash, zsh and fish.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI_PATH } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, type KeyfobHome } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';

const REPO = new URL('../..', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const EXPERIMENTS = '765432109876';

// Under CI a missing part throws here and fails the file; elsewhere the file is skipped.
const present = partsPresent('bash', 'zsh', 'fish', 'aws-cli-v2', 'git');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(result: Run, what: string): Run {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  return result;
}

/** npm with the caller's npm_* variables removed (`npm test` sets some), so it acts as a user's npm would. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}

interface PackedFile {
  path: string;
  mode: number;
}

/** A POSIX single-quoted word, as botocore's shlex and /bin/sh read it. */
const singleQuoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

describe.skipIf(!present)('installed from npm pack, under a path with a space and a quote', () => {
  let work: string;
  let prefix: string;
  let bin: string;
  let packed: { files: PackedFile[]; size: number; unpackedSize: number };
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let env: Record<string, string>;
  const keyfob = (args: string[]) => run(bin, args, { env });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kf-inst-'));
    // A clean copy of the tree as git sees it (tracked and new files, nothing ignored, so no
    // dist/), sharing node_modules: what a fresh clone after `npm ci` holds.
    const src = join(work, 'src');
    const listed = ok(await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO, env: process.env }), 'git ls-files');
    for (const file of listed.stdout.split('\0')) {
      if (!file || file === 'node_modules' || file.startsWith('node_modules/')) continue;
      try {
        cpSync(join(REPO, file), join(src, file), { recursive: false });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted but not yet committed
      }
    }
    symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'));

    let started = Date.now();
    const pack = ok(await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, env: npmEnv(), timeoutMs: 240_000 }), 'npm pack');
    const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: PackedFile[]; size: number; unpackedSize: number }];
    packed = info;
    console.log(`npm pack: ${info.files.length} files, ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${Date.now() - started} ms`);

    prefix = join(work, "it's a prefix");
    mkdirSync(prefix);
    started = Date.now();
    // --ignore-scripts: keyfob must need no dependency install script (npm 11 blocks unapproved
    // ones); the keychain addon loads from @github/keytar's prebuilt binaries. --prefer-offline,
    // not --offline: after `npm ci` the cache holds the tarballs but not the registry metadata.
    const install = await run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(work, info.filename)],
      { cwd: work, env: npmEnv(), timeoutMs: 240_000 },
    );
    ok(install, 'npm install -g');
    console.log(`npm install -g: ${Date.now() - started} ms`);
    bin = join(prefix, 'bin', 'keyfob');

    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    env = { ...home.env, PATH: `${join(prefix, 'bin')}:${home.env.PATH}`, LANG: 'C.UTF-8' };
  }, 420_000);

  afterAll(async () => {
    if (bin && env) await keyfob(['daemon', 'stop']).catch(() => undefined);
    await home?.cleanup();
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs what keyfob runs from, the shims with their modes, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const needed of ['README.md', 'package.json', 'bin/keyfob', 'bin/keyfob.cjs', 'dist/cli.js', 'dist/credential-process.cjs', 'dist/assume.cjs', 'dist/daemon.mjs', 'dist/shellInit/init.js']) {
      expect(paths).toContain(needed);
    }
    const shims = readdirSync(join(REPO, 'shell')).sort();
    expect(paths.filter((p) => p.startsWith('shell/'))).toEqual(shims.map((name) => `shell/${name}`));
    // keyfob runs the shims through sh, but they keep the executable bits they have in the repo;
    // bin/keyfob (the sh front, which credential_process lines run by path) and bin/keyfob.cjs must have their own.
    const executable = (mode: number) => (mode & 0o100) !== 0;
    for (const name of shims) {
      const mode = packed.files.find((f) => f.path === `shell/${name}`)!.mode;
      expect([name, executable(mode)]).toEqual([name, executable(statSync(join(REPO, 'shell', name)).mode)]);
    }
    for (const file of ['bin/keyfob', 'bin/keyfob.cjs']) expect(packed.files.find((f) => f.path === file)!.mode & 0o111).toBe(0o111);
    expect(paths.filter((p) => /^(src|test|scripts|bench|docs|\.ci)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts')))).toEqual([]);
  });

  it('runs from the prefix with no install scripts: --version, and the keychain addon loads', async () => {
    expect(ok(await keyfob(['--version']), 'keyfob --version').stdout).toBe(`${VERSION}\n`);
    const keytar = join(prefix, 'lib', 'node_modules', 'keyfob', 'node_modules', '@github', 'keytar');
    const load = ok(await run(process.execPath, ['-e', 'console.log(typeof require(process.argv[1]).getPassword)', keytar], { env }), 'require keytar');
    expect(load.stdout).toBe('function\n');
  });

  it('every package dist/ imports is installed with it (a dependency, not a devDependency)', async () => {
    const installed = join(prefix, 'lib', 'node_modules', 'keyfob');
    const packages = new Set<string>();
    for (const file of readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(installed, 'dist', file), 'utf8');
      // Static imports (a statement from the start of a line to its `from`) and dynamic ones.
      for (const m of text.matchAll(/^(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'".][^'"]*)['"]|\bimport\(\s*['"]([^'".][^'"]*)['"]\s*\)/gm)) {
        const name = m[1] ?? m[2]!;
        if (!name.startsWith('node:')) packages.add(name);
      }
    }
    expect([...packages]).toEqual(expect.arrayContaining(['yargs', '@aws-sdk/client-sso-oidc']));
    // Resolved from inside the installed package, as its own imports are.
    const script = 'for (const name of JSON.parse(process.argv[1])) import.meta.resolve(name);';
    const resolved = await run(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([...packages])], { cwd: installed, env });
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
  });

  it('the seed journey: login, populate, and the AWS CLI through the generated credential_process line', async () => {
    ok(await keyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region]), 'keyfob login');
    // TODO(issue 12): drop --region once populate defaults it to the sso-session's sso_region.
    ok(await keyfob(['populate', '--region', emulator.region]), 'keyfob populate');
    const config = readFileSync(home.configFile, 'utf8');
    // The installed keyfob on PATH (which survives upgrades), quoted, not the path inside lib/.
    expect(config).toContain(`credential_process = ${singleQuoted(bin)} credential-process --profile Experiments/AdministratorAccess\n`);

    const identity = ok(
      await run(AWS_CLI_PATH, ['sts', 'get-caller-identity', '--profile', 'Experiments/AdministratorAccess', `--endpoint-url=${emulator.url}`, '--output', 'json'], { env }),
      'aws sts get-caller-identity',
    );
    expect(JSON.parse(identity.stdout).Account).toBe(EXPERIMENTS);
  });

  it('the generated line runs the installed sh front: the AWS CLI answered by curl, and by Node when curl fails', async () => {
    // npm links PREFIX/bin/keyfob to the front, bin/keyfob, which finds its install through that link.
    expect(readlinkSync(bin)).toBe('../lib/node_modules/keyfob/bin/keyfob');
    // --fast-path is accepted, for scripts written for earlier keyfobs, and changes nothing.
    const before = readFileSync(home.configFile, 'utf8');
    ok(await keyfob(['populate', '--fast-path']), 'keyfob populate --fast-path');
    expect(readFileSync(home.configFile, 'utf8')).toBe(before);
    // A curl that notes its calls, then one that fails: the front hands over to the installed bin/keyfob.cjs.
    const curls = join(work, 'curls');
    mkdirSync(join(curls, 'noting'), { recursive: true });
    mkdirSync(join(curls, 'failing'));
    const curlLog = join(work, 'curl.log');
    writeFileSync(join(curls, 'noting', 'curl'), `#!/bin/sh\necho called >> ${singleQuoted(curlLog)}\nexec /usr/bin/curl "$@"\n`, { mode: 0o755 });
    writeFileSync(join(curls, 'failing', 'curl'), '#!/bin/sh\nexit 7\n', { mode: 0o755 });
    for (const dir of ['noting', 'failing']) {
      const args = ['sts', 'get-caller-identity', '--profile', 'Experiments/AdministratorAccess', `--endpoint-url=${emulator.url}`, '--output', 'json'];
      const identity = ok(await run(AWS_CLI_PATH, args, { env: { ...env, PATH: `${join(curls, dir)}:${env.PATH}` } }), `aws sts get-caller-identity (${dir} curl)`);
      expect(JSON.parse(identity.stdout).Account).toBe(EXPERIMENTS);
    }
    expect(readFileSync(curlLog, 'utf8')).toBe('called\n');
  });

  // Profile names through the installed keyfob, named by its quoted path inside the completions.
  const BASH_COMPLETION = `COMP_WORDS=(assume Experiments/); COMP_CWORD=1; _keyfob_assume_complete; printf '%s\\n' "\${COMPREPLY[@]}" > "$OUT/complete"
eval "$(keyfob completion bash)" || exit 14
COMP_WORDS=(keyfob exec Experiments/); COMP_CWORD=2; _keyfob_complete; printf '%s\\n' "\${COMPREPLY[@]}" >> "$OUT/complete"
`;
  // The fast path (curl, the socket's trust check run from the installed shell/) first, then
  // the Node backend (the installed keyfob, by its quoted path), in each shell.
  const posix = (shell: string) => `eval "$(keyfob shell-init ${shell})"
assume Experiments/AdministratorAccess || exit 11
"$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --output json > "$OUT/identity.json" || exit 12
KEYFOB_FAST_PATH=off assume Production/ReadOnlyAccess || exit 13
printf '%s\\n' "$AWS_PROFILE" > "$OUT/profile"
${shell === 'bash' ? BASH_COMPLETION : ''}`;
  const fish = `keyfob shell-init fish | source; or exit 10
assume Experiments/AdministratorAccess; or exit 11
"$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --output json > "$OUT/identity.json"; or exit 12
set -gx KEYFOB_FAST_PATH off
assume Production/ReadOnlyAccess; or exit 13
printf '%s\\n' "$AWS_PROFILE" > "$OUT/profile"
complete -C'assume Experiments/' > "$OUT/complete"
keyfob completion fish | source; or exit 14
complete -C'keyfob exec Experiments/' >> "$OUT/complete"
`;
  it.each([
    { shell: 'bash', args: ['--norc', '--noprofile', '-c', posix('bash')] },
    { shell: 'zsh', args: ['-f', '-c', posix('zsh')] },
    { shell: 'fish', args: ['--no-config', '-c', fish] },
  ])('$shell: eval the installed shim, assume, and the AWS CLI in that shell is the Experiments account', async ({ shell, args }) => {
    const out = mkdtempSync(join(work, `${shell}-`));
    const result = await run(`/usr/bin/${shell}`, args, { env: { ...env, OUT: out, EMU: emulator.url, AWS_CLI: AWS_CLI_PATH } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'identity.json'), 'utf8')).Account).toBe(EXPERIMENTS);
    expect(readFileSync(join(out, 'profile'), 'utf8')).toBe('Production/ReadOnlyAccess\n');
    if (shell !== 'zsh') {
      const both = ['Experiments/AdministratorAccess', 'Experiments/ReadOnlyAccess'];
      expect(readFileSync(join(out, 'complete'), 'utf8').trim().split('\n')).toEqual([...both, ...both]);
    }
  });
});

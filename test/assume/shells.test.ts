// `assume` in real bash, zsh and fish: each sources the shim, assumes a profile, and the AWS CLI
// in that same shell is the right account and role; --unset clears it; a failing assume changes
// nothing; hostile profile names and regions from the config round-trip exactly and run nothing;
// exec passes exit codes and signals through.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI_PATH } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';

const SESSION = 'd-9067c0ffee';

/** Hand-written profiles whose names and regions attack the shell that receives them. */
function hostileProfiles(canary: string): { name: string; header: string; region: string }[] {
  const single = (name: string) => `'${name}'`;
  const list = [
    { name: `$(touch ${canary}/p1)`, region: `$(touch ${canary}/r1)` },
    { name: `\`touch ${canary}/p2\``, region: `\`touch ${canary}/r2\`` },
    { name: `it's; rm -rf ~ | cat &`, region: `'; touch ${canary}/r3; '` },
    { name: `"dq" $HOME & ;`, region: `"; touch ${canary}/r4; "` },
    { name: `tab\there ünï 🚀 \u202Eevil`, region: 'eu-west-1' },
    { name: `back\\slash #hash`, region: `back\\slash\\'` },
    { name: `=eq ~tilde *glob? {a,b}`, region: `=eu ~root *` },
  ];
  return list.map(({ name, region }) => ({ name, region, header: name.includes("'") ? `"${name}"` : single(name) }));
}

const POSIX_SCRIPT = (shell: 'bash' | 'zsh') => `
eval "$("$KEYFOB" shell-init ${shell})"
dump() { env | grep -E '^(AWS_|KEYFOB_)' | LC_ALL=C sort > "$OUT/$1"; }
dump before
assume Experiments/AdministratorAccess; echo $? > "$OUT/status-assume"
dump assumed
"$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --output json > "$OUT/identity.json" 2> "$OUT/identity.err"
assume Nope/Role 2> "$OUT/fail.err"; echo $? > "$OUT/status-fail"
dump after-fail
assume --unset; echo $? > "$OUT/status-unset"
dump unset
while IFS= read -r name; do
  assume "$name" 2>> "$OUT/hostile.err" || echo "failed: $name" >> "$OUT/errors"
  printf '%s\\0%s\\0' "$AWS_PROFILE" "$AWS_REGION" >> "$OUT/hostile"
done < "$OUT/names"
assume --unset
assume Development/ReadOnlyAccess -- sh -c 'exit 7'; echo $? > "$OUT/exec-status"
assume Development/ReadOnlyAccess --exec 'printf %s "$AWS_PROFILE" > "$OUT/exec-profile"'
assume Development/ReadOnlyAccess -- sh -c 'kill -TERM $$'; echo $? > "$OUT/exec-signal"
dump end
`;

const FISH_SCRIPT = `
"$KEYFOB" shell-init fish | source
function dump; env | grep -E '^(AWS_|KEYFOB_)' | LC_ALL=C sort > "$OUT/$argv[1]"; end
dump before
assume Experiments/AdministratorAccess; echo $status > "$OUT/status-assume"
dump assumed
"$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --output json > "$OUT/identity.json" 2> "$OUT/identity.err"
assume Nope/Role 2> "$OUT/fail.err"; echo $status > "$OUT/status-fail"
dump after-fail
assume --unset; echo $status > "$OUT/status-unset"
dump unset
for name in (cat "$OUT/names")
  assume $name 2>> "$OUT/hostile.err"; or echo "failed: $name" >> "$OUT/errors"
  printf '%s\\0%s\\0' "$AWS_PROFILE" "$AWS_REGION" >> "$OUT/hostile"
end
assume --unset
assume Development/ReadOnlyAccess -- sh -c 'exit 7'; echo $status > "$OUT/exec-status"
assume Development/ReadOnlyAccess --exec 'printf %s "$AWS_PROFILE" > "$OUT/exec-profile"'
assume Development/ReadOnlyAccess -- sh -c 'kill -TERM $$'; echo $status > "$OUT/exec-signal"
dump end
`;

function runShell(shell: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`/usr/bin/${shell}`, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

// Each shell twice: with the shim's curl fast path (the default) and with the Node backend alone.
const CASES = (['bash', 'zsh', 'fish'] as const).flatMap((shell) => [
  { shell, path: 'the curl fast path' },
  { shell, path: 'the backend (KEYFOB_FAST_PATH=off)' },
]);

for (const { shell, path } of CASES) describe.skipIf(!partsPresent(shell, 'aws-cli-v2'))(`assume in ${shell}, through ${path}`, () => {
  const fast = path === 'the curl fast path';
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let out: string;
  let canary: string;
  let hostile: ReturnType<typeof hostileProfiles>;
  const read = (name: string) => readFileSync(join(out, name), 'utf8');

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    out = mkdtempSync(join(tmpdir(), `kf-${shell}-`));
    canary = join(out, 'canary');
    mkdirSync(canary);
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env)).code).toBe(0);
    expect((await runKeyfob(['populate', '--region', 'eu-west-1'], home.env)).code).toBe(0);
    hostile = hostileProfiles(canary);
    for (const p of hostile) {
      appendFileSync(
        home.configFile,
        `\n[profile ${p.header}]\nkeyfob_sso_session = ${SESSION}\nkeyfob_account_id = 765432109876\nkeyfob_role_name = ReadOnlyAccess\nregion = ${p.region}\n`,
      );
    }
    writeFileSync(join(out, 'names'), hostile.map((p) => `${p.name}\n`).join(''));
    const script = join(out, `script.${shell}`);
    writeFileSync(script, shell === 'fish' ? FISH_SCRIPT : POSIX_SCRIPT(shell));
    const args = shell === 'fish' ? ['--no-config', script] : shell === 'zsh' ? ['-f', script] : ['--norc', '--noprofile', script];
    const env = {
      ...home.env,
      OUT: out,
      EMU: emulator.url,
      KEYFOB: KEYFOB_BIN,
      AWS_CLI: AWS_CLI_PATH,
      LANG: 'C.UTF-8',
      ...(fast ? {} : { KEYFOB_FAST_PATH: 'off' }),
    };
    const result = await runShell(shell, args, env);
    expect(result.stderr).not.toMatch(/syntax|parse error|command not found/i);
  }, 120_000);
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('exports the credentials, and the AWS CLI in that shell is the right account and role', () => {
    expect(read('status-assume').trim()).toBe('0');
    const assumed = read('assumed');
    for (const line of [
      'AWS_PROFILE=Experiments/AdministratorAccess',
      'KEYFOB_PROFILE=Experiments/AdministratorAccess',
      'AWS_REGION=eu-west-1',
      'AWS_DEFAULT_REGION=eu-west-1',
    ]) {
      expect(assumed).toContain(`${line}\n`);
    }
    expect(assumed).toMatch(/^AWS_ACCESS_KEY_ID=ASIA[A-Z0-9]{16}$/m);
    expect(assumed).toMatch(/^AWS_SECRET_ACCESS_KEY=\S{40}$/m);
    expect(assumed).toMatch(/^AWS_SESSION_TOKEN=\S+$/m);
    expect(assumed).toMatch(/^AWS_CREDENTIAL_EXPIRATION=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/m);
    const identity = JSON.parse(read('identity.json'));
    expect(identity.Account).toBe('765432109876');
    expect(identity.Arn).toMatch(/:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]+\/alice$/);
  });

  it('a failing assume says why in one line and changes no variable', () => {
    expect(read('status-fail').trim()).toBe('1');
    expect(read('fail.err')).toMatch(/^keyfob: profile "Nope\/Role" is not in .*; nearest: .*; check the name, or run: keyfob populate\n$/);
    expect(read('after-fail')).toBe(read('assumed'));
  });

  it('--unset clears exactly what assume set', () => {
    expect(read('status-unset').trim()).toBe('0');
    expect(read('unset')).toBe(read('before'));
  });

  it('hostile profile names and regions round-trip exactly, and nothing runs', () => {
    expect(readFileSync(join(out, 'hostile'), 'utf8').split('\0').slice(0, -1)).toEqual(hostile.flatMap((p) => [p.name, p.region]));
    expect(readdirSync(canary)).toEqual([]);
    expect(() => read('errors')).toThrow(); // no assume failed
  });

  it(`answers through ${path}`, () => {
    const log = readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8');
    expect(log.includes('"route":"GET /v1/shell/assume"')).toBe(fast);
    expect(log.includes('"route":"GET /v1/assume"')).toBe(true); // exec always goes through the backend
  });

  it('exec passes the exit code and the signal through, and leaves the shell alone', () => {
    expect(read('exec-status').trim()).toBe('7');
    expect(read('exec-profile')).toBe('Development/ReadOnlyAccess');
    expect(read('exec-signal').trim()).toBe('143');
    expect(read('end')).toBe(read('before'));
  });
});

// The hostile organisation (test/helpers/hostileFixture.ts: names with $(touch …), backticks,
// quotes, ;|&, newline, tab, ], #, escape sequences, RTL, emoji, 300 characters, duplicates)
// through everything after populate: assume in bash and fish, exec, status and the console.
// Nothing executes, every value round-trips, and nothing raw reaches the terminal.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { generatedFor } from '../../src/populate/applyProfiles.js';
import { fetchConsolePage, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { hostileFixture } from '../helpers/hostileFixture.js';
import { KEYFOB_BIN, profileSection, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart, type Part } from '../helpers/requirePart.js';

function runShell(file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the hostile organisation after populate', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let canary: string;
  let names: string[];
  let namesFile: string;

  beforeAll(async () => {
    canary = mkdtempSync(join(tmpdir(), 'kf-hostile-canary-'));
    emulator = await startTestEmulator({ autoApprove: true, fixture: hostileFixture(canary) });
    home = await signedInHome(emulator, { populate: [], extra: { KEYFOB_FEDERATION_URL: '' } });
    home.env.KEYFOB_FEDERATION_URL = `${emulator.url}/federation`;
    const doc = parseConfig(readFileSync(home.configFile, 'utf8'));
    names = doc.sections.filter((s) => generatedFor(doc, s)).map((s) => s.name);
    namesFile = join(home.dir, 'names');
    writeFileSync(namesFile, names.map((n) => `${n}\n`).join(''));
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    rmSync(canary, { recursive: true, force: true });
  });

  it.for<[Part, string[]]>([
    ['bash', ['--norc', '--noprofile', '-c', 'eval "$("$KEYFOB" shell-init bash)"; while IFS= read -r n; do assume "$n" 2>/dev/null || echo "failed: $n" >&2; printf "%s\\0" "$AWS_PROFILE"; done < "$NAMES"']],
    ['fish', ['--no-config', '-c', '"$KEYFOB" shell-init fish | source; for n in (cat "$NAMES"); assume $n 2>/dev/null; or echo "failed: $n" >&2; printf "%s\\0" "$AWS_PROFILE"; end']],
  ])('assumes every generated profile in %s, round-tripping the name', { timeout: 120_000 }, async ([shell, args], ctx) => {
    requirePart(ctx, shell);
    const r = await runShell(`/usr/bin/${shell}`, args, { ...home.env, KEYFOB: KEYFOB_BIN, NAMES: namesFile, LANG: 'C.UTF-8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(names);
    expect(readdirSync(canary)).toEqual([]);
  });

  it('exec runs a command with each hostile role, and nothing else runs', async () => {
    for (const name of names.filter((n) => n.includes('touch') || n.includes('Dup')).slice(0, 6)) {
      const r = await runKeyfob(['exec', name, '--', 'printenv', 'KEYFOB_PROFILE'], home.env);
      expect([r.code, r.stdout]).toEqual([0, `${name}\n`]);
    }
    expect(readdirSync(canary)).toEqual([]);
  });

  it('status lists the cached hostile roles with nothing a terminal would act on', async () => {
    const r = await runKeyfob(['status'], home.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`/$(touch ${canary}/role)  (d-9067c0ffee)`);
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
  });

  it('opens the console for a role named $(touch …) through the federation endpoint', async () => {
    const name = names.find((n) => n.startsWith('Management/touch'))!;
    const r = await runKeyfob(['console', name, '--url'], home.env);
    expect(r.code).toBe(0);
    const { html: page } = await fetchConsolePage(r.stdout.trim());
    expect(page).toContain(`<dd id="role">$(touch ${canary}/role)</dd>`);
    expect(readdirSync(canary)).toEqual([]);
  });

  it('shows a hand-written profile with format characters as escapes in status, status --json, doctor and assume', async () => {
    // populate refuses such a role, but a hand-written profile may name it, and the server answers for it.
    const role = 'Zero\u200BWidth\u2028Line\u202ERole';
    const profile = 'hand\u202Ewritten';
    appendFileSync(
      home.configFile,
      `\n${profileSection(profile, 'd-9067c0ffee', '100000000011', role)}\n${profileSection('dangling\u200Bone', 'no\u2028such', '100000000011', role)}`,
    );
    const raw = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\n]/u;
    const cp = await runKeyfob(['credential-process', '--profile', profile], home.env);
    expect([cp.code, cp.stderr]).toEqual([0, '']);

    const assumed = await runKeyfob(['assume', '--shell', 'bash', profile], home.env);
    expect(assumed.code).toBe(0);
    expect(assumed.stderr).toContain('keyfob: assumed hand\\u{202e}written (100000000011, Zero\\u{200b}Width\\u{2028}Line\\u{202e}Role');
    expect(assumed.stderr).not.toMatch(raw);

    const status = await runKeyfob(['status'], home.env);
    expect(status.stdout).toContain('100000000011/Zero\\u{200b}Width\\u{2028}Line\\u{202e}Role');
    expect(status.stdout).not.toMatch(raw);

    const json = await runKeyfob(['status', '--json'], home.env);
    expect(json.stdout).not.toMatch(raw);
    expect(JSON.parse(json.stdout).credentials.map((c: { roleName: string }) => c.roleName)).toContain(role); // same data, escaped as JSON

    const doctor = await runKeyfob(['doctor'], home.env);
    expect(doctor.stdout).toContain('dangling\\u{200b}one');
    expect(doctor.stdout).not.toMatch(raw);
    const doctorJson = await runKeyfob(['doctor', '--json'], home.env);
    expect(doctorJson.stdout).not.toMatch(raw);
    expect(JSON.stringify(JSON.parse(doctorJson.stdout))).toContain('dangling\u200Bone');
  });
});

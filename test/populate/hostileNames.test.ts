// Hostile account and role names through populate: the file stays valid INI that the AWS CLI
// reads, nothing executes (not while writing, and not when the JS SDK runs credential_process
// through /bin/sh), names are sanitised the documented way, and duplicates are disambiguated.
import { fromProcess } from '@aws-sdk/credential-providers';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { generatedFor } from '../../src/populate/applyProfiles.js';
import { awsJson, runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { hostileFixture } from '../helpers/hostileFixture.js';
import { KEYFOB_BIN, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

/** The documented alphabet: what every AWS SDK reads in a profile name. */
const SAFE_NAME = /^[A-Za-z0-9_\-@+.%:/]+$/;

describe('populate with hostile names from the server', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let canary: string;
  let populated: { code: number | null; stdout: string; stderr: string };
  let names: string[];

  beforeAll(async () => {
    canary = mkdtempSync(join(tmpdir(), 'kf-canary-'));
    emulator = await startTestEmulator({ autoApprove: true, fixture: hostileFixture(canary) });
    home = await signedInHome(emulator);
    populated = await runKeyfob(['populate'], home.env);
    const doc = parseConfig(readFileSync(home.configFile, 'utf8'));
    names = doc.sections.filter((s) => generatedFor(doc, s)).map((s) => s.name);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
    rmSync(canary, { recursive: true, force: true });
  });

  it('writes every writable pair, skips the role whose name holds a newline, and says so', () => {
    expect(populated.code).toBe(0);
    // 11 accounts × 5 roles; the 22 pairs of the roles with a newline or an escape sequence are refused.
    expect(populated.stdout).toMatch(/^33 profiles \(33 added, 0 updated, 0 removed, 22 skipped\)/);
    expect(populated.stderr).toContain('the server sent "split\\nrole", which a config file cannot hold');
    expect(populated.stderr).toContain('the server sent "esc\\u001b]0;pwned\\u0007role", which a config file cannot hold');
    expect(populated.stderr).not.toContain('\x1b'); // reported, never replayed to the terminal
    expect(names).toHaveLength(33);
    expect(new Set(names).size).toBe(33);
  });

  it('leaves a file with no problems, whose only sections are the ones expected', () => {
    const doc = parseConfig(readFileSync(home.configFile, 'utf8'));
    expect(doc.problems).toEqual([]);
    expect(doc.sections.filter((s) => !generatedFor(doc, s)).map((s) => `${s.kind} ${s.name}`)).toEqual(['sso-session d-9067c0ffee']);
    expect(doc.findSection('profile', 'evil')).toBeUndefined(); // the account name tried to open [profile evil]
    for (const s of doc.sections.filter((s) => generatedFor(doc, s))) {
      expect(doc.getValue(s, 'credential_process')).toBe(`${KEYFOB_BIN} credential-process --profile ${s.name}`);
    }
  });

  it('sanitises names the documented way', () => {
    for (const name of names) {
      expect(name).toMatch(SAFE_NAME);
      expect(name).not.toMatch(/^-|-$|--/);
      expect([...name].length).toBeLessThanOrEqual(200);
    }
    expect(names).toContain(`touch-${canary}/dollar/AdministratorAccess`);
    expect(names).toContain(`touch-${canary}/backtick/touch-${canary}/role`);
    expect(names).toContain('evil-admin/AdministratorAccess'); // bidi controls, emoji and Arabic script dropped
    expect(names).toContain('it-s-quoted-rm-rf-cat-echo/Read-Only');
    expect(names).toContain(`${'L'.repeat(64)}/Read-Only`);
  });

  it('keeps duplicates apart with their account ids and reports it', () => {
    for (const id of ['100000000008', '100000000009', '100000000010']) expect(names).toContain(`Dup-${id}/AdministratorAccess`);
    expect(names).not.toContain('Dup/AdministratorAccess');
    expect(populated.stderr).toContain(
      'note: 3 account roles map to "Dup/AdministratorAccess"; named them Dup-100000000008/AdministratorAccess, Dup-100000000009/AdministratorAccess, Dup-100000000010/AdministratorAccess',
    );
  });

  it('is read by the AWS CLI, which lists every name', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const listed = await runAwsCli(['configure', 'list-profiles'], home.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n').sort()).toEqual([...names].sort());
    const dollar = `touch-${canary}/dollar/touch-${canary}/role`;
    const exported = await awsJson(['configure', 'export-credentials', `--profile=${dollar}`, '--format', 'process'], home.env);
    expect(exported.AccessKeyId).toMatch(/^ASIA/);
  });

  it('runs nothing when the JS SDK runs every credential_process line through /bin/sh', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, home.env);
    try {
      for (const profile of names) {
        const creds = await fromProcess({ profile, filepath: home.env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: home.configFile })();
        expect(creds.accessKeyId).toMatch(/^ASIA/);
      }
    } finally {
      process.env = saved;
    }
    expect(readdirSync(canary)).toEqual([]);
  });
});

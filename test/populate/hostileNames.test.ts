// Hostile account and role names through populate: the file stays valid INI that the AWS CLI
// reads exactly as keyfob does, nothing executes (not while writing, and not when the JS SDK
// runs credential_process through /bin/sh), names are sanitised the documented way, duplicates
// are disambiguated, and a role name with a control or format character is refused by name.
import { fromProcess } from '@aws-sdk/credential-providers';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpretConfig } from '../../src/config/awsConfig.js';
import { parseConfig } from '../../src/config/iniDocument.js';
import { generatedFor } from '../../src/populate/applyProfiles.js';
import { awsJson, runAwsCli } from '../helpers/awscli.js';
import { botocoreRead } from '../helpers/botocore.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { hostileFixture } from '../helpers/hostileFixture.js';
import { KEYFOB_COMMAND, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
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

  it('writes every writable pair, skips the roles whose names hold a control or format character, and says so', () => {
    expect(populated.code).toBe(0);
    // 12 accounts × 6 roles; the 36 pairs of the roles with a newline, an escape sequence or
    // format characters (zero-width, U+2028, bidi override) are refused.
    expect(populated.stdout).toMatch(/^36 profiles \(36 added, 0 updated, 0 removed, 36 skipped\)/);
    expect(populated.stderr).toContain('the server sent the role name "split\\nrole" for account 111122223333 ("Management"), which a config file cannot hold');
    expect(populated.stderr).toContain('the server sent the role name "esc\\x1b]0;pwned\\x07role" for account 100000000005 ("tab\\there ]#;comment")');
    expect(populated.stderr).toContain(
      'skipped "line-sep-zero-width-rev/Zero-Width-Line-Role": the server sent the role name "Zero\\u{200b}Width\\u{2028}Line\\u{202e}Role" ' +
        'for account 100000000011 ("line\\u{2028}sep\\u{2029}zero\\u{200b}width\\u{202e}rev"), which a config file cannot hold as is; ask your AWS administrator to rename it\n',
    );
    // Reported, never replayed to the terminal: no control but newline, no format character.
    expect(populated.stderr).not.toMatch(/[^\P{Cc}\n]|[\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(populated.stdout).not.toMatch(/[^\P{Cc}\n]|[\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(names).toHaveLength(36);
    expect(new Set(names).size).toBe(36);
    expect(names).toContain('line-sep-zero-width-rev/AdministratorAccess');
  });

  it('writes no control or format character anywhere in the file', () => {
    expect(readFileSync(home.configFile, 'utf8')).not.toMatch(/[^\P{Cc}\n]|[\p{Cf}\p{Zl}\p{Zp}]/u);
  });

  it('leaves a file with no problems, whose only sections are the ones expected', () => {
    const doc = parseConfig(readFileSync(home.configFile, 'utf8'));
    expect(doc.problems).toEqual([]);
    expect(doc.sections.filter((s) => !generatedFor(doc, s)).map((s) => `${s.kind} ${s.name}`)).toEqual(['sso-session d-9067c0ffee']);
    expect(doc.findSection('profile', 'evil')).toBeUndefined(); // the account name tried to open [profile evil]
    for (const s of doc.sections.filter((s) => generatedFor(doc, s))) {
      expect(doc.getValue(s, 'credential_process')).toBe(`${KEYFOB_COMMAND} credential-process --profile ${s.name}`);
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

  it('is read by botocore exactly as keyfob reads it: same profiles, same keys, same values', (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const [botocore] = botocoreRead([home.configFile]);
    const config = interpretConfig(parseConfig(readFileSync(home.configFile, 'utf8')));
    expect(config.problems).toEqual([]);
    expect(botocore).toEqual({
      profiles: Object.fromEntries([...config.profiles].map(([name, p]) => [name, p.values])),
      ssoSessions: { 'd-9067c0ffee': expect.any(Object) },
    });
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

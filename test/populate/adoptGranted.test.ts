// `keyfob populate --adopt granted` on a config written the way granted writes it
// (common-fate/awsconfigfile: aligned `key = value` lines, common_fate_generated_from, the
// `granted credential-process` line): the adopted sections change only in granted's keys, every
// other byte of the file stays, and `assume` and the AWS CLI work under the same names.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { adoptGrantedProfiles } from '../../src/populate/adoptGranted.js';
import { runAwsCli } from '../helpers/awscli.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { KEYFOB_BIN, runCommand, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const SESSION = 'd-9067c0ffee';
const OTHER_PORTAL = 'https://acme-other.awsapps.com/start/';

/** One profile exactly as awsconfigfile's Merge writes it (go-ini aligns the `=`). */
function grantedProfile(name: string, startUrl: string, accountId: string, role: string, extra: string[] = []): string {
  return [
    `[profile ${name}]`,
    `granted_sso_start_url      = ${startUrl}`,
    'granted_sso_region         = eu-west-1',
    `granted_sso_account_id     = ${accountId}`,
    `granted_sso_role_name      = ${role}`,
    'common_fate_generated_from = aws-sso',
    `credential_process         = granted credential-process --profile ${name}`,
    ...extra,
    '',
  ].join('\n');
}

/** The user's own part of the file, around granted's profiles. */
function grantedConfig(startUrl: string): string {
  return [
    '# my AWS config; granted sso populate wrote the profiles below',
    '[default]',
    'region = eu-west-1',
    'output = json',
    '',
    grantedProfile('Development/AdministratorAccess', startUrl, '210987654321', 'AdministratorAccess'),
    '; the one I use most',
    grantedProfile('Production/ReadOnlyAccess', startUrl, '432109876543', 'ReadOnlyAccess', ['; added by me', 'region    =   eu-central-1', 'output = table']),
    '[profile handwritten]',
    'region = us-east-1',
    'credential_process = /bin/false',
    '',
    grantedProfile('Other/Admin', OTHER_PORTAL, '999988887777', 'Admin'),
    '[profile not-granted]',
    'granted_sso_account_id = 111122223333',
    'granted_sso_role_name = Admin',
    'credential_process = /opt/mytool --profile x',
    '',
  ].join('\n');
}

const GRANTED_LINE = /^(?:granted_\w+|common_fate_generated_from|credential_process)\s*=/;
const KEYFOB_LINE = /^(?:keyfob_\w+|credential_process)\s*=|^# keyfob: generated/;

/** The file's lines with the named profiles cut out (marker to next header), and their own lines apart. */
function split(text: string, names: string[]): { rest: string[]; sections: Map<string, string[]> } {
  const rest: string[] = [];
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const header = /^\[profile (.+)\]$/.exec(line);
    if (/^\[/.test(line)) current = header && names.includes(header[1]) ? [] : undefined;
    if (current && header) sections.set(header[1], current);
    // keyfob's marker belongs to the section below it.
    if (/^# keyfob: generated/.test(line) && names.some((n) => lines[i + 1] === `[profile ${n}]`)) return;
    (current ?? rest).push(line);
  });
  return { rest, sections };
}

describe('keyfob populate --adopt granted', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let before: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator); // writes [sso-session d-9067c0ffee] for the emulator's portal
    before = readFileSync(home.configFile, 'utf8') + '\n' + grantedConfig(emulator.startUrl);
    writeFileSync(home.configFile, before);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('shows the diff on a dry run and writes nothing', async () => {
    const r = await runKeyfob(['populate', '--adopt', 'granted', '--dry-run'], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-credential_process         = granted credential-process --profile Development/AdministratorAccess\n');
    expect(r.stdout).toMatch(/^\+credential_process {9}= \S+ credential-process --profile Development\/AdministratorAccess$/m);
    expect(r.stdout).toContain('+keyfob_sso_session = d-9067c0ffee\n');
    expect(r.stderr).toContain('3 granted profile(s) would become keyfob\'s');
    expect(r.stderr).toContain('dry run, nothing was written');
    expect(readFileSync(home.configFile, 'utf8')).toBe(before);
  });

  it("changes only granted's keys in granted's sections; every other byte stays", async () => {
    const r = await runKeyfob(['populate', '--adopt', 'granted'], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`3 granted profile(s) are now keyfob's, under the same names, for sso-session ${SESSION}, acme-other in ${home.configFile}`);
    expect(r.stderr).toContain(`added [sso-session acme-other] for ${OTHER_PORTAL.replace(/\/$/, '')}`);
    expect(r.stderr).toContain('skipped "not-granted": its credential_process does not run granted');
    // Signed in to the emulator's portal, not to the new one: login is named for that one only.
    expect(r.stderr).toContain('next: keyfob login --sso-session acme-other\n');
    expect(r.stderr).not.toContain(`next: keyfob login --sso-session ${SESSION}`);

    const after = readFileSync(home.configFile, 'utf8');
    const adopted = ['Development/AdministratorAccess', 'Production/ReadOnlyAccess', 'Other/Admin'];
    const was = split(before, adopted);
    const now = split(after, adopted);
    const added = ['', '[sso-session acme-other]', 'sso_start_url = https://acme-other.awsapps.com/start', 'sso_region = eu-west-1'];
    expect(now.rest).toEqual([...was.rest.slice(0, -1), ...added, '']);
    for (const name of adopted) {
      // The user's lines in the section (comments, region, output, their spacing and order) stay as they were...
      expect(now.sections.get(name)!.filter((l) => !KEYFOB_LINE.test(l))).toEqual(was.sections.get(name)!.filter((l) => !GRANTED_LINE.test(l)));
    }
    // ...and keyfob's marker sits right above each header, so populate refreshes them from now on.
    expect(after).toContain('# keyfob: generated by keyfob populate; keys you add are kept\n[profile Production/ReadOnlyAccess]\n');
    const doc = parseConfig(after);
    expect(doc.problems).toEqual([]);
    const production = doc.findSection('profile', 'Production/ReadOnlyAccess')!;
    expect(Object.fromEntries(production.entries.map((e) => [e.key, e.value]))).toEqual({
      credential_process: expect.stringMatching(/ credential-process --profile Production\/ReadOnlyAccess$/),
      region: 'eu-central-1',
      output: 'table',
      keyfob_sso_session: SESSION,
      keyfob_account_id: '432109876543',
      keyfob_role_name: 'ReadOnlyAccess',
    });
  });

  it('assume and the AWS CLI work under the same names', async (ctx) => {
    requirePart(ctx, 'bash', 'aws-cli-v2');
    const script = `eval "$("${process.execPath}" "${KEYFOB_BIN}" shell-init bash)"; assume Development/AdministratorAccess && printf '%s %s' "$AWS_PROFILE" "$AWS_ACCESS_KEY_ID"`;
    const shell = await runCommand('/usr/bin/bash', ['--norc', '--noprofile', '-c', script], home.env);
    expect(shell.code, shell.stderr).toBe(0);
    expect(shell.stdout).toMatch(/^Development\/AdministratorAccess ASIA\w{16}$/);
    for (const [name, account, role] of [['Development/AdministratorAccess', '210987654321', 'AdministratorAccess'], ['Production/ReadOnlyAccess', '432109876543', 'ReadOnlyAccess']]) {
      const r = await runAwsCli(['sts', 'get-caller-identity', '--profile', name, '--endpoint-url', emulator.url, '--region', 'eu-west-1', '--output', 'json'], home.env);
      expect(r.code, r.stderr).toBe(0);
      const identity = JSON.parse(r.stdout);
      expect(identity.Account).toBe(account);
      expect(identity.Arn).toMatch(new RegExp(`^arn:aws:sts::${account}:assumed-role/AWSReservedSSO_${role}_[0-9a-f]+/`));
    }
  });

  it('a second adoption finds nothing to do, and populate now refreshes the adopted profiles', async () => {
    const text = readFileSync(home.configFile, 'utf8');
    const again = await runKeyfob(['populate', '--adopt', 'granted'], home.env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to adopt');
    const mixed = await runKeyfob(['populate', '--adopt', 'granted', '--prefix', 'x/'], home.env);
    expect([mixed.code, mixed.stderr]).toEqual([1, 'keyfob: --adopt takes only --dry-run, not --prefix; adopt first, then run keyfob populate --prefix …\n']);
    expect(readFileSync(home.configFile, 'utf8')).toBe(text);
    const populate = await runKeyfob(['populate', '--sso-session', SESSION], home.env);
    expect(populate.code, populate.stderr).toBe(0);
    expect(populate.stderr).not.toContain('Development/AdministratorAccess');
    expect(populate.stdout).toMatch(/\(14 added, 0 updated, 0 removed, 0 skipped\)/);
  });

  it("keeps a CRLF file's line endings and stays consistent with a fresh parse", () => {
    const text = grantedConfig('https://d-9067c0ffee.awsapps.com/start').replaceAll('\n', '\r\n');
    const doc = parseConfig(`[sso-session s]\r\nsso_start_url = https://d-9067c0ffee.awsapps.com/start\r\nsso_region = eu-west-1\r\n\r\n${text}`);
    const report = adoptGrantedProfiles(doc, { credentialProcess: (name) => `keyfob credential-process --profile ${name}` });
    expect(report.adopted.map((a) => a.ssoSession)).toEqual(['s', 's', 'acme-other']);
    const out = doc.toString();
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(JSON.parse(JSON.stringify(doc.sections))).toEqual(JSON.parse(JSON.stringify(parseConfig(out).sections)));
  });
});

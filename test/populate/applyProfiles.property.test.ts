// Property: populate's edit keeps every byte outside keyfob's sections, and a second run with
// the same accounts changes nothing, for any config file (see configArbitraries for what varies).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SsoSession } from '../../src/config/awsConfig.js';
import { parseConfig } from '../../src/config/iniDocument.js';
import type { AccountAssignment } from '../../src/aws/accounts.js';
import { applyProfiles, generatedFor, type ApplyOptions } from '../../src/populate/applyProfiles.js';
import { credentialProcessLine } from '../../src/shellInit/keyfobCommand.js';
import { nameProfiles } from '../../src/populate/profileNames.js';
import { configText, expectIndexConsistent } from '../helpers/configArbitraries.js';

// `~` never appears in the generated configs' names, so only the collisions we add happen.
const SESSION: SsoSession = { name: 'acme~sso', startUrl: 'https://acme.awsapps.com/start', region: 'eu-west-1', scopes: ['sso:account:access'] };
const PREFIX = 'p~';

const accountName = fc.constantFrom('Dev', 'Prod', 'QA team', 'Dev', 'R&D', 'Sales $(x)', 'Ünïcödé', 'a]b', '');
const roleName = fc.constantFrom('Admin', 'ReadOnly', 'Billing', 'Power User');
const accounts = fc
  .uniqueArray(fc.tuple(fc.stringMatching(/^[0-9]{12}$/), accountName, fc.uniqueArray(roleName, { maxLength: 3 })), {
    maxLength: 6,
    selector: ([id]) => id,
  })
  .map((list) =>
    list.map(([accountId, name, roles]): AccountAssignment => ({ accountId, accountName: name || accountId, roles })),
  );

function options(list: AccountAssignment[], overrides: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    session: SESSION,
    profiles: nameProfiles(list, { template: '{account_name}/{role_name}', prefix: PREFIX, ssoSession: SESSION.name }).profiles,
    mode: 'process',
    region: 'eu-west-1',
    prune: true,
    credentialProcess: (name) => credentialProcessLine('/opt/keyfob/bin/keyfob.cjs', name),
    ...overrides,
  };
}

/** The original text, with a final newline added when it had none (the one byte an append must add). */
function terminated(text: string): string {
  const nl = /\r\n|\n/.exec(text)?.[0] ?? '\n';
  return text.replace(/^\uFEFF/, '') === '' || /\n$/.test(text) ? text : text + nl;
}

describe('populate edits (property)', () => {
  it('adds after every original byte, and a second run changes nothing', () => {
    fc.assert(
      fc.property(configText, accounts, fc.boolean(), ({ text }, list, collide) => {
        // Sometimes the user already has a profile with a name populate wants.
        const wanted = options(list).profiles;
        const original = collide && wanted.length > 0 ? `${terminated(text)}[profile ${wanted[0].name}]\nregion = us-east-1\n` : text;

        const doc = parseConfig(original);
        const report = applyProfiles(doc, options(list));
        expectIndexConsistent(doc);
        const once = doc.toString();
        expect(once.startsWith(terminated(original))).toBe(true);
        expect(report.added.length + report.skipped.length).toBe(wanted.length);
        if (collide && wanted.length > 0) expect(report.skipped.map((s) => s.name)).toContain(wanted[0].name);

        // What keyfob appended reads back as the generated profiles, and adds no problem.
        const reread = parseConfig(once);
        const originalLines = Math.max(1, terminated(original).split('\n').length - 1); // a BOM is reported on line 1
        expect(reread.problems.filter((p) => p.line > originalLines)).toEqual([]);
        const generated = reread.sections.filter((s) => generatedFor(reread, s) === SESSION.name).map((s) => s.name);
        expect(generated.sort()).toEqual(report.added.sort());

        const again = parseConfig(once);
        const second = applyProfiles(again, options(list));
        expect(again.toString()).toBe(once);
        expect([second.added, second.updated, second.removed]).toEqual([[], [], []]);
      }),
      { numRuns: 300 },
    );
  });

  it('a refresh with other accounts keeps user sections byte for byte and user keys in generated ones', () => {
    fc.assert(
      fc.property(configText, accounts, accounts, ({ text }, first, second) => {
        const doc = parseConfig(text);
        applyProfiles(doc, options(first));
        // The user adds a key to every generated profile.
        for (const s of [...doc.sections]) if (generatedFor(doc, s)) doc.setKey(s, 'output', 'json');
        const before = doc.toString();
        const userSections = doc.sections
          .filter((s) => !generatedFor(doc, s) && !(s.kind === 'sso-session' && s.name === SESSION.name))
          .map((s) => before.split(/(?<=\n)/).slice(s.headerLine, s.contentEnd).join(''));

        const report = applyProfiles(doc, options(second));
        expectIndexConsistent(doc);
        const after = doc.toString();
        for (const section of userSections) expect(after).toContain(section);
        for (const s of doc.sections) {
          if (generatedFor(doc, s) && !report.added.includes(s.name)) expect(doc.getValue(s, 'output')).toBe('json');
        }
        // Exactly the second set of pairs is left, each once.
        const pairs = doc.sections
          .filter((s) => generatedFor(doc, s) === SESSION.name)
          .map((s) => `${doc.getValue(s, 'keyfob_account_id')}/${doc.getValue(s, 'keyfob_role_name')}`)
          .sort();
        expect(pairs).toEqual(second.flatMap((a) => a.roles.map((r) => `${a.accountId}/${r}`)).sort());
        expect(applyProfiles(doc, options(second)).updated).toEqual([]);
        expect(doc.toString()).toBe(after);
      }),
      { numRuns: 300 },
    );
  });
});

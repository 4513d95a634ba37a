// Profile naming: templates, sanitising, disambiguation, and the credential_process line that
// botocore (shlex) and the JS SDK (/bin/sh) must both read back as the same words.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountAssignment } from '../../src/aws/accounts.js';
import { credentialProcessLine } from '../../src/shellInit/keyfobCommand.js';
import { checkTemplate, nameProfiles, sanitizeProfileName } from '../../src/populate/profileNames.js';
import { quotePosix } from '../../src/render/quote.js';

const account = (accountId: string, accountName: string, roles: string[], emailAddress?: string): AccountAssignment => ({
  accountId,
  accountName,
  roles,
  emailAddress,
});
const names = (accounts: AccountAssignment[], template = '{account_name}/{role_name}', prefix = '') =>
  nameProfiles(accounts, { template, prefix, ssoSession: 'acme' }).profiles.map((p) => p.name);

describe('profile names', () => {
  it('sanitises to the alphabet every SDK reads, folding accents and collapsing the rest', () => {
    expect(sanitizeProfileName('Dev Ops (EU)')).toBe('Dev-Ops-EU');
    expect(sanitizeProfileName('Développement')).toBe('Developpement');
    expect(sanitizeProfileName('[profile x]; #c')).toBe('profile-x-c');
    expect(sanitizeProfileName('--rf')).toBe('rf');
    expect(sanitizeProfileName('a\u202Eb\u200Bc\td\ne')).toBe('a-b-c-d-e');
    expect(sanitizeProfileName('本番 🚀')).toBe('');
    expect(sanitizeProfileName('me@corp+eu.1:2/3%')).toBe('me@corp+eu.1:2/3%');
  });

  it('renders every placeholder, with the prefix in front', () => {
    const list = [account('111122223333', 'Prod', ['Admin'], 'ops@example.com')];
    expect(names(list, '{sso_session}:{account_id}:{account_name}:{role_name}:{account_email}', 'x/')).toEqual([
      'x/acme:111122223333:Prod:Admin:ops@example.com',
    ]);
  });

  it('keeps colliding pairs apart with the account id, in any server order, and reports them', () => {
    const a = account('111111111111', 'Dev', ['Admin', 'ReadOnly']);
    const b = account('222222222222', 'Dev ', ['Admin']);
    const c = account('333333333333', 'Prod', ['Admin']);
    const named = nameProfiles([a, b, c], { template: '{account_name}/{role_name}', prefix: '', ssoSession: 's' });
    expect(named.profiles.map((p) => p.name)).toEqual(['Dev-111111111111/Admin', 'Dev/ReadOnly', 'Dev-222222222222/Admin', 'Prod/Admin']);
    expect(named.collisions).toEqual([{ name: 'Dev/Admin', renamedTo: ['Dev-111111111111/Admin', 'Dev-222222222222/Admin'] }]);
    expect(names([c, b, a]).sort()).toEqual(named.profiles.map((p) => p.name).sort());
    // A template without {account_name} gets the id at the end; one without the role gets the role too.
    expect(names([a], '{sso_session}')).toEqual(['acme-111111111111-Admin', 'acme-111111111111-ReadOnly']);
  });

  it('always gives unique, safe, bounded names (property)', () => {
    const list = fc.uniqueArray(
      fc.tuple(fc.stringMatching(/^\d{12}$/), fc.string({ maxLength: 80, unit: 'grapheme' }), fc.uniqueArray(fc.string({ maxLength: 40 }), { maxLength: 3 })),
      { maxLength: 8, selector: ([id]) => id },
    );
    fc.assert(
      fc.property(list, fc.constantFrom('{account_name}/{role_name}', '{role_name}', 'x'), (raw, template) => {
        const result = names(raw.map(([id, name, roles]) => account(id, name, roles)), template);
        expect(new Set(result).size).toBe(result.length);
        for (const name of result) {
          expect(name).toMatch(/^[A-Za-z0-9_@+.%:/][A-Za-z0-9_\-@+.%:/]*$/);
          expect(name.length).toBeLessThanOrEqual(200);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses unknown placeholders and templates that give empty names', () => {
    expect(() => checkTemplate('{account}/{role_name}')).toThrow('unknown placeholder {account} in --profile-template');
    expect(() => checkTemplate('   ')).toThrow('--profile-template gives empty names');
    expect(() => checkTemplate('{account_name}.{role_name}')).not.toThrow();
  });
});

describe('the credential_process line', () => {
  const hostile = ["plain/Name", "a b", "it's", '$(touch x)', '`id`', 'semi;colon', 'back\\slash', '"dq"', '-leading', 'ünï', ''];

  it('reads back as the same words under Python shlex.split (botocore) and /bin/sh (the JS SDK)', () => {
    for (const value of hostile) {
      const line = credentialProcessLine('/opt/key fob/bin/keyfob.cjs', value);
      const py = spawnSync('python3', ['-c', 'import json,shlex,sys; print(json.dumps(shlex.split(sys.stdin.read())))'], { input: line, encoding: 'utf8' });
      expect(py.status).toBe(0);
      expect(JSON.parse(py.stdout)).toEqual(['/opt/key fob/bin/keyfob.cjs', 'credential-process', '--profile', value]);
      const sh = spawnSync('/bin/sh', ['-c', `printf '%s\\n' ${line.split(' credential-process ')[1]}`], { encoding: 'utf8' });
      expect(sh.stdout).toBe(`--profile\n${value}\n`);
    }
  });

  it('leaves plain words unquoted so the generated config stays readable', () => {
    expect(quotePosix('Experiments/AdministratorAccess')).toBe('Experiments/AdministratorAccess');
    expect(quotePosix("it's")).toBe(`'it'\\''s'`);
  });
});

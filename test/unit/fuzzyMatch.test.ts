// The picker's matcher: a space means AND, word starts and runs rank first, ties keep the
// given (frecency) order; and the display width of what the picker draws.
import { describe, expect, it } from 'vitest';
import { displayWidth, filterRows } from '../../src/assume/picker.js';
import { nearestNames } from '../../src/config/nearestNames.js';
import { queryTerms, rankMatches, scoreTerm } from '../../src/core/fuzzyMatch.js';

const ORG = [
  'Security/AdministratorAccess',
  'Security/ReadOnlyAccess',
  'Production/ReadOnlyAccess',
  'Production/AdministratorAccess',
  'Experiments/AdministratorAccess',
  'Experiments/ReadOnlyAccess',
  'Marketplace/ReadOnlyAccess',
].map((name) => ({ name, accountId: '', roleName: name.split('/')[1] }));
const names = (rows: { name: string }[]) => rows.map((r) => r.name);

describe('the matcher', () => {
  it('reads a space as AND: every term must match', () => {
    expect(queryTerms('  sec   ro ')).toEqual(['sec', 'ro']);
    // Both terms in each row (letters in order, as fzf matches), the one with both at word starts first.
    const both = ['Security/ReadOnlyAccess', 'Security/AdministratorAccess', 'Experiments/ReadOnlyAccess'];
    expect(names(filterRows(ORG, 'sec ro'))).toEqual(both);
    expect(names(filterRows(ORG, 'ro sec'))).toEqual(both);
    expect(names(filterRows(ORG, 'sec'))).toEqual(expect.arrayContaining(both));
    expect(names(filterRows(ORG, 'exp admin'))).toEqual(['Experiments/AdministratorAccess']);
    expect(filterRows(ORG, 'sec zzz')).toEqual([]);
  });

  it('ranks matches at word starts first: secro is Security/ReadOnlyAccess before Security/AdministratorAccess', () => {
    const ranked = names(filterRows(ORG, 'secro'));
    expect(ranked[0]).toBe('Security/ReadOnlyAccess');
    expect(ranked).toContain('Security/AdministratorAccess');
    expect(ranked.indexOf('Security/ReadOnlyAccess')).toBeLessThan(ranked.indexOf('Security/AdministratorAccess'));
    // P…R…O at word starts, not scattered letters.
    expect(names(filterRows(ORG, 'pro'))[0]).toBe('Production/ReadOnlyAccess');
    expect(scoreTerm('ro', 'ReadOnly')!).toBeGreaterThan(scoreTerm('ro', 'Administrator')!);
    expect(scoreTerm('adm', 'Admin')!).toBeGreaterThan(scoreTerm('adm', 'xAxdxm')!);
  });

  it('is case-insensitive, a subsequence match, and keeps the given order between equal scores', () => {
    expect(scoreTerm('EXP', 'Experiments')).toBeDefined();
    expect(scoreTerm('xp', 'Experiments')).toBeDefined();
    expect(scoreTerm('pxe', 'Experiments')).toBeUndefined();
    expect(scoreTerm('toolong', 'short')).toBeUndefined();
    const rows = ['b/Thing', 'a/Thing', 'c/Thing'].map((name) => ({ name }));
    expect(names(filterRows(rows, 'thing'))).toEqual(['b/Thing', 'a/Thing', 'c/Thing']);
    expect(filterRows(rows, '   ')).toBe(rows);
    expect(rankMatches('', ['x', 'y'], (s) => [s])).toEqual(['x', 'y']);
  });

  it('matches a term in the account id or the role when the name does not have it', () => {
    const rows = [{ name: 'x', accountId: '765432109876', roleName: 'Admin' }, { name: 'y', accountId: '111122223333', roleName: 'ReadOnly' }];
    expect(names(filterRows(rows, '7654 admin'))).toEqual(['x']);
    expect(names(filterRows(rows, 'readonly'))).toEqual(['y']);
  });

  it('still suggests the nearest names for a mistyped profile', () => {
    const all = ORG.map((r) => r.name);
    expect(nearestNames('exp/admin', all, 1)).toEqual(['Experiments/AdministratorAccess']);
    expect(nearestNames('Expreiments/AdministratorAccess', all, 1)).toEqual(['Experiments/AdministratorAccess']);
  });
});

describe('display width', () => {
  it('counts emoji such as 🚀 and ✅ as two columns, as terminals draw them', () => {
    expect(displayWidth('🚀')).toBe(2);
    expect(displayWidth('✅')).toBe(2);
    expect(displayWidth('Launch 🚀/✅ Ready')).toBe(18);
    expect(displayWidth('東京')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('abc')).toBe(3);
  });
});

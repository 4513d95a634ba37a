// "Did you mean": the profile names closest to a mistyped one. The picker's subsequence match
// catches abbreviations (`exp/admin`); edit distance catches typos it misses (`Expreiments`).
import { rankMatches } from '../core/fuzzyMatch.js';

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export function nearestNames(wanted: string, names: readonly string[], count = 3): string[] {
  // One term: a space in a mistyped name is part of it, not an AND.
  const picked = rankMatches(wanted.replace(/\s+/gu, ''), names, (n) => [n]).slice(0, count);
  if (picked.length < count) {
    const lower = wanted.toLowerCase();
    const rest = names
      .filter((n) => !picked.includes(n))
      .map((n) => ({ n, d: editDistance(lower, n.toLowerCase()) }))
      .sort((x, y) => x.d - y.d);
    for (const { n } of rest.slice(0, count - picked.length)) picked.push(n);
  }
  return picked;
}

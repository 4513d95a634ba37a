// The picker's matcher (and "did you mean"), replacing the unmaintained `fuzzy` package.
//
// A query is terms separated by spaces, and every term must match (AND, as in fzf: `sec ro`).
// A term matches when its characters appear in order in the text, case-insensitively. Of all
// the ways they can appear, the best-scoring one counts (a small dynamic programme, as fzf's):
// characters at the start of a word (after / - _ . : @ space, at a lower-to-upper case change,
// or at the start) and runs of consecutive characters score most, gaps cost; so `secro` finds
// Security/ReadOnlyAccess (S…R…O at word starts) above Security/AdministratorAccess.

const SCORE_MATCH = 16;
const BONUS_START = 12; // the text's first character
const BONUS_WORD = 10; // after a separator
const BONUS_CAMEL = 8; // lower case then upper case (ReadOnly)
const BONUS_CONSECUTIVE = 6;
const BONUS_SAME_CASE = 1;
const GAP_OPEN = 3;
const GAP_EXTEND = 1;
const SEPARATORS = new Set([' ', '\t', '/', '-', '_', '.', ':', '@', ',', '+', '=', '(', ')', '[', ']']);

/** The query's terms: split at whitespace, empty ones dropped. */
export function queryTerms(query: string): string[] {
  return query.split(/\s+/u).filter((t) => t !== '');
}

function isUpper(c: string): boolean {
  return c !== c.toLowerCase() && c === c.toUpperCase();
}

function isLower(c: string): boolean {
  return c !== c.toUpperCase() && c === c.toLowerCase();
}

function positionBonus(chars: string[], j: number): number {
  if (j === 0) return BONUS_START;
  const before = chars[j - 1]!;
  if (SEPARATORS.has(before)) return BONUS_WORD;
  if (isLower(before) && isUpper(chars[j]!)) return BONUS_CAMEL;
  if (/\p{N}/u.test(chars[j]!) && !/\p{N}/u.test(before)) return BONUS_CAMEL;
  return 0;
}

/** The best score of one term in `text`, or undefined when it does not match. */
export function scoreTerm(term: string, text: string): number | undefined {
  const q = Array.from(term);
  const t = Array.from(text);
  const n = q.length;
  const m = t.length;
  if (n === 0) return 0;
  if (n > m) return undefined;
  const ql = q.map((c) => c.toLowerCase());
  const tl = t.map((c) => c.toLowerCase());
  const bonus = t.map((_, j) => positionBonus(t, j));
  const NONE = -Infinity;
  // prev[j]: best score with the previous term character matched at j.
  let prev = new Array<number>(m).fill(NONE);
  for (let j = 0; j < m; j++) {
    if (tl[j] === ql[0]) prev[j] = SCORE_MATCH + bonus[j]! + (t[j] === q[0] ? BONUS_SAME_CASE : 0);
  }
  for (let i = 1; i < n; i++) {
    const cur = new Array<number>(m).fill(NONE);
    // Best of prev[k] - gap(j - k - 1) over k <= j - 2, carried along j.
    let gapped = NONE;
    for (let j = i; j < m; j++) {
      if (j >= 2) gapped = Math.max(gapped - GAP_EXTEND, prev[j - 2]! - GAP_OPEN);
      if (tl[j] !== ql[i]) continue;
      const via = Math.max(prev[j - 1]! + BONUS_CONSECUTIVE, gapped);
      if (via === NONE) continue;
      cur[j] = via + SCORE_MATCH + bonus[j]! + (t[j] === q[i] ? BONUS_SAME_CASE : 0);
    }
    prev = cur;
  }
  const best = Math.max(...prev);
  return best === NONE ? undefined : best;
}

/**
 * The score of a query against a candidate's fields: every term must match some field, and
 * counts with its best one. Undefined when a term matches none.
 */
export function scoreQuery(terms: readonly string[], fields: readonly string[]): number | undefined {
  let total = 0;
  for (const term of terms) {
    let best: number | undefined;
    for (const field of fields) {
      const s = scoreTerm(term, field);
      if (s !== undefined && (best === undefined || s > best)) best = s;
    }
    if (best === undefined) return undefined;
    total += best;
  }
  return total;
}

/** The candidates every term matches, best first; equal scores keep the given order. */
export function rankMatches<T>(query: string, candidates: readonly T[], fields: (c: T) => readonly string[]): T[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return [...candidates];
  const scored: { c: T; index: number; score: number }[] = [];
  candidates.forEach((c, index) => {
    const score = scoreQuery(terms, fields(c));
    if (score !== undefined) scored.push({ c, index, score });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((s) => s.c);
}

// Types for the `fuzzy` package (it ships none): the parts keyfob uses.
declare module 'fuzzy' {
  export interface FilterResult<T> {
    string: string;
    score: number;
    index: number;
    original: T;
  }
  export interface FilterOptions<T> {
    pre?: string;
    post?: string;
    extract?: (item: T) => string;
  }
  export function filter<T>(pattern: string, items: readonly T[], opts?: FilterOptions<T>): FilterResult<T>[];
  export function test(pattern: string, text: string): boolean;
  export function match(pattern: string, text: string, opts?: { pre?: string; post?: string; caseSensitive?: boolean }): { rendered: string; score: number } | null;
  const fuzzy: { filter: typeof filter; test: typeof test; match: typeof match };
  export default fuzzy;
}

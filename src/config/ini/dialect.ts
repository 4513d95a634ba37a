// The botocore dialect of the AWS config file: how botocore (Python's RawConfigParser as botocore
// configures it) reads each line. Reading only; ./document.ts keeps the bytes and makes edits.
//
// - Lines end at `\n`, `\r\n` or a lone `\r` (a file read in text mode), never at U+2028,
//   U+0085, `\v` or `\f`; "whitespace" is Python's (str.isspace), not JavaScript's `\s`.
// - `#` and `;` start a comment only at the start of a line; `key = value # x` keeps `# x`.
// - `=` or `:` separates key and value; keys are lower-cased (optionxform), values trimmed.
// - A line indented deeper than the key line above it continues that value; blank and comment
//   lines in between do not end it. `s3 =` followed by indented `k = v` lines is a sub-section;
//   botocore refuses the file when one of those lines (split as str.splitlines does) has no `=`.
// - `[profile NAME]` and `[sso-session NAME]`/`[services NAME]` are split like shlex.split;
//   anything other than exactly two words is ignored by botocore, and reported here.
// - Section names are case-sensitive. Duplicate sections and duplicate keys make the AWS CLI
//   refuse the whole file (strict mode); they are reported, and the first occurrence wins.
//
// analyse() is one state machine (configparser's _read); the whitespace and header rules it
// uses live next to it because they mean nothing apart from it.
import { shlexSplit } from '../../core/shellWords.js';

// Python's str.isspace(), which configparser's strip() and `\s` use. JavaScript's `\s` and
// trim() differ: they include U+FEFF and leave out U+001C–U+001F and U+0085.
const PY_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// configparser's OPTCRE; Python's `.` matches every character but `\n` (JavaScript's `.` also stops at \r, U+2028, U+2029).
const OPTION = new RegExp(`^([^]*?)[${PY_SPACE}]*[=:][${PY_SPACE}]*([^]*)$`);

export function isPySpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Python's str.strip() (trim() would also take U+FEFF, and leave U+0085). */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPySpace(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

export type SectionKind = 'default' | 'profile' | 'sso-session' | 'services' | 'other';

export interface ConfigProblem {
  /** 1-based line number. */
  line: number;
  message: string;
  /** botocore (so the AWS CLI and every SDK built on it) refuses the whole file because of it. */
  refused: boolean;
}

export interface Entry {
  /** Lower-cased, as botocore looks keys up. */
  key: string;
  /** The key exactly as written. */
  rawKey: string;
  /** Trimmed value; continuation lines are joined with "\n" like configparser does. */
  value: string;
  /** 0-based index of the `key = value` line. */
  line: number;
  /** 0-based index one past the entry's last non-blank continuation line. */
  endLine: number;
}

export interface Section {
  kind: SectionKind;
  /** Profile / session / services name; "default" for [default]; the raw header for others. */
  name: string;
  /** Text between the brackets, as written. */
  header: string;
  /** 0-based index of the header line. */
  headerLine: number;
  /** 0-based index one past the section's last line (next header or end of file). */
  endLine: number;
  /** 0-based index one past the last entry (or the header when there are none). */
  contentEnd: number;
  entries: Entry[];
}

/** What upsert/setKey accept: a Section from `doc.sections`, or just its kind and name. */
export interface SectionRef {
  kind: SectionKind;
  name: string;
}

export interface Line {
  text: string;
  eol: string;
}

export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\n|\r/g; // Python's universal newlines
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  // The remainder: "" after a final newline (kept so toString is exact and simple).
  lines.push({ text: text.slice(start), eol: '' });
  return lines;
}

/** Index where an option line's value starts (after the delimiter and spaces). */
export function valueStart(text: string): number {
  const delim = text.search(/[=:]/);
  let i = delim + 1;
  while (i < text.length && isPySpace(text.charCodeAt(i))) i++;
  return i;
}

/** Where the first non-space is (configparser's NONSPACECRE), 0 on a blank line. */
export function indentOf(text: string): number {
  let i = 0;
  while (i < text.length && isPySpace(text.charCodeAt(i))) i++;
  return i < text.length ? i : 0;
}

/** A blank or comment line: one every reader skips. */
export function isSkipped(text: string): boolean {
  const trimmed = pyStrip(text);
  return trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';');
}

function classifyHeader(header: string): { kind: SectionKind; name: string; problem?: string } {
  if (header === 'default') return { kind: 'default', name: 'default' };
  for (const kind of ['profile', 'sso-session', 'services'] as const) {
    // botocore tests startswith(), then shlex.split into exactly two words, and takes the
    // second whatever the first is: `[profiles x]` is profile x to it.
    if (!header.startsWith(kind)) continue;
    const words = shlexSplit(header);
    if (words && words.length === 2) return { kind, name: words[1] };
    if (words && words.length > 0 && words[0] !== kind) return { kind: 'other', name: header }; // e.g. [profiles]
    return {
      kind: 'other',
      name: header,
      problem: `section [${header}] is ignored by the AWS CLI: write it as [${kind} NAME] with one word for NAME`,
    };
  }
  return { kind: 'other', name: header };
}

/** A problem that may refer to another line ("first at line N"), kept apart so edits can shift it. */
export interface Problem extends ConfigProblem {
  related?: number;
}

export interface Analysis {
  sections: Section[];
  problems: Problem[];
}

export function renderProblem({ line, message, related, refused }: Problem): ConfigProblem {
  return { line, refused, message: related === undefined ? message : message.replace('{related}', String(related)) };
}

// Python's str.splitlines(), which botocore's _parse_nested uses on a sub-section's text.
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

export function analyse(lines: Line[]): Analysis {
  const sections: Section[] = [];
  const problems: Problem[] = [];
  const firstHeaderAt = new Map<string, number>();
  let current: Section | undefined;
  let entry: Entry | undefined; // the option whose value may continue
  let continued: string[] = [];
  let continuedAt: number[] = [];
  let indentLevel = 0;
  let firstKeyAt = new Map<string, number>();
  // configparser's [DEFAULT] may appear more than once; its keys are still checked for duplicates across them.
  const defaultKeysAt = new Map<string, number>();

  const closeEntry = () => {
    if (entry && continued.length > 0) {
      entry.value = pyRstrip([entry.value, ...continued].join('\n'));
      // botocore reads a value that starts on the next line (`s3 =` then indented lines) as
      // `key = value` sub-settings, and raises ConfigParseError on a line without `=`.
      if (entry.value.startsWith('\n')) {
        const bad = continued.findIndex((text) => text.split(PY_LINE_BREAK).some((part) => pyStrip(part) !== '' && !part.includes('=')));
        if (bad >= 0) {
          const text = continued[bad];
          const fixed = text.replace(/^([^=:]*?)\s*:\s*/, '$1 = ');
          problems.push({
            line: continuedAt[bad] + 1,
            related: entry.line + 1,
            refused: true,
            message:
              `invalid sub-setting ${JSON.stringify(text)} under "${entry.rawKey} =" (line {related}): the AWS CLI reads the indented lines ` +
              `under an empty value as "key = value" and refuses the file` + (fixed !== text && fixed.includes('=') ? `; write ${JSON.stringify(fixed)}` : ''),
          });
        }
      }
    }
    entry = undefined;
    continued = [];
    continuedAt = [];
  };

  lines.forEach(({ text }, index) => {
    const trimmed = pyStrip(text);
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      // configparser keeps blank lines inside a continued value; they are trimmed at the end.
      if (entry && trimmed === '') {
        continued.push('');
        continuedAt.push(index);
      }
      return;
    }
    const indent = indentOf(text);
    if (entry && indent > indentLevel) {
      continued.push(trimmed);
      continuedAt.push(index);
      entry.endLine = index + 1;
      if (current) current.contentEnd = index + 1;
      return;
    }
    closeEntry();
    indentLevel = indent;

    // configparser's SECTCRE `\[(.+)\]`: from the first `[` to the last `]`, text after it ignored.
    if (trimmed.startsWith('[') && trimmed.lastIndexOf(']') > 1) {
      const inner = trimmed.slice(1, trimmed.lastIndexOf(']'));
      const { kind, name, problem } = classifyHeader(inner);
      if (current) current.endLine = index;
      current = { kind, name, header: inner, headerLine: index, endLine: lines.length, contentEnd: index + 1, entries: [] };
      sections.push(current);
      firstKeyAt = inner === 'DEFAULT' ? defaultKeysAt : new Map();
      if (problem) problems.push({ line: index + 1, refused: false, message: problem });
      const seenAt = firstHeaderAt.get(inner);
      if (seenAt !== undefined && inner !== 'DEFAULT') {
        problems.push({
          line: index + 1,
          related: seenAt + 1,
          refused: true,
          message: `duplicate section [${inner}] (first at line {related}); the AWS CLI refuses such a file, keyfob reads the first`,
        });
      } else {
        firstHeaderAt.set(inner, index);
      }
      return;
    }
    if (trimmed.startsWith('[')) {
      // configparser reads `[a=b` as an option line: refused without = or :, or before any section.
      problems.push({ line: index + 1, refused: !/[=:]/.test(trimmed) || !current, message: `malformed section header ${JSON.stringify(trimmed)}; expected [NAME]` });
      return;
    }
    const option = OPTION.exec(trimmed);
    if (!current) {
      problems.push({
        line: index + 1,
        refused: true,
        message: option
          ? `key "${option[1]}" appears before any [section] header`
          : `unexpected text before any [section] header`,
      });
      return;
    }
    if (!option || option[1] === '') {
      problems.push({ line: index + 1, refused: true, message: `expected "key = value" in section [${current.header}]` });
      return;
    }
    const key = option[1].toLowerCase();
    const seenAt = firstKeyAt.get(key);
    if (seenAt !== undefined) {
      problems.push({
        line: index + 1,
        related: seenAt + 1,
        refused: true,
        message: `duplicate key "${key}" in [${current.header}] (first at line {related}); keyfob reads the first`,
      });
      // A duplicate is still part of the section's content (its continuation lines too), but
      // it is not listed in entries, so lookups find the first.
      current.contentEnd = index + 1;
      entry = { key, rawKey: option[1], value: option[2], line: index, endLine: index + 1 };
      return;
    }
    firstKeyAt.set(key, index);
    entry = { key, rawKey: option[1], value: option[2], line: index, endLine: index + 1 };
    current.entries.push(entry);
    current.contentEnd = index + 1;
  });
  closeEntry();
  return { sections, problems };
}

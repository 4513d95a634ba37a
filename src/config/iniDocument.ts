// A lossless, line-level model of an AWS config file.
//
// Why not the `ini` package: it drops comments when it writes and treats dots in section
// names as nesting (`[profile a.b]`). Here every line keeps its exact bytes, including its
// line ending, so `parseConfig(text).toString() === text` for any input, and edits touch only
// the lines they mean to.
//
// Reading follows botocore (Python's RawConfigParser as botocore configures it):
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
import { ConfigError } from '../errors.js';

// Python's str.isspace(), which configparser's strip() and `\s` use. JavaScript's `\s` and
// trim() differ: they include U+FEFF and leave out U+001C–U+001F and U+0085.
const PY_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// configparser's OPTCRE; Python's `.` matches every character but `\n` (JavaScript's `.` also stops at \r, U+2028, U+2029).
const OPTION = new RegExp(`^([^]*?)[${PY_SPACE}]*[=:][${PY_SPACE}]*([^]*)$`);

function isPySpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Python's str.strip() (trim() would also take U+FEFF, and leave U+0085). */
function pyStrip(text: string): string {
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

interface Line {
  text: string;
  eol: string;
}

/** A marker comment must look like a comment so every INI reader skips it. */
function normaliseMarker(marker: string): string {
  const trimmed = pyStrip(marker);
  if (/[\r\n]/.test(trimmed)) throw new ConfigError('a section marker must be a single line');
  return trimmed.startsWith('#') || trimmed.startsWith(';') ? trimmed : `# ${trimmed}`;
}

export class ConfigDocument {
  private readonly bom: string;
  private lines: Line[];
  private parsed!: Analysis;

  constructor(text: string) {
    this.bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
    this.lines = splitLines(text.slice(this.bom.length));
    this.reindex();
  }

  toString(): string {
    let out = this.bom;
    for (const line of this.lines) out += line.text + line.eol;
    return out;
  }

  get sections(): readonly Section[] {
    return this.parsed.sections;
  }

  get problems(): readonly ConfigProblem[] {
    const problems = this.parsed.problems.map(renderProblem);
    if (!this.bom) return problems;
    // keyfob reads past it, but the AWS CLI v2 fails with "Unable to parse config file".
    return [{ line: 1, refused: true, message: 'the file starts with a byte-order mark (BOM), which the AWS CLI cannot parse; save it as UTF-8 without BOM' }, ...problems];
  }

  /** The line ending new lines get: the file's first one, or "\n". */
  get newline(): string {
    return this.lines.find((l) => l.eol !== '')?.eol ?? '\n';
  }

  /** The first section of that kind and name (botocore refuses duplicates; we read the first). */
  findSection(kind: SectionKind, name: string): Section | undefined {
    return this.parsed.sections.find((s) => s.kind === kind && s.name === name);
  }

  getValue(section: SectionRef, key: string): string | undefined {
    return this.findEntry(section, key)?.value;
  }

  /** The comment line directly above a section's header, trimmed, if there is one. */
  commentAbove(section: SectionRef): string | undefined {
    const found = this.resolve(section);
    if (!found || found.headerLine === 0) return undefined;
    const above = pyStrip(this.lines[found.headerLine - 1].text);
    return above.startsWith('#') || above.startsWith(';') ? above : undefined;
  }

  /**
   * Set a key. An existing key keeps its `key = ` spacing and only its value changes
   * (continuation lines of the old value go); a new key goes after the section's last entry,
   * before any trailing blank or comment lines. Returns whether anything changed.
   */
  setKey(section: SectionRef, key: string, value: string): boolean {
    validateKey(key);
    validateValue(key, value);
    const found = this.require(section);
    const entry = found.entries.find((e) => e.key === key.toLowerCase());
    if (entry) {
      if (entry.value === value && entry.endLine === entry.line + 1) return false;
      const old = this.lines[entry.line];
      let prefix = old.text.slice(0, valueStart(old.text));
      // `key=value` stays tight, but `key =` with no value gets `key = value`.
      if (value !== '' && pyStrip(old.text).length === pyStrip(prefix).length && /[=:]$/.test(prefix)) prefix += ' ';
      const eol = this.lines[entry.endLine - 1].eol;
      this.lines.splice(entry.line, entry.endLine - entry.line, { text: prefix + value, eol });
      this.reindexSection(found, 1 - (entry.endLine - entry.line));
    } else {
      this.insertLines(found.contentEnd, [`${this.indentBefore(found.contentEnd)}${key} = ${value}`]);
      this.reindexSection(found, 1);
    }
    return true;
  }

  /** Remove a key and its continuation lines. Returns whether it was there. */
  removeKey(section: SectionRef, key: string): boolean {
    const found = this.resolve(section);
    const entry = found?.entries.find((e) => e.key === key.toLowerCase());
    if (!entry || !found) return false;
    this.removeLines(entry.line, entry.endLine);
    this.reindexSection(found, entry.line - entry.endLine);
    return true;
  }

  /**
   * Create a section, or update the keys of an existing one (keys not listed are kept).
   * A new section goes at the end of the file after a blank line, preceded by `marker`
   * when given, in the file's line-ending style. An existing section never gains a marker:
   * claiming a hand-written section is the caller's decision, not a side effect.
   * Returns whether anything changed.
   */
  upsertSection(
    kind: SectionKind,
    name: string,
    entries: ReadonlyArray<readonly [string, string]>,
    opts: { marker?: string } = {},
  ): boolean {
    const header = headerFor(kind, name);
    for (const [key, value] of entries) {
      validateKey(key);
      validateValue(key, value);
    }
    if (this.findSection(kind, name)) {
      let changed = false;
      for (const [key, value] of entries) changed = this.setKey({ kind, name }, key, value) || changed;
      return changed;
    }
    const block: string[] = [];
    if (opts.marker !== undefined) block.push(normaliseMarker(opts.marker));
    block.push(`[${header}]`);
    for (const [key, value] of entries) block.push(`${key} = ${value}`);
    const first = this.appendBlock(block);
    this.indexAppendedSection(first + block.length - entries.length - 1);
    return true;
  }

  /**
   * Remove a section's header and entries (and comment lines between them), plus the marker
   * comment directly above the header when it starts with `markerPrefix`. Trailing blank and
   * comment lines after the last entry stay: they may describe the next section. One blank
   * line above goes too when keeping it would leave two blank lines in a row.
   */
  removeSection(section: SectionRef, opts: { markerPrefix?: string } = {}): boolean {
    const found = this.resolve(section);
    if (!found) return false;
    let start = found.headerLine;
    const prefix = normaliseMarker(opts.markerPrefix ?? '# keyfob');
    if (start > 0 && pyStrip(this.lines[start - 1].text).startsWith(prefix)) start -= 1;
    // The blank separator above goes too, but only where it would leave two blank lines in a
    // row (or a blank last line): otherwise prunes would pile up blank lines.
    const isBlank = (i: number) => i >= this.lines.length || pyStrip(this.lines[i].text) === '';
    if (start > 0 && isBlank(start - 1) && isBlank(found.contentEnd)) start -= 1;
    this.removeLines(start, found.contentEnd);
    this.reindexAfterRemoving(found, found.contentEnd - start);
    return true;
  }

  /**
   * Give a section a new name. Only its header line is rewritten, so its keys, comments and
   * marker stay where they are. Refuses a name another section of that kind already has.
   */
  renameSection(section: SectionRef, newName: string): boolean {
    const found = this.require(section);
    if (found.name === newName) return false;
    if (this.findSection(found.kind, newName)) {
      throw new ConfigError(`cannot rename [${found.header}]: [${headerFor(found.kind, newName)}] already exists`);
    }
    const header = headerFor(found.kind, newName);
    const line = this.lines[found.headerLine];
    line.text = `${line.text.slice(0, indentOf(line.text))}[${header}]`;
    found.name = newName;
    found.header = header;
    return true;
  }

  /**
   * Put a marker comment directly above a section's header: claiming a section the caller has
   * decided to take over (populate --adopt). A comment line changes nothing any reader sees, so
   * only line numbers move. Returns whether anything changed.
   */
  markSection(section: SectionRef, marker: string): boolean {
    const found = this.require(section);
    const text = normaliseMarker(marker);
    if (this.commentAbove(found) === text) return false;
    const at = found.headerLine;
    this.lines.splice(at, 0, { text, eol: this.newline });
    const { sections, problems } = this.parsed;
    const index = sections.indexOf(found);
    if (index > 0) sections[index - 1].endLine += 1;
    for (let i = index; i < sections.length; i++) shiftSection(sections[i], 1);
    this.parsed.problems = problems.map((p) => shiftProblem(p, at, 1));
    return true;
  }

  private findEntry(section: SectionRef, key: string): Entry | undefined {
    return this.resolve(section)?.entries.find((e) => e.key === key.toLowerCase());
  }

  private resolve(section: SectionRef): Section | undefined {
    return this.findSection(section.kind, section.name);
  }

  private require(section: SectionRef): Section {
    const found = this.resolve(section);
    if (!found) throw new ConfigError(`no [${headerFor(section.kind, section.name)}] section in the config`);
    return found;
  }

  /**
   * The indentation a key inserted at `at` needs so that the next significant line (usually a
   * header at column 0) is not read as a continuation of it: that line's own indentation.
   */
  private indentBefore(at: number): string {
    for (let i = at; i < this.lines.length; i++) {
      const trimmed = pyStrip(this.lines[i].text);
      if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
      return this.lines[i].text.slice(0, indentOf(this.lines[i].text));
    }
    return '';
  }

  /** Insert whole lines before index `at`, keeping a missing final newline missing. */
  private insertLines(at: number, texts: string[]): void {
    const nl = this.newline;
    const added = texts.map((text) => ({ text, eol: nl }));
    if (at > 0 && at === this.lines.length && this.lines[at - 1].eol === '') {
      this.lines[at - 1].eol = nl;
      added[added.length - 1].eol = '';
    }
    this.lines.splice(at, 0, ...added);
  }

  /** Append lines at the end after one blank separator; returns the index of the first. */
  private appendBlock(texts: string[]): number {
    const nl = this.newline;
    // Like a parse, keep the empty remainder after the final newline as the last line.
    const last = this.lines[this.lines.length - 1];
    if (last.text !== '') {
      last.eol = nl;
      this.lines.push({ text: '', eol: '' });
    }
    const at = this.lines.length - 1;
    const tail = this.lines[at - 1];
    const added = texts.map((text) => ({ text, eol: nl }));
    if (tail && pyStrip(tail.text) !== '') added.unshift({ text: '', eol: nl });
    this.lines.splice(at, 0, ...added);
    return at + added.length - texts.length;
  }

  private removeLines(start: number, end: number): void {
    const lastRemovedEol = this.lines[end - 1].eol;
    this.lines.splice(start, end - start);
    // Removing the final lines of a file without a final newline: keep it without one.
    if (end >= this.lines.length + (end - start) && lastRemovedEol === '' && start > 0) {
      this.lines[start - 1].eol = '';
    }
    if (this.lines.length === 0) this.lines.push({ text: '', eol: '' }); // as parsing "" gives
  }

  private reindex(): void {
    this.parsed = analyse(this.lines);
  }

  // Incremental re-indexing, so that populate's thousands of edits stay linear. A header
  // line always resets the parser's state, so a section can be analysed on its own. The
  // tests check these against a full re-parse.

  /** After lines changed strictly inside `old`'s body, growing it by `delta` lines. */
  private reindexSection(old: Section, delta: number): void {
    const { sections, problems } = this.parsed;
    const at = sections.indexOf(old);
    const start = old.headerLine;
    const end = old.endLine + delta;
    const local = analyse(this.lines.slice(start, end));
    const fresh = shiftSection(local.sections[0], start);
    fresh.endLine = end;
    sections[at] = fresh;
    for (let i = at + 1; i < sections.length; i++) shiftSection(sections[i], delta);
    const kept = problems
      .filter((p) => p.line - 1 <= start || p.line - 1 >= old.endLine)
      .map((p) => shiftProblem(p, old.endLine, delta));
    const added = local.problems.filter((p) => p.line > 1).map((p) => shiftProblem(p, 0, start));
    this.parsed.problems = [...kept, ...added].sort((a, b) => a.line - b.line);
  }

  /**
   * After `removed`'s lines (header to last entry, and its marker) went: its trailing lines now
   * belong to the section before it, so that one is analysed again with them.
   */
  private reindexAfterRemoving(removed: Section, count: number): void {
    const { sections, problems } = this.parsed;
    const at = sections.indexOf(removed);
    const previous = sections[at - 1];
    const next = sections[at + 1];
    const nextHeader = next ? next.headerLine - count : this.lines.length;
    // Cases a local look cannot settle: a duplicate header (another section now comes first),
    // or an indented next header that may now read as a continuation.
    if (sections.some((s) => s !== removed && s.header === removed.header) || (next && indentOf(this.lines[nextHeader].text) > 0)) {
      this.reindex();
      return;
    }
    const start = previous ? previous.headerLine : 0;
    const local = analyse(this.lines.slice(start, nextHeader));
    if (previous) {
      const fresh = shiftSection(local.sections[0], start);
      fresh.endLine = nextHeader;
      sections[at - 1] = fresh;
    }
    sections.splice(at, 1);
    for (let i = at; i < sections.length; i++) shiftSection(sections[i], -count);
    const kept = problems
      .filter((p) => p.line - 1 < start || (previous && p.line - 1 === start) || p.line - 1 >= removed.endLine)
      .map((p) => shiftProblem(p, removed.endLine, -count));
    const added = local.problems.filter((p) => !previous || p.line > 1).map((p) => shiftProblem(p, 0, start));
    this.parsed.problems = [...kept, ...added].sort((a, b) => a.line - b.line);
  }

  /** After appendBlock added a section whose header is at `headerLine`. */
  private indexAppendedSection(headerLine: number): void {
    const { sections, problems } = this.parsed;
    const previous = sections[sections.length - 1];
    if (previous) previous.endLine = headerLine;
    const local = analyse(this.lines.slice(headerLine));
    const fresh = shiftSection(local.sections[0], headerLine);
    fresh.endLine = this.lines.length;
    sections.push(fresh);
    this.parsed.problems = [...problems, ...local.problems.map((p) => shiftProblem(p, 0, headerLine))];
  }
}

function shiftSection(section: Section, delta: number): Section {
  section.headerLine += delta;
  section.endLine += delta;
  section.contentEnd += delta;
  for (const entry of section.entries) {
    entry.line += delta;
    entry.endLine += delta;
  }
  return section;
}

export function parseConfig(text: string): ConfigDocument {
  return new ConfigDocument(text);
}

/** The text between the brackets for a section of this kind and name. */
export function headerFor(kind: SectionKind, name: string): string {
  if (kind === 'default') {
    if (name !== 'default') throw new ConfigError(`a section of kind "default" is named default, not ${JSON.stringify(name)}`);
    return 'default';
  }
  validateSectionName(name);
  return kind === 'other' ? name : `${kind} ${name}`;
}

// Names must survive botocore's shlex.split of the header as exactly one word, and stay
// harmless on a shell command line and a terminal: no whitespace, quotes, backslashes,
// brackets, comment characters, control or format characters (bidi, zero-width, U+2028).
function validateSectionName(name: string): void {
  if (name === '' || /[\s'"\\[\];#\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(name)) {
    throw new ConfigError(
      `invalid section name ${JSON.stringify(name)}: use letters, digits and - _ . / @ + = , : only`,
    );
  }
}

function validateKey(key: string): void {
  if (!/^[A-Za-z0-9_.\-]+$/.test(key)) {
    throw new ConfigError(`invalid config key ${JSON.stringify(key)}: use letters, digits, _ - . only`);
  }
}

/**
 * A value every reader sees alike, and that prints as it reads: no control character but tab
 * (\r, \v, \f, U+0085, U+001C–U+001F end a line or a word for some reader), no format or
 * separator character (U+2028, bidi overrides, zero-width characters), no surrounding space
 * (botocore strips it).
 */
export function isWritableValue(value: string): boolean {
  return !/[^\P{Cc}\t]|[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(value) && value === value.trim();
}

function validateValue(key: string, value: string): void {
  if (!isWritableValue(value)) {
    throw new ConfigError(`invalid value for ${key}: it must be one line without leading or trailing spaces, control or format characters`);
  }
}

function splitLines(text: string): Line[] {
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
function valueStart(text: string): number {
  const delim = text.search(/[=:]/);
  let i = delim + 1;
  while (i < text.length && isPySpace(text.charCodeAt(i))) i++;
  return i;
}

/** Where the first non-space is (configparser's NONSPACECRE), 0 on a blank line. */
function indentOf(text: string): number {
  let i = 0;
  while (i < text.length && isPySpace(text.charCodeAt(i))) i++;
  return i < text.length ? i : 0;
}

/** shlex.split (POSIX mode, no comments), or undefined where Python would raise. */
export function shlexSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word += s.slice(i + 1, close);
      i = close;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '\\"'.includes(s[j + 1])) j++;
        word += s[j];
      }
      if (j >= s.length) return undefined;
      i = j;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= s.length) return undefined;
      word += s[++i];
      inWord = true;
    } else if (' \t\r\n'.includes(c)) { // shlex.whitespace
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
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
interface Problem extends ConfigProblem {
  related?: number;
}

interface Analysis {
  sections: Section[];
  problems: Problem[];
}

function renderProblem({ line, message, related, refused }: Problem): ConfigProblem {
  return { line, refused, message: related === undefined ? message : message.replace('{related}', String(related)) };
}

// Python's str.splitlines(), which botocore's _parse_nested uses on a sub-section's text.
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Move 1-based line references at or after 0-based index `from` by `delta`. */
function shiftProblem(p: Problem, from: number, delta: number): Problem {
  const shifted: Problem = { ...p, line: p.line - 1 >= from ? p.line + delta : p.line };
  if (p.related !== undefined && p.related - 1 >= from) shifted.related = p.related + delta;
  return shifted;
}

function analyse(lines: Line[]): Analysis {
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
      // A duplicate is still part of the section's content, but lookups find the first.
      current.contentEnd = index + 1;
      entry = { key: `\0dup:${key}`, rawKey: option[1], value: option[2], line: index, endLine: index + 1 };
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

// A batch of edits to a config document: collected against one parse, written in one pass.
//
// populate makes thousands of edits to one file. Re-parsing after each would be quadratic, and
// keeping the index right after each edit took ~150 lines of shifting. Instead the edits are
// recorded in a log (reads see the document as it was when the batch began), and apply()
// cuts the file at its section headers, replays the log with each edit on its own piece (a
// header resets configparser's state, so a piece can be analysed alone), and joins them. The document then parses the result once.
//
// One room over 300 lines: the recording half (what each edit answers, by the names sections
// have mid-batch) and the writing half (replaying the log on the pieces) must agree edit by edit,
// and test/config/editBatch.property.test.ts checks them together against one edit at a time.
import { ConfigError } from '../../core/errors.js';
import { analyse, indentOf, isSkipped, pyStrip, valueStart, type Line, type Section, type SectionKind, type SectionRef } from './dialect.js';
import { headerFor, normaliseMarker, validateKey, validateValue } from './writing.js';

/** What a batch reads: the document as parsed when the batch began. */
export interface EditBase {
  readonly sections: readonly Section[];
  commentAboveHeader(section: Section): string | undefined;
}

type Op =
  | { op: 'append' }
  | { op: 'drop'; markerPrefix: string }
  | { op: 'set'; key: string; value: string }
  | { op: 'remove'; key: string }
  | { op: 'rename'; header: string }
  | { op: 'mark'; text: string };

interface Plan {
  /** Pending values by lower-cased key; null: removed. */
  keys: Map<string, string | null>;
  name: string;
  header: string;
  removed?: boolean;
  marked?: string;
}

interface NewSection {
  kind: SectionKind;
  name: string;
  header: string;
  /** Comment lines above the header, top to bottom. */
  markers: string[];
  entries: [string, string][];
}

const nameKey = (kind: SectionKind, name: string) => `${kind}\0${name}`;

export class ConfigEdits {
  private readonly plans = new Map<Section, Plan>();
  /** Sections renamed in this batch, by their new name. */
  private readonly renamed = new Map<string, Section>();
  /** New sections by current name, and in the order they were added (the order they are written). */
  private readonly added = new Map<string, NewSection>();
  /** Every edit in the order it was made; apply() replays them on the pieces of the file. */
  private readonly log: { target: Section | NewSection; op: Op }[] = [];

  constructor(private readonly base: EditBase) {}

  get isEmpty(): boolean {
    return this.log.length === 0;
  }

  /**
   * Set a key. An existing key keeps its `key = ` spacing and only its value changes
   * (continuation lines of the old value go); a new key goes after the section's last entry,
   * before any trailing blank or comment lines. Returns whether anything changes.
   */
  setKey(section: SectionRef, key: string, value: string): boolean {
    validateKey(key);
    validateValue(key, value);
    const target = this.require(section);
    const lower = key.toLowerCase();
    if (!isExisting(target)) {
      const at = target.entries.findIndex(([k]) => k.toLowerCase() === lower);
      if (at >= 0 && target.entries[at][1] === value) return false;
      if (at >= 0) target.entries[at] = [target.entries[at][0], value];
      else target.entries.push([key, value]);
      return true;
    }
    const plan = this.planFor(target);
    if (plan.keys.has(lower)) {
      if (plan.keys.get(lower) === value) return false;
    } else {
      const entry = target.entries.find((e) => e.key === lower);
      if (entry && entry.value === value && entry.endLine === entry.line + 1) return false;
    }
    plan.keys.set(lower, value);
    this.log.push({ target, op: { op: 'set', key, value } });
    return true;
  }

  /** Remove a key and its continuation lines. Returns whether it was there. */
  removeKey(section: SectionRef, key: string): boolean {
    const target = this.resolve(section.kind, section.name);
    if (!target) return false;
    const lower = key.toLowerCase();
    if (!isExisting(target)) {
      const before = target.entries.length;
      target.entries = target.entries.filter(([k]) => k.toLowerCase() !== lower);
      return target.entries.length < before;
    }
    const plan = this.planFor(target);
    const present = plan.keys.has(lower) ? plan.keys.get(lower) !== null : target.entries.some((e) => e.key === lower);
    if (!present) return false;
    plan.keys.set(lower, null);
    this.log.push({ target, op: { op: 'remove', key } });
    return true;
  }

  /**
   * Create a section, or update the keys of an existing one (keys not listed are kept).
   * A new section goes at the end of the file after a blank line, preceded by `marker`
   * when given, in the file's line-ending style. An existing section never gains a marker:
   * claiming a hand-written section is the caller's decision, not a side effect.
   * Returns whether anything changes.
   */
  upsertSection(kind: SectionKind, name: string, entries: ReadonlyArray<readonly [string, string]>, opts: { marker?: string } = {}): boolean {
    const header = headerFor(kind, name);
    for (const [key, value] of entries) {
      validateKey(key);
      validateValue(key, value);
    }
    if (this.resolve(kind, name)) {
      let changed = false;
      for (const [key, value] of entries) changed = this.setKey({ kind, name }, key, value) || changed;
      return changed;
    }
    const markers = opts.marker === undefined ? [] : [normaliseMarker(opts.marker)];
    const section: NewSection = { kind, name, header, markers, entries: entries.map(([k, v]) => [k, v]) };
    this.added.set(nameKey(kind, name), section);
    this.log.push({ target: section, op: { op: 'append' } });
    return true;
  }

  /**
   * Remove a section's header and entries (and comment lines between them), plus the marker
   * comment directly above the header when it starts with `markerPrefix`. Trailing blank and
   * comment lines after the last entry stay: they may describe the next section. One blank
   * line above goes too when keeping it would leave two blank lines in a row.
   */
  removeSection(section: SectionRef, opts: { markerPrefix?: string } = {}): boolean {
    const markerPrefix = normaliseMarker(opts.markerPrefix ?? '# keyfob');
    const target = this.resolve(section.kind, section.name);
    if (!target) return false;
    if (!isExisting(target)) {
      this.log.push({ target, op: { op: 'drop', markerPrefix } });
      return this.added.delete(nameKey(target.kind, target.name));
    }
    const plan = this.planFor(target);
    this.renamed.delete(nameKey(target.kind, plan.name));
    plan.removed = true;
    this.log.push({ target, op: { op: 'drop', markerPrefix } });
    return true;
  }

  /**
   * Give a section a new name. Only its header line is rewritten, so its keys, comments and
   * marker stay where they are. Refuses a name another section of that kind already has.
   */
  renameSection(section: SectionRef, newName: string): boolean {
    const target = this.require(section);
    const current = isExisting(target) ? this.planFor(target) : target;
    if (current.name === newName) return false;
    if (this.resolve(target.kind, newName)) {
      throw new ConfigError(`cannot rename [${current.header}]: [${headerFor(target.kind, newName)}] already exists`);
    }
    const header = headerFor(target.kind, newName);
    if (isExisting(target)) {
      const plan = current as Plan;
      this.renamed.delete(nameKey(target.kind, plan.name));
      this.renamed.set(nameKey(target.kind, newName), target);
      this.log.push({ target, op: { op: 'rename', header } });
    } else {
      this.added.delete(nameKey(target.kind, target.name));
      this.added.set(nameKey(target.kind, newName), target);
    }
    current.name = newName;
    current.header = header;
    return true;
  }

  /**
   * Put a marker comment directly above a section's header: claiming a section the caller has
   * decided to take over (populate --adopt). Returns whether anything changes.
   */
  markSection(section: SectionRef, marker: string): boolean {
    const text = normaliseMarker(marker);
    const target = this.require(section);
    if (!isExisting(target)) {
      if (target.markers[target.markers.length - 1] === text) return false;
      target.markers.push(text);
      return true;
    }
    const plan = this.planFor(target);
    if ((plan.marked ?? this.base.commentAboveHeader(target)) === text) return false;
    plan.marked = text;
    this.log.push({ target, op: { op: 'mark', text } });
    return true;
  }

  private planFor(section: Section): Plan {
    let plan = this.plans.get(section);
    if (!plan) {
      plan = { keys: new Map(), name: section.name, header: section.header };
      this.plans.set(section, plan);
    }
    return plan;
  }

  /** The section that has this name now, as sequential edits would find it. */
  private resolve(kind: SectionKind, name: string): Section | NewSection | undefined {
    const key = nameKey(kind, name);
    const isCurrent = (s: Section) => {
      const plan = this.plans.get(s);
      return !plan || (!plan.removed && plan.name === name);
    };
    const first = this.firstByName().get(key);
    return (
      this.renamed.get(key) ??
      this.added.get(key) ??
      (first && isCurrent(first) ? first : undefined) ??
      // The first went (removed or renamed): a duplicate further down now answers to the name.
      (first ? this.base.sections.find((s) => s.kind === kind && s.name === name && isCurrent(s)) : undefined)
    );
  }

  private byName?: Map<string, Section>;
  private firstByName(): Map<string, Section> {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.base.sections) if (!this.byName.has(nameKey(s.kind, s.name))) this.byName.set(nameKey(s.kind, s.name), s);
    }
    return this.byName;
  }

  private require(section: SectionRef): Section | NewSection {
    const found = this.resolve(section.kind, section.name);
    if (!found) throw new ConfigError(`no [${headerFor(section.kind, section.name)}] section in the config`);
    return found;
  }

  /** The lines after every recorded edit (new lines end with `newline`; the last line with none). */
  apply(lines: readonly Line[], newline: string): Line[] {
    const { sections } = this.base;
    // pieces[0] is what comes before the first header; pieces[i + 1] runs from sections[i]'s header to the next.
    const pieces: Line[][] = [];
    let start = 0;
    for (const section of sections) {
      pieces.push(lines.slice(start, section.headerLine).map((l) => ({ ...l })));
      start = section.headerLine;
    }
    pieces.push(lines.slice(start).map((l) => ({ ...l })));

    const pieceOf = new Map<Section | NewSection, number>(sections.map((section, i) => [section, i + 1]));
    for (const { target, op } of this.log) {
      // New lines get the file's first line ending as it stands then, as one edit at a time would.
      const newline = firstNewline(pieces) ?? '\n';
      if (op.op === 'append' && !isExisting(target)) pieceOf.set(target, appendPiece(pieces, target, newline));
      else if (op.op === 'drop') removeHeaderAndEntries(pieces, pieceOf.get(target)!, op.markerPrefix);
      else applyOp(pieces, pieceOf.get(target)!, op, newline);
    }

    const out = pieces.flat();
    out.forEach((line, i) => {
      if (i === out.length - 1) line.eol = '';
      else if (line.eol === '') line.eol = newline;
    });
    if (out.length === 0) out.push({ text: '', eol: '' }); // as parsing "" gives
    return out;
  }
}

function isExisting(target: Section | NewSection): target is Section {
  return 'headerLine' in target;
}

function applyOp(pieces: Line[][], at: number, op: Op, newline: string): void {
  const piece = pieces[at];
  if (op.op === 'append' || op.op === 'drop') return; // handled by apply()
  if (op.op === 'rename') {
    piece[0].text = `${piece[0].text.slice(0, indentOf(piece[0].text))}[${op.header}]`;
    return;
  }
  if (op.op === 'mark') {
    pieces[at - 1].push({ text: op.text, eol: newline });
    return;
  }
  const local = analyse(piece).sections[0];
  const entry = local.entries.find((e) => e.key === op.key.toLowerCase());
  if (op.op === 'remove') {
    if (entry) removeLines(pieces, at, entry.line, entry.endLine);
    return;
  }
  if (!entry) {
    const line = { text: `${indentBefore(pieces, at, local.contentEnd)}${op.key} = ${op.value}`, eol: newline };
    // At the end of a file without a final newline: it stays without one.
    if (local.contentEnd === piece.length && piece[piece.length - 1].eol === '') [line.eol, piece[piece.length - 1].eol] = ['', newline];
    piece.splice(local.contentEnd, 0, line);
    return;
  }
  const old = piece[entry.line].text;
  let prefix = old.slice(0, valueStart(old));
  // `key=value` stays tight, but `key =` with no value gets `key = value`.
  if (op.value !== '' && pyStrip(old).length === pyStrip(prefix).length && /[=:]$/.test(prefix)) prefix += ' ';
  const eol = piece[entry.endLine - 1].eol;
  piece.splice(entry.line, entry.endLine - entry.line, { text: prefix + op.value, eol });
}

/**
 * The indentation a key inserted at `from` needs so that the next significant line (usually a
 * header at column 0) is not read as a continuation of it: that line's own indentation.
 */
function indentBefore(pieces: Line[][], at: number, from: number): string {
  for (let p = at; p < pieces.length; p++) {
    for (let i = p === at ? from : 0; i < pieces[p].length; i++) {
      const { text } = pieces[p][i];
      if (!isSkipped(text)) return text.slice(0, indentOf(text));
    }
  }
  return '';
}

/** The nearest piece before `at` that still has lines. */
function pieceAbove(pieces: Line[][], at: number): Line[] | undefined {
  for (let p = at - 1; p >= 0; p--) if (pieces[p].length > 0) return pieces[p];
  return undefined;
}

function removeHeaderAndEntries(pieces: Line[][], at: number, markerPrefix: string): void {
  const piece = pieces[at];
  const { contentEnd } = analyse(piece).sections[0];
  const isBlank = (line: Line | undefined) => line === undefined || pyStrip(line.text) === '';
  const markerPiece = pieceAbove(pieces, at);
  if (markerPiece && pyStrip(markerPiece[markerPiece.length - 1].text).startsWith(markerPrefix)) markerPiece.pop();
  // The blank separator above goes too, but only where it would leave two blank lines in a
  // row (or a blank last line): otherwise prunes would pile up blank lines.
  const after = contentEnd < piece.length ? piece[contentEnd] : pieces.slice(at + 1).find((p) => p.length > 0)?.[0];
  const blankPiece = pieceAbove(pieces, at);
  if (blankPiece && isBlank(blankPiece[blankPiece.length - 1]) && isBlank(after)) blankPiece.pop();
  removeLines(pieces, at, 0, contentEnd);
}

/** Remove lines [start, end) of a piece; removing the file's last lines keeps a missing final newline missing. */
function removeLines(pieces: Line[][], at: number, start: number, end: number): void {
  const piece = pieces[at];
  const lastRemoved = piece[end - 1];
  piece.splice(start, end - start);
  if (lastRemoved.eol !== '') return;
  const before = start > 0 ? piece[start - 1] : pieceAbove(pieces, at)?.at(-1);
  if (before) before.eol = '';
}

/**
 * Append a new section after one blank separator, as a new piece (its markers end the piece
 * above); returns the new piece's index. Written with the entries it has when the batch ends:
 * later edits to it give the same lines as making them after it was written.
 */
function appendPiece(pieces: Line[][], section: NewSection, newline: string): number {
  let last = pieceAbove(pieces, pieces.length);
  if (!last) {
    last = pieces[0];
    last.push({ text: '', eol: '' });
  }
  // Like a parse, keep the empty remainder after the final newline as the last line.
  if (last[last.length - 1].text !== '') {
    last[last.length - 1].eol = newline;
    last.push({ text: '', eol: '' });
  }
  const remainder = last.pop()!;
  const tail = pieceAbove(pieces, pieces.length)?.at(-1);
  const above = pieceAbove(pieces, pieces.length) ?? pieces[0];
  if (tail && pyStrip(tail.text) !== '') above.push({ text: '', eol: newline });
  for (const text of section.markers) above.push({ text, eol: newline });
  const piece = [`[${section.header}]`, ...section.entries.map(([k, v]) => `${k} = ${v}`)].map((text) => ({ text, eol: newline }));
  pieces.push([...piece, remainder]);
  return pieces.length - 1;
}

/** The file's first line ending as it stands (found within a line or two: only the last line has none). */
function firstNewline(pieces: Line[][]): string | undefined {
  for (const piece of pieces) for (const line of piece) if (line.eol !== '') return line.eol;
  return undefined;
}

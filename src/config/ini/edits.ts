// A batch of edits to a config document: collected against one parse, written in one pass.
//
// populate makes thousands of edits to one file. Re-parsing after each would be quadratic, and
// keeping the index right after each edit took ~150 lines of shifting. Instead the edits are
// recorded per section (reads see the document as it was when the batch began), and apply()
// cuts the file at its section headers, edits each piece on its own (a header resets
// configparser's state, so a piece can be analysed alone), joins them, and appends new
// sections. The document then parses the result once.
import { ConfigError } from '../../errors.js';
import { analyse, indentOf, isSkipped, pyStrip, valueStart, type Line, type Section, type SectionKind, type SectionRef } from './dialect.js';
import { headerFor, normaliseMarker, validateKey, validateValue } from './writing.js';

/** What a batch reads: the document as parsed when the batch began. */
export interface EditBase {
  readonly sections: readonly Section[];
  commentAbove(section: SectionRef): string | undefined;
}

type Op =
  | { op: 'set'; key: string; value: string }
  | { op: 'remove'; key: string }
  | { op: 'rename'; header: string }
  | { op: 'mark'; text: string };

interface Plan {
  ops: Op[];
  /** Pending values by lower-cased key; null: removed. */
  keys: Map<string, string | null>;
  name: string;
  header: string;
  removed?: { markerPrefix: string };
  marked?: string;
}

interface NewSection {
  kind: SectionKind;
  name: string;
  header: string;
  marker?: string;
  entries: [string, string][];
}

const nameKey = (kind: SectionKind, name: string) => `${kind}\0${name}`;

export class ConfigEdits {
  private readonly plans = new Map<Section, Plan>();
  /** Sections renamed in this batch, by their new name. */
  private readonly renamed = new Map<string, Section>();
  private readonly added = new Map<string, NewSection>();

  constructor(private readonly base: EditBase) {}

  get isEmpty(): boolean {
    return this.added.size === 0 && [...this.plans.values()].every((p) => p.ops.length === 0 && !p.removed);
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
    plan.ops.push({ op: 'set', key, value });
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
    plan.ops.push({ op: 'remove', key });
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
    const marker = opts.marker === undefined ? undefined : normaliseMarker(opts.marker);
    this.added.set(nameKey(kind, name), { kind, name, header, marker, entries: entries.map(([k, v]) => [k, v]) });
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
    if (!isExisting(target)) return this.added.delete(nameKey(target.kind, target.name));
    const plan = this.planFor(target);
    this.renamed.delete(nameKey(target.kind, plan.name));
    plan.ops = [];
    plan.removed = { markerPrefix };
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
      plan.ops.push({ op: 'rename', header });
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
      if (target.marker === text) return false;
      target.marker = text;
      return true;
    }
    const plan = this.planFor(target);
    if ((plan.marked ?? this.base.commentAbove(target)) === text) return false;
    plan.marked = text;
    plan.ops.push({ op: 'mark', text });
    return true;
  }

  private planFor(section: Section): Plan {
    let plan = this.plans.get(section);
    if (!plan) {
      plan = { ops: [], keys: new Map(), name: section.name, header: section.header };
      this.plans.set(section, plan);
    }
    return plan;
  }

  /** The section that has this name now, as sequential edits would find it. */
  private resolve(kind: SectionKind, name: string): Section | NewSection | undefined {
    const key = nameKey(kind, name);
    return (
      this.renamed.get(key) ??
      this.added.get(key) ??
      this.base.sections.find((s) => {
        if (s.kind !== kind || s.name !== name) return false;
        const plan = this.plans.get(s);
        return !plan || (!plan.removed && plan.name === name);
      })
    );
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

    sections.forEach((section, i) => {
      const plan = this.plans.get(section);
      if (plan?.removed) removeHeaderAndEntries(pieces, i + 1, plan.removed.markerPrefix);
      else for (const op of plan?.ops ?? []) applyOp(pieces, i + 1, op, newline);
    });

    const out = pieces.flat();
    out.forEach((line, i) => {
      if (i === out.length - 1) line.eol = '';
      else if (line.eol === '') line.eol = newline;
    });
    if (out.length === 0) out.push({ text: '', eol: '' }); // as parsing "" gives
    for (const section of this.added.values()) {
      const block: string[] = [];
      if (section.marker !== undefined) block.push(section.marker);
      block.push(`[${section.header}]`);
      for (const [key, value] of section.entries) block.push(`${key} = ${value}`);
      appendBlock(out, block, out.find((l) => l.eol !== '')?.eol ?? newline);
    }
    return out;
  }
}

function isExisting(target: Section | NewSection): target is Section {
  return 'headerLine' in target;
}

function applyOp(pieces: Line[][], at: number, op: Op, newline: string): void {
  const piece = pieces[at];
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
    if (entry) piece.splice(entry.line, entry.endLine - entry.line);
    return;
  }
  if (!entry) {
    piece.splice(local.contentEnd, 0, { text: `${indentBefore(pieces, at, local.contentEnd)}${op.key} = ${op.value}`, eol: newline });
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
  piece.splice(0, contentEnd);
}

/** Append lines at the end after one blank separator. */
function appendBlock(lines: Line[], texts: string[], newline: string): void {
  // Like a parse, keep the empty remainder after the final newline as the last line.
  const last = lines[lines.length - 1];
  if (last.text !== '') {
    last.eol = newline;
    lines.push({ text: '', eol: '' });
  }
  const at = lines.length - 1;
  const tail = lines[at - 1];
  const added = texts.map((text) => ({ text, eol: newline }));
  if (tail && pyStrip(tail.text) !== '') added.unshift({ text: '', eol: newline });
  lines.splice(at, 0, ...added);
}

// A lossless, line-level model of an AWS config file, read in botocore's dialect (./dialect.ts).
//
// Why not the `ini` package: it drops comments when it writes and treats dots in section
// names as nesting (`[profile a.b]`). Here every line keeps its exact bytes, including its
// line ending, so `parseConfig(text).toString() === text` for any input, and edits touch only
// the lines they mean to. Edits go through a batch (./edits.ts): `doc.edit((edits) => ...)`
// writes all of them in one pass and parses once; the single-edit methods are one-edit batches.
import { analyse, pyStrip, renderProblem, splitLines, type Analysis, type ConfigProblem, type Line, type Section, type SectionKind, type SectionRef } from './dialect.js';
import { ConfigEdits } from './edits.js';

export class ConfigDocument {
  private readonly bom: string;
  private lines: Line[];
  private parsed: Analysis;
  private editing = false;

  constructor(text: string) {
    this.bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
    this.lines = splitLines(text.slice(this.bom.length));
    this.parsed = analyse(this.lines);
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
    return this.findSection(section.kind, section.name)?.entries.find((e) => e.key === key.toLowerCase())?.value;
  }

  /** The comment line directly above a section's header, trimmed, if there is one. */
  commentAbove(section: SectionRef): string | undefined {
    const found = this.findSection(section.kind, section.name);
    return found && this.commentAboveHeader(found);
  }

  /** The same for one section of `sections` (a duplicate, too). */
  commentAboveHeader(section: Section): string | undefined {
    if (section.headerLine === 0) return undefined;
    const above = pyStrip(this.lines[section.headerLine - 1].text);
    return above.startsWith('#') || above.startsWith(';') ? above : undefined;
  }

  /**
   * Make many edits at once: `fn` records them (reading this document as it was before the
   * batch), then they are written in one pass and the text is parsed once. If `fn` throws,
   * nothing changes.
   */
  edit<T>(fn: (edits: ConfigEdits) => T): T {
    if (this.editing) throw new Error('ConfigDocument.edit: edit the open batch, not the document');
    const edits = new ConfigEdits(this);
    this.editing = true;
    let result: T;
    try {
      result = fn(edits);
    } finally {
      this.editing = false;
    }
    if (!edits.isEmpty) {
      this.lines = edits.apply(this.lines, this.newline);
      this.parsed = analyse(this.lines);
    }
    return result;
  }

  /** See ConfigEdits.setKey. */
  setKey(section: SectionRef, key: string, value: string): boolean {
    return this.edit((e) => e.setKey(section, key, value));
  }

  /** See ConfigEdits.removeKey. */
  removeKey(section: SectionRef, key: string): boolean {
    return this.edit((e) => e.removeKey(section, key));
  }

  /** See ConfigEdits.upsertSection. */
  upsertSection(kind: SectionKind, name: string, entries: ReadonlyArray<readonly [string, string]>, opts: { marker?: string } = {}): boolean {
    return this.edit((e) => e.upsertSection(kind, name, entries, opts));
  }

  /** See ConfigEdits.removeSection. */
  removeSection(section: SectionRef, opts: { markerPrefix?: string } = {}): boolean {
    return this.edit((e) => e.removeSection(section, opts));
  }

  /** See ConfigEdits.renameSection. */
  renameSection(section: SectionRef, newName: string): boolean {
    return this.edit((e) => e.renameSection(section, newName));
  }

  /** See ConfigEdits.markSection. */
  markSection(section: SectionRef, marker: string): boolean {
    return this.edit((e) => e.markSection(section, marker));
  }
}

export function parseConfig(text: string): ConfigDocument {
  return new ConfigDocument(text);
}

// fast-check generators of AWS config files: comments, odd spacing, junk lines, continuation
// lines, unknown sections, LF/CRLF/mixed line endings, a BOM, a missing final newline.
import fc from 'fast-check';
import { expect } from 'vitest';
import { parseConfig, type ConfigDocument } from '../../src/config/iniDocument.js';

/** After edits, the document's index must equal a full parse of its new text. */
export function expectIndexConsistent(doc: ConfigDocument) {
  const reparsed = parseConfig(doc.toString());
  expect(JSON.parse(JSON.stringify(doc.sections))).toEqual(JSON.parse(JSON.stringify(reparsed.sections)));
  expect(doc.problems).toEqual(reparsed.problems);
}

const word = fc.stringMatching(/^[A-Za-z0-9_.\-/]{1,12}$/);
const spaces = fc.constantFrom('', ' ', '  ', '\t', '   ');
const anyText = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''));

const headerLine = fc.oneof(
  fc.constant('[default]'),
  word.map((n) => `[profile ${n}]`),
  word.map((n) => `[sso-session ${n}]`),
  word.map((n) => `[services ${n}]`),
  word.map((n) => `[${n}]`),
  fc.tuple(spaces, word, spaces).map(([a, n, b]) => `${a}[profile${a || ' '}${n}]${b}`),
);
const entryLine = fc
  .tuple(spaces, word, spaces, fc.constantFrom('=', ':'), spaces, anyText, spaces)
  .map(([indent, k, a, d, b, v, tail]) => `${indent}${k}${a}${d}${b}${v}${tail}`);
const commentLine = fc.tuple(spaces, fc.constantFrom('#', ';'), anyText).map(([s, c, t]) => `${s}${c}${t}`);
const blankLine = spaces;
const continuationLine = fc.tuple(fc.constantFrom('  ', '    ', '\t'), word, anyText).map(([s, k, v]) => `${s}${k} = ${v}`);
const junkLine = anyText;
const bodyLine = fc.oneof(
  { weight: 5, arbitrary: entryLine },
  { weight: 2, arbitrary: commentLine },
  { weight: 2, arbitrary: blankLine },
  { weight: 2, arbitrary: continuationLine },
  { weight: 1, arbitrary: junkLine },
);
const section = fc.tuple(headerLine, fc.array(bodyLine, { maxLength: 8 })).map(([h, body]) => [h, ...body]);
const eolStyle = fc.constantFrom<'lf' | 'crlf' | 'mixed'>('lf', 'crlf', 'mixed');

function render(lines: string[], style: 'lf' | 'crlf' | 'mixed', flips: boolean[], finalNewline: boolean, bom: boolean): string {
  const eol = (i: number) => (style === 'lf' ? '\n' : style === 'crlf' ? '\r\n' : flips[i % flips.length] ? '\r\n' : '\n');
  let text = bom ? '\uFEFF' : '';
  lines.forEach((line, i) => {
    text += line + (i < lines.length - 1 || finalNewline ? eol(i) : '');
  });
  return text;
}

export const configText = fc
  .record({
    preamble: fc.array(fc.oneof(commentLine, blankLine, entryLine, junkLine), { maxLength: 4 }),
    sections: fc.array(section, { maxLength: 6 }),
    style: eolStyle,
    flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
    finalNewline: fc.boolean(),
    bom: fc.boolean(),
  })
  .map(({ preamble, sections, style, flips, finalNewline, bom }) => ({
    text: render([...preamble, ...sections.flat()], style, flips, finalNewline, bom),
    sectionsOnly: render(sections.flat(), style, flips, finalNewline, false),
    style,
  }));


// A batch of edits (populate's path: recorded against one parse, written in one pass) must give
// the same bytes and the same answers as making the edits one at a time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigDocument, type ConfigEdits } from '../../src/config/iniDocument.js';
import { configText, expectIndexConsistent } from '../helpers/configArbitraries.js';

const target = fc.constantFrom(
  { kind: 'default', name: 'default' } as const,
  { kind: 'profile', name: 'a' } as const,
  { kind: 'profile', name: 'b' } as const,
  { kind: 'sso-session', name: 'acme' } as const,
  { kind: 'profile', name: 'new/one' } as const,
);
const keyName = fc.constantFrom('region', 'output', 'keyfob_role_name', 's3', 'Region');
const op = fc.oneof(
  fc.tuple(fc.constant('set' as const), target, keyName, fc.stringMatching(/^[a-z0-9:/.-]{0,8}$/)),
  fc.tuple(fc.constant('remove' as const), target, keyName),
  fc.tuple(fc.constant('upsert' as const), target, fc.stringMatching(/^[a-z0-9]{1,6}$/)),
  fc.tuple(fc.constant('rename' as const), target, fc.constantFrom('a', 'b', 'c', 'new/one')),
  fc.tuple(fc.constant('mark' as const), target),
  fc.tuple(fc.constant('drop' as const), target),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Runs one op on a document or a batch; an error is an answer too. */
function run(on: ConfigDocument | ConfigEdits, o: Op): unknown {
  try {
    switch (o[0]) {
      case 'set': return on.setKey(o[1], o[2], o[3]);
      case 'remove': return on.removeKey(o[1], o[2]);
      case 'upsert': return on.upsertSection(o[1].kind, o[1].name, [['keyfob_role_name', o[2]]], { marker: 'keyfob: x' });
      case 'rename': return o[1].kind === 'default' ? false : on.renameSection(o[1], o[2]);
      case 'mark': return on.markSection(o[1], '# keyfob: generated');
      case 'drop': return on.removeSection(o[1]);
    }
  } catch (e) {
    return (e as Error).message;
  }
}

describe('ConfigDocument.edit', () => {
  it('writes the same bytes, and answers the same, as one edit at a time', () => {
    // One line-ending style per file: with mixed ones, which ending a line at the old end of a file
    // without a final newline gets may differ (both keep the file's bytes elsewhere).
    const oneStyle = configText.filter((c) => c.style !== 'mixed');
    const known = ['', '# keyfob: generated', '[profile a]', 'region = x', '  cont = 1', '# c', '[default]', 'output=json', '', '[profile b]', 'region=y'];
    const withKnownSections = oneStyle.map(({ text, style }) => text + known.join(style === 'crlf' ? '\r\n' : '\n'));
    fc.assert(
      fc.property(fc.oneof(oneStyle.map((c) => c.text), withKnownSections), fc.array(op, { maxLength: 12 }), (text, ops) => {
        const oneByOne = parseConfig(text);
        const stepAnswers = ops.map((o) => run(oneByOne, o));
        const batched = parseConfig(text);
        const batchAnswers = batched.edit((edits) => ops.map((o) => run(edits, o)));
        expect(batched.toString()).toBe(oneByOne.toString());
        expect(batchAnswers).toEqual(stepAnswers);
        expectIndexConsistent(batched);
      }),
      { numRuns: 1500 },
    );
  });

  it('changes nothing when the batch throws', () => {
    const text = '[profile a]\nregion = x\n';
    const doc = parseConfig(text);
    expect(() => doc.edit((edits) => {
      edits.setKey({ kind: 'profile', name: 'a' }, 'output', 'json');
      edits.setKey({ kind: 'profile', name: 'missing' }, 'output', 'json');
    })).toThrow(/no \[profile missing\] section/);
    expect(doc.toString()).toBe(text);
  });
});

// The AWS config file model, in three rooms: ini/dialect.ts reads as botocore reads,
// ini/document.ts keeps every byte and applies edits, ini/edits.ts batches them.
// This module is the one import path the rest of the code uses.
export { type ConfigProblem, type Entry, type Section, type SectionKind, type SectionRef } from './ini/dialect.js';
export { ConfigDocument, parseConfig } from './ini/document.js';
export { type ConfigEdits } from './ini/edits.js';
export { headerFor, isWritableValue } from './ini/writing.js';

// What keyfob writes into an AWS config file: section headers, keys and values that every reader
// (botocore, the JS and Go SDKs, a shell, a terminal) sees alike.
import { ConfigError } from '../../core/errors.js';
import { pyStrip, type SectionKind } from './dialect.js';

export /** A marker comment must look like a comment so every INI reader skips it. */
function normaliseMarker(marker: string): string {
  const trimmed = pyStrip(marker);
  if (/[\r\n]/.test(trimmed)) throw new ConfigError('a section marker must be a single line');
  return trimmed.startsWith('#') || trimmed.startsWith(';') ? trimmed : `# ${trimmed}`;
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

export function validateKey(key: string): void {
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

export function validateValue(key: string, value: string): void {
  if (!isWritableValue(value)) {
    throw new ConfigError(`invalid value for ${key}: it must be one line without leading or trailing spaces, control or format characters`);
  }
}


// Text from servers and config files, made safe to print on a terminal.

/**
 * `text` with every character a terminal would act on or hide shown as an escape instead:
 * controls (C0, DEL, C1: ESC, newline, …), format characters (bidi overrides, zero-width
 * characters), line and paragraph separators and lone surrogates.
 */
export function visible(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, (ch) => {
    switch (ch) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
    }
    const code = ch.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * JSON to print: the same value, with the characters JSON.stringify leaves raw but a terminal
 * would act on or hide (format characters, line and paragraph separators) as `\uXXXX` escapes.
 */
export function visibleJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\p{Cf}\p{Zl}\p{Zp}]/gu, (ch) =>
    ch.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  );
}

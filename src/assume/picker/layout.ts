// The picker's layout: rows made safe to print, column widths, and one frame of the screen.
// Names are hostile: control, bidi and other invisible characters are shown as escapes
// (visible()), and every row is cut to the terminal width.
import stringWidth from 'string-width';
import { rankMatches } from '../../core/fuzzyMatch.js';
import { visible } from '../../core/terminalText.js';
import { CSI, DIM, ERASE_DOWN, HIDE_CURSOR, RESET, REVERSE, SHOW_CURSOR } from './session.js';

export interface PickerItem {
  name: string;
  accountId?: string;
  roleName?: string;
}

export interface Row {
  name: string;
  accountId: string;
  roleName: string;
  /** The columns as they are safe to print, and their display widths. */
  shownName: string;
  shownAccountId: string;
  shownRoleName: string;
  nameWidth: number;
  accountIdWidth: number;
}

export function toRow(item: PickerItem): Row {
  const shownName = visible(item.name);
  const shownAccountId = visible(item.accountId ?? '');
  return {
    name: item.name,
    accountId: item.accountId ?? '',
    roleName: item.roleName ?? '',
    shownName,
    shownAccountId,
    shownRoleName: visible(item.roleName ?? ''),
    nameWidth: displayWidth(shownName),
    accountIdWidth: displayWidth(shownAccountId),
  };
}

/** What a frame shows: the picker's state. */
export interface FrameState {
  readonly rows: Row[];
  readonly matches: Row[];
  readonly selected: number;
  readonly top: number;
  readonly filter: string;
  readonly prompt: string;
}

/**
 * One frame: the filter line, the visible rows and a status line, starting and ending with the
 * cursor on the filter line. Returns it with the first visible row, scrolled to the selection.
 */
export function drawFrame(state: FrameState, size: { columns: number; rows: number }, visibleRows: number): { frame: string; top: number } {
  let top = state.top;
  const { columns } = size;
  // One column spare: writing the last column leaves some terminals in a pending wrap.
  const width = Math.max(10, columns - 1);
  if (state.selected < top) top = state.selected;
  if (state.selected >= top + visibleRows) top = state.selected - visibleRows + 1;
  top = Math.max(0, Math.min(top, state.matches.length - visibleRows));

  const layout = columnLayout(state.rows, width);
  const lines: string[] = [];
  for (let i = top; i < Math.min(state.matches.length, top + visibleRows); i++) {
    const row = state.matches[i]!;
    const isSelected = i === state.selected;
    const text = fit(
      `${isSelected ? '> ' : '  '}${pad(row.shownName, row.nameWidth, layout.name)}  ` +
        `${pad(row.shownAccountId, row.accountIdWidth, layout.accountId)}  ${row.shownRoleName}`,
      width,
    );
    lines.push(isSelected ? `${REVERSE}${text.text}${' '.repeat(width - text.width)}${RESET}` : text.text);
  }
  const status = state.matches.length === 0 ? 'no match' : `${state.selected + 1}/${state.matches.length}`;
  const total = state.matches.length === state.rows.length ? '' : ` of ${state.rows.length}`;
  lines.push(`${DIM}${fit(`  ${status}${total}  (↑↓ move, Enter pick, Esc cancel)`, width).text}${RESET}`);

  // The filter line: show the end of a long filter, the part being typed.
  const promptText = fit(visible(state.prompt), Math.floor(width / 2));
  const filterText = fitEnd(visible(state.filter), width - promptText.width);
  const cursorColumn = promptText.width + filterText.width;

  // Every frame starts and ends with the cursor on the filter line.
  let frame = HIDE_CURSOR + ERASE_DOWN + promptText.text + filterText.text;
  for (const line of lines) frame += `\r\n${line}`;
  frame += `${CSI}${lines.length}A\r${cursorColumn > 0 ? `${CSI}${cursorColumn}C` : ''}${SHOW_CURSOR}`;
  return { frame, top };
}

/**
 * With no filter, the given (frecency) order. Else the rows every space-separated term matches
 * (in the name, account id or role), best match first (word starts, runs), ties in the given order.
 */
export function filterRows<T extends { name: string; accountId?: string; roleName?: string }>(rows: T[], filter: string): T[] {
  if (filter.trim() === '') return rows;
  return rankMatches(filter, rows, (row) => [row.name, row.accountId ?? '', row.roleName ?? '']);
}

/**
 * Column widths for the name and account id, from all rows so columns stay put while the
 * filter changes; a long name gets at most about 60% of the line.
 */
function columnLayout(rows: Row[], width: number): { name: number; accountId: number } {
  let longestName = 0;
  let longestAccountId = 0;
  for (const row of rows) {
    if (row.nameWidth > longestName) longestName = row.nameWidth;
    if (row.accountIdWidth > longestAccountId) longestAccountId = row.accountIdWidth;
  }
  return {
    name: Math.min(longestName, Math.max(8, Math.floor(width * 0.6))),
    accountId: Math.min(longestAccountId, 16),
  };
}

/** `text` cut or padded to exactly `width` columns. */
function pad(text: string, textWidth: number, width: number): string {
  if (textWidth <= width) return text + ' '.repeat(width - textWidth);
  const cut = fit(text, width);
  return cut.text + ' '.repeat(width - cut.width);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Columns a string takes on a terminal (east Asian wide characters and emoji such as 🚀 and ✅
 * take two), from string-width, which follows Unicode's East Asian Width and emoji data.
 * Only for text already made safe by visible(): it has no control characters.
 */
export function displayWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  return stringWidth(text, { countAnsiEscapeCodes: true });
}

function graphemeWidth(grapheme: string): number {
  return displayWidth(grapheme);
}

/** The start of `text` that fits in `width` columns, with "…" when something was cut. */
function fit(text: string, width: number): { text: string; width: number } {
  const total = displayWidth(text);
  if (total <= width) return { text, width: total };
  if (width <= 0) return { text: '', width: 0 };
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return { text: out + '…', width: used + 1 };
}

/** The end of `text` that fits in `width` columns, with "…" in front when something was cut. */
function fitEnd(text: string, width: number): { text: string; width: number } {
  const total = displayWidth(text);
  if (total <= width) return { text, width: total };
  if (width <= 0) return { text: '', width: 0 };
  const parts = [...graphemes.segment(text)].map((s) => s.segment);
  let out = '';
  let used = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    const w = graphemeWidth(parts[i]!);
    if (used + w > width - 1) break;
    out = parts[i] + out;
    used += w;
  }
  return { text: '…' + out, width: used + 1 };
}

export function dropLastGrapheme(text: string): string {
  let lastStart = 0;
  for (const { index } of graphemes.segment(text)) lastStart = index;
  return text.slice(0, lastStart);
}

// How wide GitHub draws text, estimated from its grapheme clusters, so that a table can be kept within GitHub's
// content column: a wider table scrolls, and its last columns end up off-screen. The estimate leans wide (8 px a
// character, 16 px an emoji or an East Asian wide character, where GitHub's 14 px text and 12 px code draw about 7.5
// and 7.2 px). Pure.

/** GitHub's content column for a comment, in px. */
export const CONTENT_WIDTH = 780
/** A table cell's padding (13 px on either side) and border. */
export const CELL_PADDING = 27
const NARROW = 8

const SEGMENTER = new Intl.Segmenter('en', { granularity: 'grapheme' })

/** The text as the grapheme clusters a reader sees as one character each (a flag, a family emoji, a letter and its accent). */
export function graphemes(value: string): string[] {
  return Array.from(SEGMENTER.segment(value), ({ segment }) => segment)
}

const WIDE_CHARACTER =
  /[\p{Extended_Pictographic}\p{Regional_Indicator}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u
const ZERO_WIDTH = /^[\u200b-\u200f\u2060-\u2069\ufeff]$/

/** Terminal-style columns: 2 for an emoji or an East Asian wide character, 0 for an invisible one, 1 otherwise. */
export function graphemeColumns(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0
  return WIDE_CHARACTER.test(grapheme) ? 2 : 1
}

/** Where a browser may wrap: a space or a zero-width space. A no-break space keeps its neighbours together. */
function breaks(grapheme: string): boolean {
  return grapheme === ' ' || grapheme === '\u200b'
}

/** The width, in px, of the longest run of plain text without a place to wrap: the narrowest a cell holding it can be. */
export function runWidth(value: string): number {
  let longest = 0
  let run = 0
  for (const grapheme of graphemes(value)) {
    run = breaks(grapheme) ? 0 : run + graphemeColumns(grapheme) * NARROW
    longest = Math.max(longest, run)
  }
  return longest
}

/** The narrowest a table column holding these plain-text cells can be, padding included. */
export function columnWidth(cells: readonly string[]): number {
  return Math.max(0, ...cells.map(runWidth)) + CELL_PADDING
}

/** The narrowest a table of these plain-text rows (header first) can be drawn. */
export function tableWidth(rows: readonly (readonly string[])[]): number {
  const columns = Math.max(0, ...rows.map(row => row.length))
  let width = 0
  for (let index = 0; index < columns; index++) width += columnWidth(rows.map(row => row[index] ?? ''))
  return width
}

/** The value cut, with an ellipsis, where a run without a place to wrap would make its cell wider than `width` px. */
export function fitWidth(value: string, width: number): string {
  const room = width - CELL_PADDING - NARROW
  let run = 0
  let kept = ''
  for (const grapheme of graphemes(value)) {
    run = breaks(grapheme) ? 0 : run + graphemeColumns(grapheme) * NARROW
    if (run > room) return `${kept}…`
    kept += grapheme
  }
  return value
}

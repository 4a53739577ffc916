// Sample rows as tables that fit GitHub's content column. A sample row too wide for it (many columns, long values) is
// turned on its side: one line per column, the sample rows side by side a few at a time, and a value cut only where a
// run of text without a space would not fit. Pure.

import { cutText, dataCell, plural, shortName, table } from './markdown.js'
import { CONTENT_WIDTH, columnWidth, fitWidth, tableWidth } from './width.js'
import type { SampleRow } from '../core/types.js'

/** Characters of a value shown (the rest is cut with an ellipsis), as in any data cell. */
const VALUE_CHARS = 80
/** Sample rows side by side in a turned table. */
const ROWS_ACROSS = 3
/** Columns (an emoji counts two) a column's name keeps in a turned table. */
const NAME_COLUMNS = 24

/** The sample rows under their title, as one table when it fits GitHub's column, turned on its side when not. */
export function sampleBlock(title: string, rows: readonly SampleRow[]): string {
  if (rows.length === 0) return ''
  const columns = Object.keys(rows[0])
  const values = rows.map(row => columns.map(column => cutText(sampleText(row[column]), VALUE_CHARS)))
  if (tableWidth([columns, ...values]) <= CONTENT_WIDTH) {
    return `${title}\n\n${table(
      columns.map(column => dataCell(column)),
      columns.map(() => 'l'),
      values.map(row => row.map(value => dataCell(value)))
    )}`
  }
  const turned: string[] = []
  for (let first = 0; first < values.length; first += ROWS_ACROSS) {
    turned.push(turnedTable(columns, values.slice(first, first + ROWS_ACROSS), first))
  }
  return `${title.replace(/:$/, '')}, ${plural(columns.length, 'column')}, one line each:\n\n${turned.join('\n\n')}`
}

/** One line per column, with the sample rows from `first` on side by side, each value cut to its share of the width. */
function turnedTable(columns: readonly string[], rows: readonly (readonly string[])[], first: number): string {
  const names = columns.map(column => shortName(column, NAME_COLUMNS))
  const header = ['Column', ...rows.map((_, index) => `Row ${first + index + 1}`)]
  const share = Math.floor((CONTENT_WIDTH - columnWidth([header[0], ...names])) / rows.length)
  const lines = names.map((name, index) => [name, ...rows.map(row => fitWidth(row[index], share))])
  return table(
    header,
    header.map(() => 'l'),
    lines.map(line => line.map(value => dataCell(value)))
  )
}

/** A sample value as the bridge sent it (JSON): NULL for null, a struct or a list as JSON. */
function sampleText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

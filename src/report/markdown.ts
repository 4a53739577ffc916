// Markdown building blocks that are safe for text that comes from a pull request or from data: nothing in it can
// break a table, inject HTML, or @mention anyone.

import { graphemeColumns, graphemes } from './width.js'

/**
 * Bidirectional controls (U+202E and the others) would reorder what follows them, turning "removed 1" into "devomer 1":
 * they are shown, not obeyed, as ‹U+202E›.
 */
export function visibleControls(value: string): string {
  return value.replace(
    /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    char => `‹U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}›`
  )
}

/** Plain text for a paragraph or a table cell. */
export function text(value: string): string {
  return inertFilters(visibleControls(value))
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#])/g, '\\$1')
    .replace(/@/g, '@\u200b')
}

/**
 * Inline code showing the real name: a fence longer than any run of backticks inside (padded with a space where the
 * name starts or ends with one). Pipes are left as they are: `table` escapes them where a span sits in a cell, since
 * a backslash inside a code span elsewhere would show.
 */
export function code(value: string): string {
  // A mention in a code span does not ping, but a zero-width space after @ keeps even the text from reading as one.
  const clean = visibleControls(value)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/@/g, '@\u200b')
  const longest = Math.max(0, ...Array.from(clean.matchAll(/`+/g), run => run[0].length))
  const fence = '`'.repeat(longest + 1)
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : ''
  return isolate(`${fence}${pad}${clean}${pad}${fence}`, value)
}

/**
 * GitHub's own text filters, which run on the rendered text outside code, leave text literal once a word joiner
 * (U+2060, invisible) breaks their pattern: `GH-123` (an issue link) and `:+1:` (an emoji shortcode). Run before
 * escaping, which would otherwise split a shortcode such as `:white_check_mark:` into escapes the filter never sees.
 */
function inertFilters(value: string): string {
  return value.replace(/\b(GH)-(?=\d)/gi, '$1-\u2060').replace(/:(?=[\w+-]*[A-Za-z+][\w+-]*:)/g, ':\u2060')
}

/** Right-to-left letters (Hebrew, Arabic, …): a name holding them could pull the numbers beside it into its direction. */
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/

/**
 * A span with right-to-left letters, isolated (U+2068 … U+2069) so that the text around it keeps its own order.
 * GitHub's sanitizer keeps these characters, but not <bdi> (and <bdo> forces a direction rather than isolating).
 */
export function isolate(span: string, value: string): string {
  return RTL.test(value) ? `\u2068${span}\u2069` : span
}

/**
 * A data value for a table cell: plain text that GitHub cannot turn into a link, an autolink (https://, www.) or an
 * issue reference (#1, owner/repo#1): a word joiner (U+2060, invisible) breaks each pattern. Cut to `max` characters
 * before escaping, so that no entity is cut in half.
 */
export function dataCell(value: string, max = 80): string {
  return text(
    cutText(value, max)
      .replace(/:\/\//g, ':\u2060//')
      .replace(/www\./gi, match => `${match.slice(0, 3)}\u2060.`)
      .replace(/#(?=\d)/g, '#\u2060')
  )
}

/** Text for inside an HTML element such as <summary>. */
export function html(value: string): string {
  return visibleControls(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/@/g, '@\u200b')
}

/**
 * A GFM table. GitHub splits rows on pipes before it reads code spans, so every pipe not already escaped (by `text`)
 * is escaped here, in code spans too; inside a table cell the backslash does not show.
 */
export function table(
  header: readonly string[],
  align: readonly ('l' | 'r')[],
  rows: readonly (readonly string[])[]
): string {
  const cell = (value: string): string => value.replace(/(?<!\\)\|/g, '\\|')
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`
  const separator = align.map(side => (side === 'r' ? '---:' : '---'))
  return [line(header), line(separator), ...rows.map(line)].join('\n')
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

/** The value cut after `max` characters (grapheme clusters: a flag or a family emoji is never cut), with an ellipsis. */
export function cutText(value: string, max: number): string {
  const characters = graphemes(value)
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : value
}

/**
 * A long name shortened in the middle (the schema and the table name's end stay readable) so that a table or a graph
 * keeps its width; the full name stays in the model's details. `max` counts columns, an emoji or an East Asian wide
 * character two, and the cut falls between grapheme clusters.
 */
export function shortName(name: string, max = 64): string {
  const characters = graphemes(name)
  const columns = characters.map(graphemeColumns)
  if (columns.reduce((sum, width) => sum + width, 0) <= max) return name
  const half = Math.floor((max - 1) / 2)
  const head = fillColumns(characters, columns, half)
  const tail = fillColumns([...characters].reverse(), [...columns].reverse(), half).reverse()
  return `${head.join('')}…${tail.join('')}`
}

/** The first characters that fit in `room` columns. */
function fillColumns(characters: readonly string[], columns: readonly number[], room: number): string[] {
  const kept: string[] = []
  let used = 0
  for (const [index, character] of characters.entries()) {
    if (used + columns[index] > room) break
    kept.push(character)
    used += columns[index]
  }
  return kept
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

/** "1 row", "2 rows", "1,234 rows". */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`
}

/** A count, or a dash where there is none (a table not built yet). */
export function countOrDash(value: number | null): string {
  return value === null ? '—' : formatCount(value)
}

export function formatPct(value: number): string {
  if (value === 100) return '100%'
  if (value > 99.99) return '>99.99%'
  return `${value.toFixed(2)}%`
}

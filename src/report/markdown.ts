// Markdown building blocks that are safe for text that comes from a pull request or from data: nothing in it can
// break a table, inject HTML, or @mention anyone.

/** Plain text for a paragraph or a table cell. */
export function text(value: string): string {
  return value
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#])/g, '\\$1')
    .replace(/@/g, '@\u200b')
}

/** Inline code: backticks inside are replaced, pipes escaped so that the span can sit in a table cell. */
export function code(value: string): string {
  // A mention in a code span does not ping, but a zero-width space after @ keeps even the text from reading as one.
  const clean = value.replace(/\r\n|\r|\n/g, ' ').replace(/`/g, 'ʼ').replace(/\|/g, '\\|').replace(/@/g, '@\u200b')
  return `\`${clean}\``
}

/** Text for inside an HTML element such as <summary>. */
export function html(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/@/g, '@\u200b')
}

export function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
  const separator = align.map(side => (side === 'r' ? '---:' : '---'))
  return [line(header), line(separator), ...rows.map(line)].join('\n')
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

export function formatPct(value: number): string {
  if (value === 100) return '100%'
  if (value > 99.99) return '>99.99%'
  return `${value.toFixed(2)}%`
}

// What GitHub's own Markdown parser (cmark-gfm, with GitHub's extensions) makes of a comment, checked the way a
// reviewer would notice: tables that keep their shape, balanced <details> and fences, no HTML the report does not
// mean to write, and no link, mention or issue reference that came from a name or a data value. What the parser
// cannot see is checked on its output: GitHub's own text filters (GH-123 references, :shortcode: emoji), emoji cut
// in half, right-to-left names that pull the text after them into their direction, and tables wider than GitHub's
// content column (an estimate from the code points, independent of the report's own).

import cmark from 'cmark-gfm'

/** The HTML tags the reports write, or that GitHub's Markdown makes of them. */
const ALLOWED_TAGS = new Set([
  'p',
  'h2',
  'h3',
  'strong',
  'em',
  // ~~…~~: an out-of-date verdict, struck (data cannot strike: the report escapes ~).
  'del',
  'code',
  'pre',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'details',
  'summary',
  'b',
  'sub',
  'ul',
  'li',
  'blockquote',
  'br',
  'a'
])
/** The only links a report writes: the run (and its job summary). */
const ALLOWED_LINK = /^https:\/\/github\.com\/[^/]+\/[^/]+\/actions\/runs\/\d+$/

/**
 * The problems GitHub's renderer would show in a comment, each as a sentence; empty when it renders right.
 * @param {string} markdown
 * @param {{ issueNumber?: number, widths?: boolean }} [options] a reference to the comment's own pull request is the
 * report's own; `widths: false` leaves out the table widths
 * @returns {string[]}
 */
export function renderingProblems(markdown, options = {}) {
  const html = cmark.renderHtmlSync(markdown, {
    unsafe: true,
    extensions: { table: true, autolink: true, strikethrough: true, tagfilter: true }
  })
  const problems = [...fenceProblems(markdown), ...tableProblems(markdown), ...detailsProblems(html)]
  for (const tag of new Set(Array.from(html.matchAll(/<\/?([a-zA-Z][\w-]*)/g), match => match[1].toLowerCase()))) {
    if (!ALLOWED_TAGS.has(tag)) problems.push(`HTML tag <${tag}> in the rendered comment`)
  }
  for (const [, href] of html.matchAll(/<a href="([^"]*)"/g)) {
    if (!ALLOWED_LINK.test(decode(href))) problems.push(`a link to ${href}`)
  }
  const prose = visibleText(html.replace(/<pre[\s\S]*?<\/pre>/g, ' ').replace(/<code>[\s\S]*?<\/code>/g, ' '))
  for (const [mention] of prose.matchAll(/(?<![\w@])@[A-Za-z0-9][\w-]*(\/[\w-]+)?/g))
    problems.push(`a live mention ${mention}`)
  for (const [reference] of prose.matchAll(/(?<![\w&#])(?:[\w.-]+\/[\w.-]+)?#\d+\b/g)) {
    if (reference !== `#${options.issueNumber}`) problems.push(`an issue reference ${reference}`)
  }
  // GitHub's filters run on the rendered text outside code: GH-123 links issue 123, :+1: becomes an emoji.
  for (const [reference] of prose.matchAll(/(?<![\w-])GH-\d+/gi)) problems.push(`an issue reference ${reference}`)
  for (const [shortcode] of prose.matchAll(/:(?=[\w+-]*[a-z+])[\w+-]+:/gi))
    problems.push(`an emoji shortcode ${shortcode}`)
  problems.push(...graphemeProblems(visibleText(html.replace(/<pre[\s\S]*?<\/pre>/g, ' '))))
  problems.push(...isolationProblems(html))
  if (options.widths !== false) problems.push(...widthProblems(html))
  return problems
}

/** An emoji cut in half when a name or a value was shortened: a lone regional indicator, a dangling joiner. @param {string} text */
function graphemeProblems(text) {
  const problems = []
  for (const match of text.matchAll(/\p{Regional_Indicator}+/gu)) {
    if (Array.from(match[0]).length % 2 === 1)
      problems.push(
        `a flag cut in half: …${text.slice(Math.max(0, match.index - 10), match.index + match[0].length + 2)}`
      )
  }
  for (const match of text.matchAll(/\u200d/g)) {
    const before = text.slice(0, match.index)
    const after = text.slice(match.index + 1)
    if (
      !/[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]$/u.test(before) ||
      !/^\p{Extended_Pictographic}/u.test(after)
    )
      problems.push(`an emoji cut at a joiner: …${text.slice(Math.max(0, match.index - 6), match.index + 6)}…`)
  }
  return problems
}

/** Hebrew, Arabic and the other right-to-left scripts. */
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/

/**
 * In a line of the report's own text (a <summary>, a paragraph, a list item), a right-to-left name must sit inside an
 * isolate (U+2066–U+2068 … U+2069, or <bdi>): otherwise the counts after it are drawn inside its right-to-left run.
 * @param {string} html
 */
function isolationProblems(html) {
  const problems = []
  for (const [, tag, inner] of html.matchAll(/<(summary|p|li)>([\s\S]*?)<\/\1>/g)) {
    let depth = 0
    for (const token of inner.match(/<\/?bdi>|<[^>]*>|&[#\w]+;|[\s\S]/gu) ?? []) {
      if (token === '<bdi>' || /^[\u2066-\u2068]$/.test(token)) depth++
      else if (token === '</bdi>' || token === '\u2069') depth = Math.max(0, depth - 1)
      else if (depth === 0 && RTL.test(decode(token))) {
        problems.push(`right-to-left text not isolated in a <${tag}>: ${visibleText(inner).slice(0, 80)}`)
        break
      }
    }
  }
  return problems
}

/** GitHub's comment column, in px: a wider table scrolls, its last columns off-screen. */
const CONTENT_WIDTH = 780

/**
 * Tables whose narrowest layout is wider than GitHub's content column. A cell can be no narrower than its longest run
 * of text without a break opportunity (a space, a zero-width space, <br>); the estimate reads widths from code points:
 * 14 px text at 7.5 px a character (bold 8.2), code at 85% in a monospace font (7.2 px), emoji and East Asian wide
 * characters about twice that, 26 px of padding and 1 px of border per cell, 10 px of padding per code span.
 * @param {string} html
 */
function widthProblems(html) {
  const problems = []
  for (const [tableHtml] of html.matchAll(/<table>[\s\S]*?<\/table>/g)) {
    /** @type {number[]} */
    const columns = []
    for (const [, row] of tableHtml.matchAll(/<tr>([\s\S]*?)<\/tr>/g)) {
      Array.from(row.matchAll(/<(th|td)[^>]*>([\s\S]*?)<\/\1>/g)).forEach(([, tag, cell], index) => {
        columns[index] = Math.max(columns[index] ?? 0, cellMinWidth(cell, tag === 'th') + 27)
      })
    }
    const width = Math.round(columns.reduce((sum, column) => sum + column, 0))
    if (width > CONTENT_WIDTH) {
      const header = visibleText(/<tr>([\s\S]*?)<\/tr>/.exec(tableHtml)?.[1] ?? '')
        .replace(/\s+/g, ' ')
        .trim()
      problems.push(
        `a table about ${width} px wide at its narrowest (GitHub shows ${CONTENT_WIDTH} px): ${header.slice(0, 100)}`
      )
    }
  }
  return problems
}

const SEGMENTER = new Intl.Segmenter('en', { granularity: 'grapheme' })
const WIDE =
  /[\p{Extended_Pictographic}\p{Regional_Indicator}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u
const ZERO_WIDTH = /^[\u200b-\u200f\u2060-\u2069\ufeff]$/

/** The width of a cell's longest unbreakable run, in px. @param {string} cell @param {boolean} bold */
function cellMinWidth(cell, bold) {
  let longest = 0
  let run = 0
  let inCode = false
  const breakHere = () => {
    longest = Math.max(longest, run)
    run = 0
  }
  for (const token of cell.match(/<[^>]*>|&[#\w]+;|[^<&]+/g) ?? []) {
    if (token.startsWith('<')) {
      if (token.startsWith('<code')) {
        inCode = true
        run += 5
      } else if (token === '</code>') {
        inCode = false
        run += 5
      } else if (token.startsWith('<br')) breakHere()
      continue
    }
    for (const { segment } of SEGMENTER.segment(decode(token))) {
      if (segment === ' ' || segment === '\n' || segment === '\t' || segment === '\u200b') breakHere()
      else if (ZERO_WIDTH.test(segment)) continue
      else if (WIDE.test(segment)) run += inCode ? 14.4 : 16
      else run += inCode ? 7.2 : bold ? 8.2 : 7.5
    }
  }
  return Math.max(longest, run)
}

/** The text a reader sees in rendered HTML (tags dropped, entities decoded). @param {string} html */
export function visibleText(html) {
  return decode(html.replace(/<[^>]*>/g, ' '))
}

/** @param {string} markdown */
function fenceProblems(markdown) {
  const fences = markdown.split('\n').filter(line => line.startsWith('```')).length
  return fences % 2 === 0 ? [] : ['an unclosed code fence']
}

/** Every table row must have as many cells as its header: GitHub splits rows on each pipe not escaped. @param {string} markdown */
function tableProblems(markdown) {
  const problems = []
  let inFence = false
  let expected = -1
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence
    if (inFence || !line.startsWith('|')) {
      expected = -1
      continue
    }
    const cells = line.match(/(?<!\\)\|/g)?.length ?? 0
    if (expected === -1) expected = cells
    else if (cells !== expected)
      problems.push(`a table row with ${cells - 1} cells where its header has ${expected - 1}: ${line.slice(0, 120)}`)
  }
  return problems
}

/** Tags as GitHub renders them (text in code spans and fences is escaped, so it cannot open or close one). @param {string} html */
function detailsProblems(html) {
  const count = (/** @type {RegExp} */ pattern) => (html.match(pattern) ?? []).length
  const problems = []
  if (count(/<details>/g) !== count(/<\/details>/g)) problems.push('<details> not balanced')
  if (count(/<summary>/g) !== count(/<\/summary>/g)) problems.push('<summary> not balanced')
  return problems
}

/** @param {string} value */
function decode(value) {
  return value
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, /** @type {string} */ code) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

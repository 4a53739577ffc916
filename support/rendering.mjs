// What GitHub's own Markdown parser (cmark-gfm, with GitHub's extensions) makes of a comment, checked the way a
// reviewer would notice: tables that keep their shape, balanced <details> and fences, no HTML the report does not
// mean to write, and no link, mention or issue reference that came from a name or a data value.

import cmark from 'cmark-gfm'

/** The HTML tags the reports write, or that GitHub's Markdown makes of them. */
const ALLOWED_TAGS = new Set([
  'p',
  'h2',
  'h3',
  'strong',
  'em',
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
 * @param {{ issueNumber?: number }} [options] a reference to the comment's own pull request is the report's own
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
  return problems
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

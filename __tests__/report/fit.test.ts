import { describe, it, expect } from '@jest/globals'
import { COMMENT_LIMIT, SUMMARY_LIMIT, fitSections, type Section } from '../../src/report/fit.js'
import { DIFF_COMMENT_MARKER, renderPrSections, type PrReport } from '../../src/report/pr-report.js'
import type { ModelDiff } from '../../src/core/types.js'
import { diffed, prReport, rowCounts, windowOf } from '../fixtures/builders.js'

const HINT = 'The full report is in the job summary: https://github.com/acme/data/actions/runs/1'
const bytes = (value: string): number => Buffer.byteLength(value, 'utf8')
const join = (sections: readonly Section[]): string => sections.map(section => section.text).join('\n\n')
const notice = (count: number): string =>
  `> ✂️ ${count} section${count === 1 ? '' : 's'} left out to stay under GitHub's size limit. ${HINT}`

const header: Section = { id: 'header', required: true, text: `${DIFF_COMMENT_MARKER}\n## Report` }
const footer: Section = { id: 'footer', required: true, text: '<sub>footer</sub>' }
const optional = (id: string, size = 200): Section => ({ id, required: false, text: `${id}:${'x'.repeat(size)}` })

describe('fitSections', () => {
  it('cuts nothing when the report is under the limit', () => {
    const sections = [header, optional('a'), optional('b'), footer]
    const whole = join(sections)
    expect(fitSections(sections, bytes(whole), HINT)).toEqual({ markdown: whole, omitted: [] })
    expect(fitSections(sections, COMMENT_LIMIT, HINT)).toEqual({ markdown: whole, omitted: [] })
  })

  it('drops whole optional sections from the end and puts a notice naming the full report before the footer', () => {
    const [a, b, c] = [optional('a'), optional('b'), optional('c')] as [Section, Section, Section]
    const sections = [header, a, b, c, footer]
    const expected = join([header, a, b, { id: 'cut-notice', required: true, text: notice(1) }, footer])
    expect(fitSections(sections, bytes(expected), HINT)).toEqual({ markdown: expected, omitted: ['c'] })
  })

  it('drops as many sections as it takes, listing them in report order', () => {
    const [a, b, c] = [optional('a'), optional('b'), optional('c')] as [Section, Section, Section]
    const sections = [header, a, b, c, footer]
    const twoDropped = join([header, a, { id: 'cut-notice', required: true, text: notice(2) }, footer])
    const fitted = fitSections(sections, bytes(twoDropped), HINT)
    expect(fitted.omitted).toEqual(['b', 'c'])
    expect(fitted.markdown).toBe(twoDropped)
  })

  it('keeps required sections wherever they are, dropping only optional ones', () => {
    const middle: Section = { id: 'summary', required: true, text: `summary:${'s'.repeat(300)}` }
    const sections = [header, optional('lineage'), middle, optional('details:a'), optional('details:b'), footer]
    const expected = join([header, middle, { id: 'cut-notice', required: true, text: notice(3) }, footer])
    const fitted = fitSections(sections, bytes(expected), HINT)
    expect(fitted).toEqual({ markdown: expected, omitted: ['lineage', 'details:a', 'details:b'] })
  })

  it('appends the notice at the end when there is no footer', () => {
    const sections = [header, optional('a'), optional('b')]
    const expected = join([header, optional('a'), { id: 'cut-notice', required: true, text: notice(1) }])
    expect(fitSections(sections, bytes(expected), HINT)).toEqual({ markdown: expected, omitted: ['b'] })
  })

  it('cuts at a line boundary, still under the limit, keeping the footer, when the required sections alone are too big', () => {
    const lines = Array.from({ length: 500 }, (_, index) => `| row ${index} | ${'v'.repeat(100)} |`)
    const summary: Section = { id: 'summary', required: true, text: lines.join('\n') }
    const limit = 10_000
    const fitted = fitSections([header, summary, optional('lineage'), footer], limit, HINT)
    expect(bytes(fitted.markdown)).toBeLessThanOrEqual(limit)
    expect(fitted.omitted).toEqual(['lineage'])
    expect(fitted.markdown.split('\n')[0]).toBe(DIFF_COMMENT_MARKER)
    expect(fitted.markdown.endsWith(`\n\n> ✂️ Cut to stay under GitHub's size limit. ${HINT}\n\n${footer.text}`)).toBe(
      true
    )
    // Every table line kept is whole.
    const kept = fitted.markdown.split('\n').filter(line => line.startsWith('| row'))
    expect(kept.length).toBeGreaterThan(50)
    expect(kept.every((line, index) => line === lines[index])).toBe(true)
  })

  it('closes a code fence and <details> the cut left open, before the notice and the footer', () => {
    const rows = Array.from({ length: 300 }, (_, index) => `line ${index} ${'w'.repeat(60)}`)
    const open: Section = {
      id: 'notes',
      required: true,
      text: `<details><summary>many</summary>\n\n\`\`\`text\n${rows.join('\n')}\n\`\`\`\n\n</details>`
    }
    const fitted = fitSections([header, open, footer], 8_000, HINT)
    expect(bytes(fitted.markdown)).toBeLessThanOrEqual(8_000)
    const [body, tail] = fitted.markdown.split('\n\n> ✂️ Cut') as [string, string]
    expect(body.endsWith('\n```\n\n</details>')).toBe(true)
    expect(body.split('\n').filter(line => line.startsWith('```'))).toHaveLength(2)
    expect(tail.endsWith(footer.text)).toBe(true)
  })

  it('measures the limit in UTF-8 bytes, so multi-byte text cannot push it over', () => {
    const wide: Section = {
      id: 'summary',
      required: true,
      text: Array.from({ length: 400 }, () => '✏️ ↳ → —'.repeat(10)).join('\n')
    }
    const limit = 5_000
    const fitted = fitSections([header, wide, footer], limit, HINT)
    expect(bytes(fitted.markdown)).toBeLessThanOrEqual(limit)
    expect(fitted.markdown.length).toBeLessThanOrEqual(limit)
  })
})

describe('fitting a large pull-request report', () => {
  /** A report over `count` models, each changed, diffed, with long names, column lists and sample rows. */
  function largeReport(count: number, nameLength: number, schema = 'analytics'): PrReport {
    const names = Array.from(
      { length: count },
      (_, index) => `${schema}.${'m'.repeat(nameLength)}_${String(index).padStart(4, '0')}`
    )
    const diffs: ModelDiff[] = names.map(name =>
      diffed(name, {
        window: windowOf('2024-01-01', '2024-02-01'),
        rows: rowCounts({ prod: 1_234_567, pr: 1_234_000, onlyInProd: 567, matched: 1_234_000, changed: 89_012 }),
        columns: Array.from({ length: 20 }, (_, column) => ({
          column: `column_${column}_${'c'.repeat(30)}`,
          matchPct: 50 + column
        })),
        samples: {
          onlyInProd: [{ id: 1, payload: 'p'.repeat(500) }],
          onlyInPr: [],
          changed: [{ id: 2, payload: '@someone '.repeat(50) }]
        }
      })
    )
    const edges = names.slice(1).map((name, index): [string, string] => [names[index], name])
    return prReport({ changed: names.slice(0, 10), chain: names, edges, diffs })
  }

  it('keeps a 400-model report under the comment limit by dropping per-model details from the end', () => {
    const sections = renderPrSections(largeReport(400, 0, 'a'))
    expect(bytes(join(sections))).toBeGreaterThan(COMMENT_LIMIT)
    const fitted = fitSections(sections, COMMENT_LIMIT, HINT)
    expect(bytes(fitted.markdown)).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(fitted.markdown.split('\n')[0]).toBe(DIFF_COMMENT_MARKER)
    // The required sections are all there, whole.
    for (const section of sections.filter(candidate => candidate.required))
      expect(fitted.markdown).toContain(section.text)
    // Only optional sections were left out, and every one that was kept is whole.
    const optionalIds = sections.filter(candidate => !candidate.required).map(candidate => candidate.id)
    expect(fitted.omitted.length).toBeGreaterThan(0)
    expect(fitted.omitted).not.toContain('lineage')
    expect(fitted.omitted.length).toBeLessThan(optionalIds.length - 1)
    expect(optionalIds).toEqual(expect.arrayContaining([...fitted.omitted]))
    for (const section of sections.filter(candidate => !candidate.required && !fitted.omitted.includes(candidate.id))) {
      expect(fitted.markdown).toContain(section.text)
    }
    // They were dropped from the end: what is left out is a tail of the optional sections.
    expect(fitted.omitted).toEqual(optionalIds.slice(optionalIds.length - fitted.omitted.length))
    expect(fitted.markdown).toContain(notice(fitted.omitted.length))
    expect(fitted.markdown.endsWith(sections[sections.length - 1]?.text)).toBe(true)
  })

  it('keeps the lineage of a 400-model report with long names: its summary groups outcomes and stays small', () => {
    const sections = renderPrSections(largeReport(400, 40))
    const fitted = fitSections(sections, COMMENT_LIMIT, HINT)
    expect(fitted.omitted).not.toContain('lineage')
    expect(fitted.omitted).toContain('models-by-outcome')
    for (const section of sections.filter(candidate => candidate.required))
      expect(fitted.markdown).toContain(section.text)
    expect(bytes(fitted.markdown)).toBeLessThanOrEqual(COMMENT_LIMIT)
  })

  it('keeps a 600-model report with very long names under the comment limit without cutting a line', () => {
    // Long names are shortened in the table, and 600 rows collapse into the changed ones and one row per outcome.
    const sections = renderPrSections(largeReport(600, 200))
    const fitted = fitSections(sections, COMMENT_LIMIT, HINT)
    expect(bytes(fitted.markdown)).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(fitted.markdown.split('\n')[0]).toBe(DIFF_COMMENT_MARKER)
    expect(fitted.markdown).not.toContain("Cut to stay under GitHub's size limit")
    expect(fitted.markdown.endsWith(sections[sections.length - 1]?.text)).toBe(true)
  })

  it('fits the same report into the job summary without cutting anything', () => {
    const sections = renderPrSections(largeReport(100, 40))
    const fitted = fitSections(sections, SUMMARY_LIMIT, 'see the log')
    expect(fitted).toEqual({ markdown: join(sections), omitted: [] })
  })
})

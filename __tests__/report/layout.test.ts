// Rendering defects (issue 17 §7), each read back with GitHub's parser and the checks it cannot make by itself
// (support/rendering.mjs): issue references and shortcodes in data, emoji cut in half, right-to-left names in a
// <summary>, and tables wider than GitHub's content column.

import { describe, it, expect } from '@jest/globals'
import { renderPrSections, type PrReport } from '../../src/report/pr-report.js'
import { renderBackfillSections } from '../../src/report/backfill-report.js'
import { renderingProblems } from '../../support/rendering.mjs'
import { backfillReport, diffed, modelBackfill, prReport, rowCounts } from '../fixtures/builders.js'

const STG = 'staging.stg_games'
const FLAG = '🇺🇸'
const FAMILY = '👨‍👩‍👧'

function comment(report: PrReport): string {
  return renderPrSections(report)
    .map(section => section.text)
    .join('\n\n')
}

function one(model: string, overrides: Parameters<typeof diffed>[1] = {}): PrReport {
  return prReport({ changed: [model], chain: [model], diffs: [diffed(model, overrides)] })
}

describe('GitHub filters on data', () => {
  it('shows GH-123 and :+1: in a sample value as text, not as a link or an emoji', () => {
    const body = comment(
      one(STG, { samples: { onlyInProd: [{ id: 1, note: 'fixes GH-123 :+1: :tada:' }], onlyInPr: [], changed: [] } })
    )
    expect(renderingProblems(body)).toEqual([])
  })
})

describe('emoji in names and values', () => {
  it('never cuts a flag or a family emoji when a name or a value is shortened', () => {
    const model = `marts.${'a'.repeat(14)}${FLAG.repeat(20)}${FAMILY.repeat(20)}z`
    const value = `${'v'.repeat(79)}${FLAG}${FLAG}`
    const body = comment(one(model, { samples: { onlyInProd: [{ id: 1, v: value }], onlyInPr: [], changed: [] } }))
    expect(renderingProblems(body)).toEqual([])
  })
})

describe('a right-to-left model name', () => {
  it('is isolated in its <summary>, so that the counts after it keep their place', () => {
    const model = 'marts.הכנסות'
    const body = comment(one(model, { rows: rowCounts({ onlyInProd: 3 }) }))
    expect(body).toContain('<summary>\u2068<code>marts.הכנסות</code>\u2069: 3 removed')
    expect(renderingProblems(body)).toEqual([])
  })
})

describe('tables within GitHub’s content column (about 780 px)', () => {
  it('shortens a 205-character model name in the backfill preview', () => {
    const model = `marts.${'n'.repeat(199)}`
    const report = prReport({
      changed: [model],
      chain: [model],
      diffs: [diffed(model)],
      backfillStart: '2024-01-01',
      backfillPreview: [modelBackfill(model, { status: 'planned', note: 'restated from its start' })]
    })
    const preview = renderPrSections(report).find(section => section.id === 'backfill-preview')?.text ?? ''
    expect(renderingProblems(preview)).toEqual([])
    expect(renderingProblems(comment(report))).toEqual([])
  })

  it('shortens a long model name in the backfill report after a merge', () => {
    const model = `marts.${'n'.repeat(199)}`
    const body = renderBackfillSections(backfillReport({ rows: [modelBackfill(model)] }))
      .map(section => section.text)
      .join('\n\n')
    expect(renderingProblems(body, { issueNumber: 42 })).toEqual([])
  })

  it('shortens a 226-character column name in the "Column | Matching values" table', () => {
    const column = 'c'.repeat(226)
    const body = comment(
      one(STG, {
        rows: rowCounts({ changed: 10 }),
        columns: [
          { column, matchPct: 0 },
          { column: 'id', matchPct: 100 }
        ]
      })
    )
    expect(body).toContain('| Column | Matching values |')
    expect(renderingProblems(body)).toEqual([])
  })

  describe('sample rows of a model with 17 columns', () => {
    const columns = Array.from({ length: 17 }, (_, index) => `column_number_${index + 1}`)
    const sample = (row: number): Record<string, unknown> =>
      Object.fromEntries(columns.map((column, index) => [column, `value_${row}_${index + 1}_${'z'.repeat(12)}`]))
    const report = one(STG, {
      rows: rowCounts({ onlyInProd: 3 }),
      samples: { onlyInProd: [sample(1), sample(2), sample(3)], onlyInPr: [], changed: [] }
    })
    const details = renderPrSections(report).find(section => section.id === `details:${STG}`)?.text ?? ''

    it('keeps them within the content column', () => {
      expect(renderingProblems(details)).toEqual([])
    })

    it('still shows every column and every value of the sample', () => {
      for (const column of columns) expect(details).toContain(column.replace(/_/g, '\\_'))
      for (const row of [1, 2, 3]) expect(details).toContain(`value\\_${row}\\_17\\_`)
    })
  })
})

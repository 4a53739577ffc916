import { describe, it, expect } from '@jest/globals'
import { FAIL_ON_VALUES, hasDataChange, hasSchemaChange, isFailOn, modelsFailingPolicy } from '../../src/core/gate.js'
import type { ModelDiff } from '../../src/core/types.js'
import { diffed, notDiffed, rowCounts } from '../fixtures/builders.js'

// One result of each kind, in report order.
const results: ModelDiff[] = [
  diffed('m.identical'),
  diffed('m.new_column', { schema: { added: [{ column: 'score', type: 'INT' }], removed: [], retyped: [] } }),
  diffed('m.retyped', { schema: { added: [], removed: [], retyped: [{ column: 'score', from: 'INT', to: 'BIGINT' }] } }),
  diffed('m.rows_removed', { rows: rowCounts({ prod: 2380, pr: 2346, onlyInProd: 34, matched: 2346 }) }),
  diffed('m.rows_added', { rows: rowCounts({ prod: 100, pr: 110, onlyInPr: 10 }) }),
  diffed('m.values_changed', { rows: rowCounts({ changed: 7 }) }),
  notDiffed('m.added', 'added'),
  notDiffed('m.removed', 'removed'),
  notDiffed('m.no_grain', 'no-grain'),
  notDiffed('m.shared', 'shares-prod-table'),
  notDiffed('m.error', 'error')
]

describe('fail-on policies', () => {
  it("'never' fails nothing", () => {
    expect(modelsFailingPolicy(results, 'never')).toEqual([])
  })

  it("'schema-change' fails added, removed or retyped columns and removed models", () => {
    expect(modelsFailingPolicy(results, 'schema-change')).toEqual(['m.new_column', 'm.retyped', 'm.removed'])
  })

  it("'removed-rows' fails models that lose rows and removed models", () => {
    expect(modelsFailingPolicy(results, 'removed-rows')).toEqual(['m.rows_removed', 'm.removed'])
  })

  it("'any-diff' fails every schema or data difference, and added or removed models", () => {
    expect(modelsFailingPolicy(results, 'any-diff')).toEqual([
      'm.new_column',
      'm.retyped',
      'm.rows_removed',
      'm.rows_added',
      'm.values_changed',
      'm.added',
      'm.removed'
    ])
  })

  it('fails nothing under any policy when everything is identical or was not compared', () => {
    const quiet = [diffed('m.identical'), notDiffed('m.no_grain', 'no-grain'), notDiffed('m.error', 'error')]
    for (const policy of FAIL_ON_VALUES) expect(modelsFailingPolicy(quiet, policy)).toEqual([])
  })
})

describe('isFailOn', () => {
  it('accepts the four policies', () => {
    expect(FAIL_ON_VALUES.filter(isFailOn)).toEqual(['never', 'schema-change', 'removed-rows', 'any-diff'])
  })

  it('rejects anything else', () => {
    expect(isFailOn('always')).toBe(false)
    expect(isFailOn('Never')).toBe(false)
    expect(isFailOn('')).toBe(false)
  })
})

describe('hasSchemaChange / hasDataChange', () => {
  it('sees a removed column as a schema and data change', () => {
    const diff = diffed('m.x', { schema: { added: [], removed: [{ column: 'old', type: 'TEXT' }], retyped: [] } })
    expect(hasSchemaChange(diff)).toBe(true)
    expect(hasDataChange(diff)).toBe(true)
  })

  it('sees changed values as a data change but not a schema change', () => {
    const diff = diffed('m.x', { rows: rowCounts({ changed: 1 }) })
    expect(hasSchemaChange(diff)).toBe(false)
    expect(hasDataChange(diff)).toBe(true)
  })

  it('sees an identical model as no change', () => {
    expect(hasSchemaChange(diffed('m.x'))).toBe(false)
    expect(hasDataChange(diffed('m.x'))).toBe(false)
  })
})

import { describe, it, expect } from '@jest/globals'
import {
  evaluateGate,
  FAIL_ON_VALUES,
  gateFails,
  hasDataChange,
  hasSchemaChange,
  isFailOn,
  modelsFailingPolicy
} from '../../src/core/gate.js'
import type { ModelDiff } from '../../src/core/types.js'
import { diffed, notDiffed, rowCounts } from '../fixtures/builders.js'

// One result of each kind, in report order.
const results: ModelDiff[] = [
  diffed('m.identical'),
  diffed('m.new_column', { schema: { added: [{ column: 'score', type: 'INT' }], removed: [], retyped: [] } }),
  diffed('m.retyped', {
    schema: { added: [], removed: [], retyped: [{ column: 'score', from: 'INT', to: 'BIGINT' }] }
  }),
  diffed('m.rows_removed', { rows: rowCounts({ prod: 2380, pr: 2346, onlyInProd: 34, matched: 2346 }) }),
  diffed('m.rows_added', { rows: rowCounts({ prod: 100, pr: 110, onlyInPr: 10 }) }),
  diffed('m.values_changed', { rows: rowCounts({ changed: 7 }) }),
  notDiffed('m.added', 'added'),
  notDiffed('m.removed', 'removed'),
  notDiffed('m.forward_only', 'forward-only'),
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
    const quiet = [diffed('m.identical'), notDiffed('m.forward_only', 'forward-only'), notDiffed('m.error', 'error')]
    for (const policy of FAIL_ON_VALUES) expect(modelsFailingPolicy(quiet, policy)).toEqual([])
  })
})

describe('the gate fails closed', () => {
  const unknown = [
    diffed('m.identical'),
    notDiffed('m.forward_only', 'forward-only'),
    notDiffed('m.error', 'error'),
    notDiffed('m.embedded', 'embedded')
  ]

  it('fails on a failed diff under every policy but never', () => {
    for (const failOn of FAIL_ON_VALUES.filter(policy => policy !== 'never')) {
      const gate = evaluateGate(unknown, { failOn, onUncompared: 'warn' })
      expect(gate.failedDiffs).toEqual(['m.error'])
      expect(gateFails(gate)).toBe(true)
    }
  })

  it("fails on a model not compared unless on-uncompared is 'warn'; a model needing no comparison never fails", () => {
    expect(evaluateGate(unknown, { failOn: 'schema-change', onUncompared: 'fail' }).uncompared).toEqual([
      'm.forward_only'
    ])
    expect(evaluateGate(unknown, { failOn: 'schema-change', onUncompared: 'warn' }).uncompared).toEqual([])
  })

  it("fails nothing under 'never'", () => {
    expect(gateFails(evaluateGate(unknown, { failOn: 'never', onUncompared: 'fail' }))).toBe(false)
  })

  it('passes when every model was compared and matched, or needed no comparison', () => {
    const clean = [
      diffed('m.identical'),
      notDiffed('m.shared', 'shares-prod-table'),
      notDiffed('m.embedded', 'embedded'),
      notDiffed('m.ext', 'external')
    ]
    for (const failOn of FAIL_ON_VALUES)
      expect(gateFails(evaluateGate(clean, { failOn, onUncompared: 'fail' }))).toBe(false)
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
  it('counts rows only on one side as a difference for a whole-row comparison, which has no changed rows', () => {
    const whole = diffed('m.x', { method: 'whole-rows', rows: rowCounts({ onlyInProd: 6, changed: null }) })
    expect(hasDataChange(whole)).toBe(true)
    expect(hasDataChange(diffed('m.y', { method: 'whole-rows', rows: rowCounts({ changed: null }) }))).toBe(false)
  })

  it('never reads a model that was not compared as a difference or as equal: it has no measured change', () => {
    expect(hasDataChange(notDiffed('m.x', 'error'))).toBe(false)
    expect(hasDataChange(notDiffed('m.x', 'forward-only'))).toBe(false)
  })

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

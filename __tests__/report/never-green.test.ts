// Whatever the reason a model went without a table comparison, it never reads as "no difference" or ✅: not in the
// verdict, the summary table, the diff-results output or the gate. One case per reason SQLMesh can give.

import { describe, it, expect } from '@jest/globals'
import { REASON_COVERAGE } from '../../src/core/coverage.js'
import { evaluateGate, FAIL_ON_VALUES, gateFails } from '../../src/core/gate.js'
import { diffResults } from '../../src/flows/diff.js'
import { renderPrSections, verdict } from '../../src/report/pr-report.js'
import type { NotDiffedReason } from '../../src/core/types.js'
import { diffed, notDiffed, prReport } from '../fixtures/builders.js'

const CHANGED = 'staging.stg_games'
const OTHER = 'marts.team_stats'
const reasons = Object.entries(REASON_COVERAGE) as [NotDiffedReason, string][]
const uncompared = reasons
  .filter(([, coverage]) => coverage === 'not-compared' || coverage === 'failed')
  .map(([reason]) => reason)

function reportWith(reason: NotDiffedReason) {
  const diffs = [diffed(CHANGED), notDiffed(OTHER, reason)]
  return prReport({ changed: [CHANGED], chain: [CHANGED, OTHER], edges: [[CHANGED, OTHER]], diffs })
}

describe.each(uncompared)("a model not compared because of '%s'", reason => {
  it('keeps the verdict from ✅ and names the model with its reason', () => {
    const line = verdict(reportWith(reason))
    expect(line).not.toMatch(/^✅/)
    expect(line).toContain('1 of 2 affected models compared; not compared: `marts.team_stats` (')
    expect(line).toContain('no schema change in the 1 compared')
  })

  it('shows it as not compared in the summary table, with no counts', () => {
    const summary = renderPrSections(reportWith(reason)).find(section => section.id === 'summary')?.text ?? ''
    const row = summary.split('\n').find(line => line.includes('`marts.team_stats`')) ?? ''
    expect(row).toMatch(/\| — \| — \| — \| (⚠️|❌) not compared/)
  })

  it("gives it a coverage other than 'compared' in diff-results", () => {
    const [, result] = JSON.parse(diffResults(reportWith(reason).diffs)) as ({ coverage: string } | undefined)[]
    expect(result?.coverage).toBe(REASON_COVERAGE[reason])
    expect(['not-compared', 'failed']).toContain(result?.coverage)
  })

  it("fails every gate but 'never' under on-uncompared 'fail', and names it under 'warn' only when its diff failed", () => {
    const { diffs } = reportWith(reason)
    for (const failOn of FAIL_ON_VALUES.filter(policy => policy !== 'never')) {
      expect(gateFails(evaluateGate(diffs, { failOn, onUncompared: 'fail' }))).toBe(true)
      expect(gateFails(evaluateGate(diffs, { failOn, onUncompared: 'warn' }))).toBe(
        REASON_COVERAGE[reason] === 'failed'
      )
    }
  })
})

describe('reasons that need no comparison', () => {
  it.each(reasons.filter(([, coverage]) => coverage === 'not-needed').map(([reason]) => reason))(
    "'%s' may still read ✅",
    reason => {
      expect(verdict(reportWith(reason))).toMatch(/^✅ /)
    }
  )
})

// Words a reviewer misreads (issue 17 §6): a verdict that reads clean when nothing was compared, "1 rows", an
// embedded model shown as a finding, "earlier results" on a first comment, and the manual diff mode speaking of
// "the PR" and of changed models where the two environments hold the same version.

import { describe, it, expect } from '@jest/globals'
import { renderFailure, renderPrSections, verdict, type PrReport } from '../../src/report/pr-report.js'
import { backfillVerdict, renderBackfillSections } from '../../src/report/backfill-report.js'
import { renderWatchSections, watchVerdict } from '../../src/report/watch-report.js'
import { versionDiffers } from '../../src/flows/manual.js'
import {
  backfillReport,
  diffed,
  modelBackfill,
  notDiffed,
  prReport,
  rowCounts,
  windowOf
} from '../fixtures/builders.js'

const STG = 'staging.stg_games'
const MART = 'marts.team_stats'
const FACTS = 'marts.facts'
const EMBEDDED = 'staging.game_dates'

function section(report: PrReport, id: string): string {
  return renderPrSections(report).find(candidate => candidate.id === id)?.text ?? ''
}

describe('a verdict where no downstream model was compared', () => {
  const report = prReport({
    changed: [STG],
    chain: [STG, MART, FACTS],
    edges: [
      [STG, MART],
      [STG, FACTS]
    ],
    diffs: [diffed(STG), notDiffed(MART, 'error'), notDiffed(FACTS, 'forward-only')]
  })

  it('says that none was compared, instead of "0 of 0 compared downstream models differ"', () => {
    const line = verdict(report)
    expect(line).not.toContain('0 of 0')
    expect(line).toBe(
      '⚠️ `staging.stg_games`: no row differs · none of the 2 downstream models was compared · 1 of 3 affected models compared; ' +
        'not compared: `marts.team_stats` (diff failed), `marts.facts` (forward-only, not previewed) · no schema change in the 1 compared'
    )
  })

  it('says it of a single downstream model too, and why through the list of models not compared', () => {
    const one = {
      ...report,
      chain: [STG, MART],
      edges: [[STG, MART]] as const,
      diffs: [diffed(STG), notDiffed(MART, 'error')]
    }
    expect(verdict(one)).toBe(
      '⚠️ `staging.stg_games`: no row differs · the 1 downstream model was not compared · 1 of 2 affected models compared; ' +
        'not compared: `marts.team_stats` (diff failed) · no schema change in the 1 compared'
    )
  })

  it('counts only the compared ones when some were', () => {
    const some = { ...report, diffs: [diffed(STG), diffed(MART), notDiffed(FACTS, 'forward-only')] }
    expect(verdict(some)).toContain('· the 1 compared downstream model does not differ ·')
  })
})

describe('plural agreement', () => {
  /** Every count in the text is 1 somewhere: no "1 rows", "1 models", "1 → 1 rows". */
  const ONE_PLURAL = /(?<![\d,.])1 (?:→ 1 )?(?:[a-z-]+ )?(rows|models|columns|keys|sources|files|days|values)\b/

  it('says "1 → 1 row" in the summary table, and "the 1 downstream model differs"', () => {
    const report = prReport({
      changed: [STG],
      chain: [STG, MART],
      edges: [[STG, MART]],
      diffs: [
        diffed(STG, { rows: rowCounts({ prod: 1, pr: 1, matched: 1, changed: 1 }) }),
        diffed(MART, { rows: rowCounts({ prod: 1, pr: 1, matched: 1, changed: 1 }) })
      ]
    })
    expect(section(report, 'summary')).toContain('| 1 → 1 row · all rows |')
    expect(verdict(report)).toContain('· the 1 downstream model differs ·')
  })

  it('never writes "1 rows" or "1 models" in a pull-request report', () => {
    const report = prReport({
      changed: [STG],
      chain: [STG, MART],
      edges: [[STG, MART]],
      diffs: [
        diffed(STG, {
          window: windowOf('2024-01-01', '2024-01-02'),
          rows: rowCounts({ prod: 1, pr: 1, onlyInProd: 1, onlyInPr: 1, matched: 1, changed: 1 }),
          columns: [
            { column: 'a', matchPct: 0 },
            { column: 'b', matchPct: 100 }
          ]
        }),
        diffed(MART, {
          method: 'whole-rows',
          grain: ['id'],
          grainProblem: { kind: 'not-unique', duplicateKeys: { prod: 1, pr: 1 }, nullKeyRows: { prod: 1, pr: 1 } },
          rows: rowCounts({ prod: 1, pr: 1, onlyInProd: 1, matched: 1, changed: null })
        })
      ],
      backfillStart: '2024-01-01',
      backfillPreview: [modelBackfill(STG, { status: 'planned' })]
    })
    for (const part of renderPrSections(report)) expect(part.text).not.toMatch(ONE_PLURAL)
  })

  it('never writes "1 models" in a backfill or watch report', () => {
    const one = [modelBackfill(STG)]
    expect(backfillVerdict(backfillReport({ rows: one }))).toBe('✅ 1 model rebuilt from 2024-01-01.')
    expect(backfillVerdict(backfillReport({ rows: [modelBackfill(STG, { status: 'planned' })], dryRun: true }))).toBe(
      '🗓️ Dry run: 1 model would be rebuilt from 2024-01-01; nothing was applied.'
    )
    for (const part of renderBackfillSections(backfillReport({ rows: one }))) expect(part.text).not.toMatch(ONE_PLURAL)
    const watch = {
      sources: [],
      conflicts: [],
      dryRun: false,
      schemaTable: 'sqlmesh_action.fingerprints',
      state: { environment: 'prod', checked: 1, problems: [] }
    }
    for (const part of renderWatchSections(watch)) expect(part.text).not.toMatch(ONE_PLURAL)
    expect(watchVerdict(watch)).not.toMatch(ONE_PLURAL)
    const broken = {
      ...watch,
      state: {
        environment: 'prod',
        checked: 1,
        problems: [{ model: STG, kind: 'missing-table' as const, detail: 'no table', repair: 'sqlmesh plan' }]
      }
    }
    expect(
      renderWatchSections(broken)
        .map(part => part.text)
        .join('\n')
    ).toContain("❌ 1 of 1 model is not as SQLMesh's state says")
  })
})

describe('an embedded model among the changed models', () => {
  it('is not a verdict item: it has no table, its children carry the finding', () => {
    const report = prReport({
      changed: [EMBEDDED, STG],
      chain: [EMBEDDED, STG, MART],
      edges: [
        [EMBEDDED, STG],
        [STG, MART]
      ],
      diffs: [notDiffed(EMBEDDED, 'embedded'), diffed(STG, { rows: rowCounts({ onlyInProd: 3 }) }), diffed(MART)]
    })
    const line = verdict(report)
    expect(line).not.toContain(EMBEDDED)
    expect(line).not.toContain('embedded')
    expect(line).toBe(
      '⚠️ `staging.stg_games`: 3 rows removed · the 1 downstream model does not differ · 2 of 2 affected models compared · no schema change'
    )
  })
})

describe('the failure comment', () => {
  const run = {
    environment: 'pr_7',
    prodEnvironment: 'prod',
    headSha: 'abcdef1234567890',
    message: 'boom',
    runUrl: 'https://github.com/acme/hoops/actions/runs/1'
  }

  it('says nothing of earlier results on a pull request that has none', () => {
    const body = renderFailure({ ...run, earlier: null })
    expect(body).not.toMatch(/earlier|no longer apply/i)
    expect(body).toContain(
      '**❌ The diff could not run for commit `abcdef1`.** The log: https://github.com/acme/hoops/actions/runs/1'
    )
  })

  it('names the commit of the results it replaces', () => {
    expect(renderFailure({ ...run, earlier: { commit: '1234567890abcdef', base: 'main' } })).toContain(
      '**❌ The diff could not run for commit `abcdef1`.** The results posted for commit `1234567` no longer apply. The log: '
    )
    expect(renderFailure({ ...run, earlier: { commit: null, base: null } })).toContain(
      '**❌ The diff could not run for commit `abcdef1`.** Earlier results no longer apply. The log: '
    )
  })
})

describe('the manual diff mode: two environments, models named by the user', () => {
  const diffs = [diffed(STG, { rows: rowCounts({ onlyInProd: 2 }) }), notDiffed(MART, 'unchanged', 'Same version.')]
  const manual = prReport({
    environment: 'dev',
    prodEnvironment: 'staging',
    environments: { source: 'staging', target: 'dev' },
    changed: versionDiffers(diffs),
    chain: [STG, MART],
    edges: [[STG, MART]],
    diffs: [
      diffed(STG, {
        rows: rowCounts({ onlyInProd: 2 }),
        samples: { onlyInProd: [{ id: 1 }], onlyInPr: [{ id: 2 }], changed: [] }
      }),
      notDiffed(MART, 'unchanged', 'Same version.')
    ]
  })

  it('marks and highlights only the models whose version differs', () => {
    expect(versionDiffers(diffs)).toEqual([STG])
    const summary = section(manual, 'summary')
    expect(summary).toContain('| ✏️\u00a0`staging.stg_games` |')
    expect(summary).not.toContain('✏️\u00a0`marts.team_stats`')
    expect(summary).not.toContain('↳')
    expect(section(manual, 'lineage')).toContain('  class m0 changed')
    expect(section(manual, 'lineage')).not.toContain('class m0,m1 changed')
  })

  it('names the environments where a pull request would say prod and the PR', () => {
    const all = renderPrSections(manual)
      .map(part => part.text)
      .join('\n')
    expect(all).not.toMatch(/\bthe PR\b|\bPR\b/)
    expect(section(manual, 'summary').split('\n')[0]).toBe(
      '| Model | Removed | Added | Changed | Schema · rows staging → dev · compared |'
    )
    expect(section(manual, 'summary')).toContain('| `marts.team_stats` | — | — | — | same version as staging |')
    expect(all).toContain('Sample rows only in `dev` (added):')
    expect(all).toContain('rows: 100 in `staging`, 100 in `dev`')
  })

  it('does not call a named model downstream', () => {
    expect(verdict(manual)).toBe(
      '⚠️ `staging.stg_games`: 2 rows removed · 1 model with the same version in both · 1 of 1 affected model compared · no schema change'
    )
  })
})

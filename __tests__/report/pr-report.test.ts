import { describe, it, expect } from '@jest/globals'
import {
  DIFF_COMMENT_MARKER,
  headline,
  renderFailure,
  renderPrSections,
  verdict,
  type PrReport
} from '../../src/report/pr-report.js'
import type { Section } from '../../src/report/fit.js'
import { ACTION_VERSION } from '../../src/version.js'
import { diffed, notDiffed, prReport, rowCounts, windowOf } from '../fixtures/builders.js'

const STG = 'staging.stg_games'
const MART = 'marts.team_stats'

/** stg_games changed and lost 34 rows; team_stats downstream of it has no grain and lost 6 rows (whole rows). */
function changedReport(overrides: Partial<PrReport> = {}): PrReport {
  return prReport({
    environmentStart: '2024-01-01',
    changed: [STG],
    chain: [STG, MART],
    edges: [[STG, MART]],
    diffs: [
      diffed(STG, {
        window: windowOf('2024-01-01', '2024-01-08'),
        grain: ['game_id', 'team'],
        rows: rowCounts({ prod: 2380, pr: 2346, onlyInProd: 34, onlyInPr: 0, matched: 2346, changed: 5 }),
        columns: [
          { column: 'game_id', matchPct: 100 },
          { column: 'points', matchPct: 99.5 },
          { column: 'team', matchPct: 100 },
          { column: 'margin', matchPct: 87.25 }
        ]
      }),
      diffed(MART, {
        method: 'whole-rows',
        grain: [],
        rows: rowCounts({ prod: 30, pr: 24, onlyInProd: 6, matched: 24, changed: null })
      })
    ],
    ...overrides
  })
}

function section(sections: readonly Section[], id: string): string {
  const found = sections.find(candidate => candidate.id === id)
  if (!found) throw new Error(`no section '${id}' among ${sections.map(candidate => candidate.id).join(', ')}`)
  return found.text
}

describe('renderPrSections', () => {
  it('puts the hidden marker on the first line', () => {
    const header = renderPrSections(changedReport()).at(0)
    expect(header?.text.split('\n')[0]).toBe(DIFF_COMMENT_MARKER)
    expect(header?.text).toBe('<!-- sqlmesh-action:diff -->\n## SQLMesh diff: `pr_42` vs `prod`')
  })

  it('lays out the sections in order, with lineage and per-model details optional', () => {
    const sections = renderPrSections(changedReport())
    expect(sections.map(({ id, required }) => [id, required])).toEqual([
      ['header', true],
      ['verdict', true],
      ['summary', true],
      ['notes', true],
      ['lineage', false],
      [`details:${STG}`, false],
      [`details:${MART}`, false],
      ['footer', true]
    ])
  })

  it('has no lineage, notes or details when nothing changed', () => {
    const sections = renderPrSections(prReport())
    expect(sections.map(({ id }) => id)).toEqual(['header', 'verdict', 'summary', 'footer'])
    expect(section(sections, 'summary')).toBe('_Nothing to compare._')
  })

  describe('verdict', () => {
    it('says so when no model is changed', () => {
      expect(verdict(prReport())).toBe('✅ No SQLMesh model is changed by this pull request.')
      expect(section(renderPrSections(prReport()), 'verdict')).toBe(
        '**✅ No SQLMesh model is changed by this pull request.**'
      )
    })

    it('says there is no semantic change when model files changed but fingerprints did not', () => {
      expect(verdict(prReport({ noSemanticChange: [STG] }))).toBe(
        '✅ No semantic change: the edited model files fingerprint the same as in prod.'
      )
    })

    it('names the changed model and its differences, how many downstream models differ, and how many were compared', () => {
      expect(verdict(changedReport())).toBe(
        '⚠️ `staging.stg_games`: 34 rows removed, 5 rows changed · the 1 downstream model differs · 2 of 2 affected models compared · no schema change'
      )
    })

    it('never shows a tick while a model was not compared, names it with its reason, and counts only compared schemas', () => {
      const diffs = [diffed(STG), notDiffed(MART, 'error'), notDiffed('marts.facts', 'forward-only')]
      expect(verdict(changedReport({ chain: [STG, MART, 'marts.facts'], diffs }))).toBe(
        '⚠️ `staging.stg_games`: no row differs · none of the 2 downstream models was compared · 1 of 3 affected models compared; ' +
          'not compared: `marts.team_stats` (diff failed), `marts.facts` (forward-only, not previewed) · no schema change in the 1 compared'
      )
    })

    it('leads with a cross when the gate fails on a failed diff', () => {
      const diffs = [diffed(STG), notDiffed(MART, 'error')]
      const gate = { differences: [], failedDiffs: [MART], uncompared: [] }
      expect(verdict(changedReport({ diffs, gate, failOn: 'any-diff' }))).toMatch(/^❌ /)
    })

    it('counts an embedded model as needing no comparison', () => {
      const diffs = [diffed(STG), notDiffed(MART, 'embedded')]
      expect(verdict(changedReport({ diffs }))).toBe(
        '✅ `staging.stg_games`: no row differs · the 1 downstream model does not differ · 1 of 1 affected model compared · no schema change'
      )
    })

    it('says "1 row", not "1 rows"', () => {
      expect(headline(diffed(STG, { rows: rowCounts({ onlyInProd: 1, onlyInPr: 1, changed: 1 }) }))).toBe(
        '1 row removed, 1 row added, 1 row changed'
      )
    })

    it('leads with a cross when the fail-on policy fails', () => {
      expect(verdict(changedReport({ failing: [STG], failOn: 'removed-rows' }))).toMatch(
        /^❌ `staging\.stg_games`: 34 rows removed/
      )
    })

    it('leads with a tick when the changed models hold the same data as prod', () => {
      expect(verdict(changedReport({ diffs: [diffed(STG), diffed(MART)] }))).toBe(
        '✅ `staging.stg_games`: no row differs · the 1 downstream model does not differ · 2 of 2 affected models compared · no schema change'
      )
    })
  })

  describe('headline', () => {
    it('puts schema changes before row counts', () => {
      const diff = diffed(STG, {
        schema: {
          added: [
            { column: 'a', type: 'INT' },
            { column: 'b', type: 'INT' }
          ],
          removed: [{ column: 'c', type: 'INT' }],
          retyped: []
        },
        rows: rowCounts({ onlyInPr: 1200 })
      })
      expect(headline(diff)).toBe('+2 columns, −1 column, 1,200 rows added')
    })

    it('gives the reason for a model that was not compared', () => {
      expect(headline(notDiffed(MART, 'forward-only'))).toBe('(⚠️ not compared: forward-only, not previewed)')
    })
  })

  describe('summary table', () => {
    it('shows the numbers for a diffed model', () => {
      const rows = section(renderPrSections(changedReport()), 'summary').split('\n')
      expect(rows[0]).toBe('| Model | Removed | Added | Changed | Schema · rows prod → PR · compared |')
      expect(rows[2]).toBe(
        '| ✏️\u00a0`staging.stg_games` | 34 | 0 | 5 | 2,380 → 2,346 rows · 2024-01-01 – 2024-01-07 |'
      )
    })

    it('compares a model without a grain as whole rows: no changed-rows count, and the advice in the notes', () => {
      const sections = renderPrSections(changedReport())
      expect(section(sections, 'summary').split('\n')[3]).toBe(
        '| ↳\u00a0`marts.team_stats` | 6 | 0 | n/a | 30 → 24 rows · all rows · whole rows (no grain) |'
      )
      expect(section(sections, 'notes').split('\n')).toContain(
        '- `marts.team_stats` has no grain: compared as whole rows (rows only in prod, only in the PR, and identical). To see changed rows, declare its unique key with `grain (...)` in its MODEL block.'
      )
    })

    it('names a wrong grain with the columns the model has, and gives dbt advice for a dbt model', () => {
      const wrong = diffed(MART, {
        method: 'whole-rows',
        grain: ['customer_key'],
        grainProblem: { kind: 'missing-columns', missing: ['customer_key'], columns: ['customer_id', 'revenue'] },
        rows: rowCounts({ changed: null })
      })
      const models = new Map([[MART, { kind: 'FULL', source: 'dbt' as const }]])
      const sections = renderPrSections(changedReport({ diffs: [diffed(STG), wrong], models }))
      expect(section(sections, 'summary')).toContain('all rows · whole rows (grain column missing) |')
      expect(section(sections, 'notes').split('\n')).toContain(
        '- ⚠️ `marts.team_stats`: its grain `customer_key` names a column it does not have (`customer_key`); its columns are `customer_id`, `revenue`: compared as whole rows. Fix it with `config(grain=[...])` in the dbt model.'
      )
    })

    it('names a grain that is not unique with the number of duplicate keys', () => {
      const dup = diffed(MART, {
        method: 'whole-rows',
        grain: ['customer_id'],
        grainProblem: { kind: 'not-unique', duplicateKeys: { prod: 12, pr: 1 }, nullKeyRows: { prod: 0, pr: 0 } },
        rows: rowCounts({ changed: null })
      })
      const models = new Map([[MART, { kind: 'FULL', source: 'python' as const }]])
      const notes = section(renderPrSections(changedReport({ diffs: [diffed(STG), dup], models })), 'notes')
      expect(notes).toContain(
        'its grain `customer_id` is not unique: 12 duplicate keys in prod, 1 in the PR: compared as whole rows. Fix it with `grains=[...]` in its `@model` decorator.'
      )
    })

    it('summarises schema changes in the schema cell', () => {
      const diff = diffed(STG, {
        schema: {
          added: [{ column: 'a', type: 'INT' }],
          removed: [
            { column: 'b', type: 'INT' },
            { column: 'c', type: 'TEXT' }
          ],
          retyped: [{ column: 'd', from: 'INT', to: 'BIGINT' }]
        }
      })
      const rows = section(renderPrSections(changedReport({ diffs: [diff] })), 'summary').split('\n')
      expect(rows[2]).toBe(
        '| ✏️\u00a0`staging.stg_games` | 0 | 0 | 0 | +1 col, −2 col, 1 retyped · 100 → 100 rows · all rows |'
      )
    })

    it('warns when a model rebuilt in full reads an upstream model held only for a window', () => {
      const diff = diffed(MART, { partialUpstream: { model: STG, window: windowOf('2024-01-01', '2024-01-08') } })
      const sections = renderPrSections(changedReport({ diffs: [diffed(STG), diff] }))
      expect(section(sections, 'summary').split('\n')[3]).toBe(
        '| ↳\u00a0`marts.team_stats` | 0 | 0 | 0 | 100 → 100 rows · all rows ⚠️ partial upstream |'
      )
      expect(section(sections, 'notes')).toBe(
        '- ⚠️ `marts.team_stats` is rebuilt in full from `staging.stg_games`, which the PR environment holds only for ' +
          '2024-01-01 – 2024-01-07: its rows outside that window differ because of the window, not the change. ' +
          'Set `environment-start` earlier to compare it fully.'
      )
    })
  })

  describe('lineage', () => {
    it('is a mermaid flowchart with the changed model marked', () => {
      expect(section(renderPrSections(changedReport()), 'lineage')).toBe(
        [
          '**Lineage** (changed models highlighted, upstream on the left)',
          '',
          '```mermaid',
          'flowchart LR',
          '  m0["staging.stg_games"]',
          '  m1["marts.team_stats"]',
          '  m0 --> m1',
          '  classDef changed fill:#fde68a,stroke:#b45309,color:#000',
          '  class m0 changed',
          '```'
        ].join('\n')
      )
    })

    it('escapes characters mermaid would read as syntax in a label', () => {
      const name = 'raw."odd"[name]'
      const text = section(
        renderPrSections(prReport({ changed: [name], chain: [name], diffs: [diffed(name)] })),
        'lineage'
      )
      expect(text).toContain('  m0["raw.#34;odd#34;#91;name#93;"]')
    })

    it('escapes by code point, so an emoji stays one character, and shows bidi controls', () => {
      const name = 'marts.sales_😀\u202E'
      const text = section(
        renderPrSections(prReport({ changed: [name], chain: [name], diffs: [diffed(name)] })),
        'lineage'
      )
      expect(text).toContain('  m0["marts.sales_#128512;#8249;U#43;202E#8250;"]')
    })
  })

  describe('notes', () => {
    it('lists removed models, no-semantic-change models, models changed through project files and policy failures', () => {
      const sections = renderPrSections(
        prReport({
          changed: [STG],
          chain: [STG],
          edges: [],
          diffs: [
            diffed(STG, { rows: rowCounts({ onlyInProd: 3 }) }),
            notDiffed('marts.old', 'removed', 'Removed by this pull request.')
          ],
          removed: ['marts.old'],
          noSemanticChange: ['staging.stg_teams'],
          changedIndirectlyByFiles: [STG],
          projectFiles: [{ path: 'macros/utils.py', status: 'modified' }],
          failing: [STG],
          failOn: 'removed-rows'
        })
      )
      expect(section(sections, 'notes').split('\n')).toEqual([
        '- `marts.old`: Removed by this pull request.',
        '- No semantic change (the file changed, the fingerprint did not): `staging.stg_teams`',
        '- Changed without an edit to their own file through `macros/utils.py`: `staging.stg_games`',
        '- ❌ `fail-on: removed-rows` fails this check for: `staging.stg_games`'
      ])
    })

    it('leaves out models skipped because there was nothing to compare', () => {
      const sections = renderPrSections(
        changedReport({ diffs: [notDiffed(STG, 'unchanged'), notDiffed(MART, 'external', 'External table.')] })
      )
      expect(section(sections, 'notes')).toBe('- `marts.team_stats`: External table.')
    })
  })

  describe('model details', () => {
    it('summarises the counts and lists the differing columns, least matching first', () => {
      const details = section(renderPrSections(changedReport()), `details:${STG}`)
      expect(details).toBe(
        [
          '<details><summary><code>staging.stg_games</code>: 34 removed, 0 added, 5 changed of 2,346 matched</summary>',
          '',
          'Matched on: grain `game_id`, `team` · compared: 2024-01-01 – 2024-01-07 · rows: 2,380 in prod, 2,346 in the PR',
          '',
          '| Column | Matching values |',
          '| --- | ---: |',
          '| `margin` | 87.25% |',
          '| `points` | 99.50% |',
          '',
          '2 other columns match 100% on matched rows.',
          '',
          '</details>'
        ].join('\n')
      )
    })

    it('renders sample rows so that no value in them pings anyone or breaks the table', () => {
      const diff = diffed(STG, {
        samples: {
          onlyInProd: [{ player: '@octocat', note: 'a|b\nc' }],
          onlyInPr: [],
          changed: [{ player: null, note: '<b>x</b>' }]
        }
      })
      const details = section(renderPrSections(changedReport({ diffs: [diff] })), `details:${STG}`)
      expect(details).not.toContain('@octocat')
      expect(details).toContain(
        'Sample rows only in prod (removed):\n\n| player | note |\n| --- | --- |\n| @\u200boctocat | a\\|b c |'
      )
      expect(details).toContain(
        'Sample changed rows:\n\n| player | note |\n| --- | --- |\n| NULL | &lt;b&gt;x&lt;/b&gt; |'
      )
      expect(details).not.toContain('Sample rows only in the PR')
    })
  })

  it('ends with a footer naming the SQLMesh version, the short commit and the environment start', () => {
    const sections = renderPrSections(changedReport())
    expect(sections[sections.length - 1]?.text).toBe(
      '<!-- sqlmesh-action:commit 0123456789abcdef0123456789abcdef01234567 -->\n' +
        `<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh 0.236.1 · commit \`0123456\` · built from 2024-01-01</sub>`
    )
    expect(section(renderPrSections(prReport({ baseRef: 'release-->1' })), 'footer')).toBe(
      '<!-- sqlmesh-action:commit 0123456789abcdef0123456789abcdef01234567 base release--%3E1 -->\n' +
        `<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh 0.236.1 · commit \`0123456\`</sub>`
    )
  })

  it('gives the date a relative environment start resolved to', () => {
    const footer = section(
      renderPrSections(changedReport({ environmentStart: '1 month ago', environmentStartDate: '2026-10-26' })),
      'footer'
    )
    expect(footer.split('\n')[1]).toBe(
      `<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh 0.236.1 · commit \`0123456\` · built from 2026-10-26 (1 month ago)</sub>`
    )
  })

  it('says "1 other column matches" in the details', () => {
    const diff = diffed(STG, {
      rows: rowCounts({ changed: 1 }),
      columns: [
        { column: 'a', matchPct: 50 },
        { column: 'b', matchPct: 100 }
      ]
    })
    expect(section(renderPrSections(changedReport({ diffs: [diff] })), `details:${STG}`)).toContain(
      '1 other column matches 100% on matched rows.'
    )
  })

  it('names in one note the models rebuilt from their start', () => {
    const notes = section(
      renderPrSections(
        changedReport({ diffs: [diffed(STG, { fullHistory: true }), diffed(MART, { fullHistory: true })] })
      ),
      'notes'
    )
    expect(notes).toContain('so they compare like for like with prod: `staging.stg_games`, `marts.team_stats`')
  })
})

describe('renderFailure', () => {
  it('replaces the comment with the failure: marker first, the commit, the log link and SQLMesh’s words in a fence', () => {
    const body = renderFailure({
      environment: 'pr_7',
      prodEnvironment: 'prod',
      headSha: 'abcdef1234567890',
      message: 'Audit not_null failed for model staging.stg_games\n```injected fence```',
      runUrl: 'https://github.com/acme/hoops/actions/runs/1',
      earlier: { commit: null, base: null }
    })
    expect(body.split('\n')[0]).toBe('<!-- sqlmesh-action:diff -->')
    expect(body).toContain(
      '**❌ The diff could not run for commit `abcdef1`.** Earlier results no longer apply. The log: https://github.com/acme/hoops/actions/runs/1'
    )
    expect(body).toContain("```text\nAudit not_null failed for model staging.stg_games\n'''injected fence'''\n```")
  })
})

describe('a file list cut at GitHub’s cap', () => {
  const capped = prReport({
    changed: ['chain.c_0000'],
    chain: ['chain.c_0000'],
    diffs: [diffed('chain.c_0000')],
    changedIndirectlyByFiles: ['chain.c_0000'],
    projectFiles: [{ path: 'analytics/macros/m.sql', status: 'modified' }],
    fileList: { listed: 3_000, total: 3_500 }
  })

  it('says the list is incomplete, with the counts, and how to get the whole list', () => {
    expect(section(renderPrSections(capped), 'notes')).toContain(
      "- ⚠️ The list of changed files is incomplete: git history was not available, and GitHub's API listed only 3,000 of 3,500 files (its cap). " +
        "The changed models come from SQLMesh's fingerprints, and nothing here is said from the file list alone. Use `actions/checkout` with `fetch-depth: 0` for the full list."
    )
  })

  it('does not claim a model changed without an edit to its own file: its file may be among those not listed', () => {
    expect(section(renderPrSections(capped), 'notes')).not.toContain('Changed without an edit')
    expect(section(renderPrSections({ ...capped, fileList: null }), 'notes')).toContain(
      '- Changed without an edit to their own file through `analytics/macros/m.sql`: `chain.c_0000`'
    )
  })
})

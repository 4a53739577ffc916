import { describe, it, expect } from '@jest/globals'
import { ACTION_VERSION } from '../../src/version.js'
import {
  BACKFILL_COMMENT_MARKER,
  backfillVerdict,
  completedMarker,
  renderBackfillSections,
  type BackfillReport
} from '../../src/report/backfill-report.js'
import type { Section } from '../../src/report/fit.js'
import { backfillReport, modelBackfill, windowOf } from '../fixtures/builders.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const GAMES = 'staging.stg_games'
const STATS = 'marts.team_stats'
const REPORT = 'marts.report'
const SEED = 'seeds.teams'

function section(sections: readonly Section[], id: string): string {
  const found = sections.find(candidate => candidate.id === id)
  if (!found) throw new Error(`no section '${id}' among ${sections.map(candidate => candidate.id).join(', ')}`)
  return found.text
}

/** The table line of one model. */
function tableRow(report: BackfillReport, model: string): string {
  const line = section(renderBackfillSections(report), 'table')
    .split('\n')
    .find(candidate => candidate.startsWith(`| \`${model}\` |`))
  if (line === undefined) throw new Error(`no table row for ${model}`)
  return line
}

const succeeded = backfillReport({
  rows: [
    modelBackfill(GAMES),
    modelBackfill(STATS),
    modelBackfill(SEED, {
      status: 'skipped',
      interval: null,
      adjustment: null,
      seconds: null,
      rowsBefore: null,
      rowsAfter: null,
      note: 'seed'
    })
  ]
})

const failed = backfillReport({
  requestedEnd: '2024-03-01',
  rows: [
    modelBackfill(GAMES, { status: 'failed', error: 'Binder Error: column "x" not found', seconds: null }),
    modelBackfill(SEED, { status: 'rebuilt' }),
    modelBackfill(STATS, { status: 'not-attempted', note: 'an upstream model failed', seconds: null }),
    modelBackfill(REPORT, { status: 'not-attempted', note: 'an upstream model failed', seconds: null })
  ]
})

describe('completedMarker', () => {
  it('is a hidden comment naming the commit', () => {
    expect(completedMarker(SHA)).toBe(`<!-- sqlmesh-action:backfilled ${SHA} -->`)
  })
})

describe('renderBackfillSections', () => {
  it('puts the comment marker on the first line and the completed marker after it when every model succeeded', () => {
    const header = renderBackfillSections(succeeded).at(0)
    expect(header?.text.split('\n')[0]).toBe(BACKFILL_COMMENT_MARKER)
    expect(header?.text).toBe(
      `<!-- sqlmesh-action:backfill -->\n<!-- sqlmesh-action:backfilled ${SHA} -->\n## SQLMesh backfill after #42`
    )
  })

  it('leaves the completed marker out when a model failed', () => {
    const header = renderBackfillSections(failed).at(0)
    expect(header?.text).toBe('<!-- sqlmesh-action:backfill -->\n## SQLMesh backfill after #42')
    expect(renderBackfillSections(failed).some(candidate => candidate.text.includes('sqlmesh-action:backfilled'))).toBe(
      false
    )
  })

  it('leaves the completed marker out when a model was not attempted, even with no failure', () => {
    const report = backfillReport({ rows: [modelBackfill(GAMES), modelBackfill(STATS, { status: 'not-attempted' })] })
    expect(renderBackfillSections(report)[0]?.text).toBe(
      '<!-- sqlmesh-action:backfill -->\n## SQLMesh backfill after #42'
    )
  })

  it('has no marker at all on a dry run, which is never posted as a comment', () => {
    const report = backfillReport({ dryRun: true, rows: [modelBackfill(GAMES, { status: 'planned', seconds: null })] })
    expect(renderBackfillSections(report)[0]?.text).toBe('## SQLMesh backfill after #42')
  })

  it('lays out the required sections in order: header, verdict, notes, table, one error per failed model, footer', () => {
    const report = { ...failed, notes: ['Deployed 2 models to `prod`.', 'Excluded: `seeds.teams`'] }
    expect(renderBackfillSections(report).map(({ id, required }) => [id, required])).toEqual([
      ['header', true],
      ['verdict', true],
      ['notes', true],
      ['table', true],
      [`error:${GAMES}`, true],
      ['footer', true]
    ])
    expect(section(renderBackfillSections(report), 'notes')).toBe(
      '- Deployed 2 models to `prod`.\n- Excluded: `seeds.teams`'
    )
  })

  it('has no notes section without notes and no error section without errors', () => {
    expect(renderBackfillSections(succeeded).map(({ id }) => id)).toEqual(['header', 'verdict', 'table', 'footer'])
  })

  it('puts the verdict in bold', () => {
    expect(section(renderBackfillSections(succeeded), 'verdict')).toBe(
      '**✅ 2 models rebuilt from 2024-01-01, 1 skipped.**'
    )
  })

  it('has a table header with the duration and row columns right-aligned', () => {
    const lines = section(renderBackfillSections(succeeded), 'table').split('\n')
    expect(lines.slice(0, 2)).toEqual([
      '| Model | Status | Interval | Duration | Rows before → after | Note |',
      '| --- | --- | --- | ---: | ---: | --- |'
    ])
    expect(lines).toHaveLength(5)
  })

  it('shows a rebuilt model with its interval, duration to two decimals, row counts with separators and note', () => {
    const report = backfillReport({
      rows: [
        modelBackfill(GAMES, {
          interval: windowOf('2024-02-01', '2024-03-01'),
          adjustment: 'clamped',
          note: "clamped to the model's own start (2024-02-01)",
          seconds: 12.3456,
          rowsBefore: 1_234_567,
          rowsAfter: 1_250_000
        })
      ]
    })
    expect(tableRow(report, GAMES)).toBe(
      "| `staging.stg_games` | ✅ rebuilt | 2024-02-01 – 2024-02-29 | 12.35s | 1,234,567 → 1,250,000 | clamped to the model's own start (2024-02-01) |"
    )
  })

  it('shows an interval that ends within a day as exclusive timestamps', () => {
    const report = backfillReport({
      rows: [modelBackfill(GAMES, { interval: windowOf('2024-01-01T06:00:00Z', '2024-01-01T18:00:00Z'), seconds: 0 })]
    })
    expect(tableRow(report, GAMES)).toBe(
      '| `staging.stg_games` | ✅ rebuilt | 2024-01-01 06:00:00 – 2024-01-01 18:00:00 (exclusive) | 0.00s | 100 → 100 |  |'
    )
  })

  it('shows — for a missing interval, duration and row counts', () => {
    const report = backfillReport({
      rows: [
        modelBackfill(SEED, {
          status: 'skipped',
          interval: null,
          adjustment: null,
          seconds: null,
          rowsBefore: null,
          rowsAfter: null,
          note: 'seed: its data is its CSV file; its children are restated instead'
        })
      ]
    })
    expect(tableRow(report, SEED)).toBe(
      '| `seeds.teams` | ➖ skipped | — | — | — | seed: its data is its CSV file; its children are restated instead |'
    )
  })

  it('shows — for the one side of the row counts that is missing', () => {
    const report = backfillReport({
      rows: [
        modelBackfill(GAMES, { rowsBefore: null, rowsAfter: 2500 }),
        modelBackfill(STATS, { rowsBefore: 2500, rowsAfter: null })
      ]
    })
    expect(tableRow(report, GAMES)).toContain('| — → 2,500 |')
    expect(tableRow(report, STATS)).toContain('| 2,500 → — |')
  })

  it('labels each status', () => {
    const labels = (['rebuilt', 'failed', 'not-attempted', 'skipped', 'planned'] as const).map(
      status => tableRow(backfillReport({ rows: [modelBackfill(GAMES, { status })] }), GAMES).split(' | ')[1]
    )
    expect(labels).toEqual(['✅ rebuilt', '❌ failed', '⏭️ not attempted', '➖ skipped', '🗓️ planned'])
  })

  it('escapes a note so that it cannot break the table', () => {
    const report = backfillReport({ rows: [modelBackfill(GAMES, { note: 'a | b <c> @team' })] })
    expect(tableRow(report, GAMES).endsWith('| a \\| b &lt;c&gt; @\u200bteam |')).toBe(true)
  })

  it("shows a failed model's error in a text fence, neutralising fences inside it", () => {
    const report = backfillReport({
      rows: [modelBackfill(GAMES, { status: 'failed', error: 'Parse error near:\n```sql\nSELECT 1\n```' })]
    })
    expect(section(renderBackfillSections(report), `error:${GAMES}`)).toBe(
      "**`staging.stg_games` failed:**\n\n```text\nParse error near:\n'''sql\nSELECT 1\n'''\n```"
    )
  })

  it('cuts an error to 4000 characters', () => {
    const report = backfillReport({ rows: [modelBackfill(GAMES, { status: 'failed', error: 'x'.repeat(5000) })] })
    const text = section(renderBackfillSections(report), `error:${GAMES}`)
    expect(text).toBe(`**\`staging.stg_games\` failed:**\n\n\`\`\`text\n${'x'.repeat(4000)}\n\`\`\``)
  })

  it('ends with a footer naming the SQLMesh version, the environment and the short commit', () => {
    expect(section(renderBackfillSections(succeeded), 'footer')).toBe(
      `<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh 0.236.1 · environment \`prod\` · commit \`0123456\`</sub>`
    )
  })
})

describe('backfillVerdict', () => {
  it('says there is nothing to backfill when no model is affected', () => {
    expect(backfillVerdict(backfillReport())).toBe('✅ Nothing to backfill: no model of the project is affected.')
  })

  it('counts the planned models of a dry run, with the range', () => {
    const report = backfillReport({
      dryRun: true,
      requestedEnd: '2024-03-01',
      rows: [
        modelBackfill(GAMES, { status: 'planned' }),
        modelBackfill(STATS, { status: 'planned' }),
        modelBackfill(SEED, { status: 'skipped' })
      ]
    })
    expect(backfillVerdict(report)).toBe(
      '🗓️ Dry run: 2 models would be rebuilt from 2024-01-01 to 2024-03-01; nothing was applied.'
    )
  })

  it('counts the rebuilt and skipped models of a success', () => {
    expect(backfillVerdict(succeeded)).toBe('✅ 2 models rebuilt from 2024-01-01, 1 skipped.')
  })

  it('leaves the skipped count out when nothing was skipped', () => {
    const report = backfillReport({ requestedEnd: '2024-03-01', rows: [modelBackfill(GAMES), modelBackfill(STATS)] })
    expect(backfillVerdict(report)).toBe('✅ 2 models rebuilt from 2024-01-01 to 2024-03-01.')
  })

  it('counts rebuilt, failed and not attempted models of a failure', () => {
    expect(backfillVerdict(failed)).toBe(
      '❌ Backfill failed: 1 rebuilt, 1 failed, 2 not attempted (from 2024-01-01 to 2024-03-01).'
    )
  })

  // SQLMesh's apply can fail without naming a model: every model is then not attempted, and that is a failure.
  it('reports a failure when models were not attempted though none is marked failed', () => {
    const report = backfillReport({
      rows: [
        modelBackfill(GAMES, { status: 'not-attempted', note: 'an upstream model failed', seconds: null }),
        modelBackfill(STATS, { status: 'not-attempted', note: 'an upstream model failed', seconds: null })
      ]
    })
    expect(backfillVerdict(report)).toMatch(/^❌ Backfill failed: 0 rebuilt, 0 failed, 2 not attempted/)
  })
})

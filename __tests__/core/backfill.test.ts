import { describe, it, expect } from '@jest/globals'
import {
  backfillRows,
  clampToModelStart,
  rangeAdjustment,
  selectRestatementRoots,
  type BackfillSettings,
  type ModelBackfillSetting
} from '../../src/core/backfill.js'
import { ModelGraph } from '../../src/core/graph.js'
import type { ModelInfo } from '../../src/core/types.js'
import { at, dependsOn, modelInfo, restatementOutcome, windowOf } from '../fixtures/builders.js'

const SEED = 'seed.teams'
const EXTERNAL = 'ext.raw_games'
const GAMES = 'stg.games'
const TEAMS = 'stg.teams'
const STATS = 'mart.team_stats'
const REPORT = 'mart.report'
const STANDALONE = 'mart.standalone'

const DEFAULT_START = '2024-01-01'

/**
 * ext.raw_games -> stg.games ----\
 * seed.teams -> stg.teams ---------> mart.team_stats -> mart.report
 * seed.teams ---------------------/
 * mart.standalone (reads nothing of the project)
 */
function project(overrides: Partial<Record<string, Partial<ModelInfo>>> = {}): ModelGraph {
  const model = (name: string, defaults: Partial<ModelInfo> = {}): ModelInfo =>
    modelInfo(name, { ...defaults, ...overrides[name] })
  return new ModelGraph([
    model(SEED, { kind: 'SEED', seedPath: 'seeds/teams.csv' }),
    model(EXTERNAL, { kind: 'EXTERNAL', isExternal: true, path: 'external_models.yaml' }),
    model(GAMES, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'game_date', ...dependsOn(EXTERNAL) }),
    model(TEAMS, dependsOn(SEED)),
    model(STATS, dependsOn(GAMES, TEAMS, SEED)),
    model(REPORT, dependsOn(STATS)),
    model(STANDALONE)
  ])
}

function settingsOf(entries: Record<string, Partial<ModelBackfillSetting>>): BackfillSettings {
  return new Map(
    Object.entries(entries).map(([name, setting]) => [name, { backfill: true, startDate: null, ...setting }])
  )
}

const SEED_REASON = 'seed: its data is its CSV file; its children are restated instead'
const EXTERNAL_REASON = 'external table: not built by SQLMesh; its children are restated instead'
const DISABLED_REASON = 'backfill: false in the backfill settings file'

describe('selectRestatementRoots', () => {
  it('restates only the changed models with no changed ancestor, since SQLMesh cascades downstream', () => {
    expect(selectRestatementRoots([REPORT, STATS, GAMES], project(), DEFAULT_START)).toEqual({
      groups: [{ start: DEFAULT_START, models: [GAMES] }],
      excluded: []
    })
  })

  it('keeps every independent root, in dependency order', () => {
    expect(selectRestatementRoots([TEAMS, STANDALONE, GAMES, REPORT], project(), DEFAULT_START)).toEqual({
      groups: [{ start: DEFAULT_START, models: [STANDALONE, GAMES, TEAMS] }],
      excluded: []
    })
  })

  it('excludes a changed seed with its reason and restates its children instead', () => {
    // seed.teams feeds stg.teams and mart.team_stats; mart.team_stats reads stg.teams, so only stg.teams is a root.
    expect(selectRestatementRoots([SEED], project(), DEFAULT_START)).toEqual({
      groups: [{ start: DEFAULT_START, models: [TEAMS] }],
      excluded: [{ model: SEED, reason: SEED_REASON }]
    })
  })

  it('lists a seed once even when its child is changed too', () => {
    expect(selectRestatementRoots([SEED, TEAMS], project(), DEFAULT_START)).toEqual({
      groups: [{ start: DEFAULT_START, models: [TEAMS] }],
      excluded: [{ model: SEED, reason: SEED_REASON }]
    })
  })

  it('excludes a changed external model with its reason and restates its children instead', () => {
    expect(selectRestatementRoots([EXTERNAL], project(), DEFAULT_START)).toEqual({
      groups: [{ start: DEFAULT_START, models: [GAMES] }],
      excluded: [{ model: EXTERNAL, reason: EXTERNAL_REASON }]
    })
  })

  it('excludes a model with backfill: false, and its changed child becomes a root', () => {
    const settings = settingsOf({ [GAMES]: { backfill: false } })
    expect(selectRestatementRoots([GAMES], project(), DEFAULT_START, settings)).toEqual({
      groups: [],
      excluded: [{ model: GAMES, reason: DISABLED_REASON }]
    })
    expect(selectRestatementRoots([GAMES, STATS], project(), DEFAULT_START, settings)).toEqual({
      groups: [{ start: DEFAULT_START, models: [STATS] }],
      excluded: [{ model: GAMES, reason: DISABLED_REASON }]
    })
  })

  it('excludes a seed child that has backfill: false, next to the seed itself', () => {
    const settings = settingsOf({ [TEAMS]: { backfill: false } })
    expect(selectRestatementRoots([SEED], project(), DEFAULT_START, settings)).toEqual({
      groups: [{ start: DEFAULT_START, models: [STATS] }],
      excluded: [
        { model: SEED, reason: SEED_REASON },
        { model: TEAMS, reason: DISABLED_REASON }
      ]
    })
  })

  it('splits the roots into one group per start date, the default start for roots without their own', () => {
    const settings = settingsOf({ [TEAMS]: { startDate: '2025-06-01' }, [GAMES]: { startDate: null } })
    expect(selectRestatementRoots([GAMES, TEAMS, STANDALONE], project(), DEFAULT_START, settings)).toEqual({
      groups: [
        { start: DEFAULT_START, models: [STANDALONE, GAMES] },
        { start: '2025-06-01', models: [TEAMS] }
      ],
      excluded: []
    })
  })

  it('puts roots that share a start date into one group, in dependency order', () => {
    const settings = settingsOf({ [TEAMS]: { startDate: '2025-06-01' }, [STANDALONE]: { startDate: '2025-06-01' } })
    expect(selectRestatementRoots([TEAMS, GAMES, STANDALONE], project(), DEFAULT_START, settings).groups).toEqual([
      { start: '2025-06-01', models: [STANDALONE, TEAMS] },
      { start: DEFAULT_START, models: [GAMES] }
    ])
  })

  it('ignores the start date of a model that is not a root (the restatement cascades from its ancestor)', () => {
    const settings = settingsOf({ [STATS]: { startDate: '2025-06-01' } })
    expect(selectRestatementRoots([GAMES, STATS], project(), DEFAULT_START, settings).groups).toEqual([
      { start: DEFAULT_START, models: [GAMES] }
    ])
  })

  it('ignores changed names that are not models of the graph', () => {
    expect(selectRestatementRoots(['staging.deleted_model', GAMES], project(), DEFAULT_START)).toEqual({
      groups: [{ start: DEFAULT_START, models: [GAMES] }],
      excluded: []
    })
    expect(selectRestatementRoots(['staging.deleted_model'], project(), DEFAULT_START)).toEqual({
      groups: [],
      excluded: []
    })
  })
})

describe('rangeAdjustment', () => {
  const requested = at('2024-01-01')

  it('is as-requested when SQLMesh plans from the requested start', () => {
    expect(rangeAdjustment(requested, windowOf('2024-01-01', '2024-03-01'))).toBe('as-requested')
  })

  it('is clamped when SQLMesh plans from a later start', () => {
    expect(rangeAdjustment(requested, windowOf('2024-02-01', '2024-03-01'))).toBe('clamped')
  })

  it('is widened when SQLMesh plans from an earlier start', () => {
    expect(rangeAdjustment(requested, windowOf('2023-01-01', '2024-03-01'))).toBe('widened')
  })
})

describe('clampToModelStart', () => {
  const planned = windowOf('2024-01-01', '2024-03-01')

  it('keeps the planned range when the model has no start of its own', () => {
    expect(clampToModelStart(planned, null)).toBe(planned)
  })

  it('keeps the planned range when the model starts before it', () => {
    expect(clampToModelStart(planned, at('2023-06-01'))).toBe(planned)
    expect(clampToModelStart(planned, at('2024-01-01'))).toBe(planned)
  })

  it('moves the start to the model start when that falls inside the range', () => {
    expect(clampToModelStart(planned, at('2024-02-01'))).toEqual(windowOf('2024-02-01', '2024-03-01'))
  })

  it('empties the range at its end when the model starts after it', () => {
    expect(clampToModelStart(planned, at('2024-06-01'))).toEqual(windowOf('2024-03-01', '2024-03-01'))
  })
})

describe('backfillRows', () => {
  const END = '2024-03-01'

  it('marks every planned model of a dry run as planned, with the interval and no durations or row counts', () => {
    const graph = project({ [STATS]: { kind: 'FULL' } })
    const outcome = restatementOutcome({
      applied: false,
      planned: new Map([
        [GAMES, windowOf(DEFAULT_START, END)],
        [STATS, windowOf('2023-01-01', END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      rowsBefore: new Map([[GAMES, 500]])
    })
    expect(backfillRows(graph.affectedChain([GAMES]), graph, [outcome], [])).toEqual([
      {
        model: GAMES,
        status: 'planned',
        interval: windowOf(DEFAULT_START, END),
        adjustment: 'as-requested',
        note: '',
        seconds: null,
        rowsBefore: null,
        rowsAfter: null,
        error: null
      },
      {
        model: STATS,
        status: 'planned',
        interval: windowOf('2023-01-01', END),
        adjustment: 'widened',
        note: 'widened: a FULL model can only rebuild all of its history',
        seconds: null,
        rowsBefore: null,
        rowsAfter: null,
        error: null
      },
      {
        model: REPORT,
        status: 'planned',
        interval: windowOf(DEFAULT_START, END),
        adjustment: 'as-requested',
        note: '',
        seconds: null,
        rowsBefore: null,
        rowsAfter: null,
        error: null
      }
    ])
  })

  it('reports each rebuilt model with its seconds and rows, noting a clamped and a widened range', () => {
    const graph = project({
      [GAMES]: { start: '2024-02-01', startMs: at('2024-02-01') },
      [STATS]: { kind: 'VIEW' }
    })
    const outcome = restatementOutcome({
      planned: new Map([
        [GAMES, windowOf(DEFAULT_START, END)],
        [STATS, windowOf('2022-07-01', END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      evaluated: new Map([
        [GAMES, 12.5],
        [STATS, 0.25],
        [REPORT, 3]
      ]),
      rowsBefore: new Map<string, number | null>([
        [GAMES, 1000],
        [STATS, 40],
        [REPORT, null]
      ]),
      rowsAfter: new Map<string, number | null>([
        [GAMES, 1200],
        [STATS, 41],
        [REPORT, 7]
      ])
    })
    expect(backfillRows(graph.affectedChain([GAMES]), graph, [outcome], [])).toEqual([
      {
        model: GAMES,
        status: 'rebuilt',
        interval: windowOf('2024-02-01', END),
        adjustment: 'clamped',
        note: "clamped to the model's own start (2024-02-01)",
        seconds: 12.5,
        rowsBefore: 1000,
        rowsAfter: 1200,
        error: null
      },
      {
        model: STATS,
        status: 'rebuilt',
        interval: windowOf('2022-07-01', END),
        adjustment: 'widened',
        note: 'widened: a VIEW model can only rebuild all of its history',
        seconds: 0.25,
        rowsBefore: 40,
        rowsAfter: 41,
        error: null
      },
      {
        model: REPORT,
        status: 'rebuilt',
        interval: windowOf(DEFAULT_START, END),
        adjustment: 'as-requested',
        note: '',
        seconds: 3,
        rowsBefore: null,
        rowsAfter: 7,
        error: null
      }
    ])
  })

  it('notes a clamp without a date when the model start has no text form', () => {
    const graph = project({ [GAMES]: { start: null, startMs: at('2024-02-01') } })
    const outcome = restatementOutcome({
      planned: new Map([[GAMES, windowOf(DEFAULT_START, END)]]),
      evaluated: new Map([[GAMES, 1]])
    })
    const row = backfillRows([GAMES], graph, [outcome], []).at(0)
    expect(row?.note).toBe("clamped to the model's own start")
    expect(row?.interval).toEqual(windowOf('2024-02-01', END))
  })

  it('stops at a failed model: it is failed with the error, everything downstream not attempted, independent models rebuilt', () => {
    const graph = project()
    const error = 'Binder Error: Referenced column "home_score" not found'
    const outcome = restatementOutcome({
      planned: new Map([
        [GAMES, windowOf(DEFAULT_START, END)],
        [TEAMS, windowOf(DEFAULT_START, END)],
        [STATS, windowOf(DEFAULT_START, END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      evaluated: new Map([[TEAMS, 0.5]]),
      failed: new Map([[GAMES, error]]),
      // SQLMesh names only the direct child; mart.report is found through the graph.
      skipped: new Set([STATS]),
      rowsBefore: new Map([
        [GAMES, 1000],
        [TEAMS, 30],
        [STATS, 40],
        [REPORT, 4]
      ]),
      rowsAfter: new Map([
        [GAMES, 1000],
        [TEAMS, 32],
        [STATS, 40],
        [REPORT, 4]
      ]),
      error: 'Plan application failed.'
    })
    const rows = backfillRows(graph.affectedChain([GAMES, TEAMS]), graph, [outcome], [])
    expect(rows.map(row => [row.model, row.status, row.note, row.error])).toEqual([
      [GAMES, 'failed', '', error],
      [TEAMS, 'rebuilt', '', null],
      [STATS, 'not-attempted', 'an upstream model failed', null],
      [REPORT, 'not-attempted', 'an upstream model failed', null]
    ])
    expect(rows[0]).toEqual({
      model: GAMES,
      status: 'failed',
      interval: windowOf(DEFAULT_START, END),
      adjustment: 'as-requested',
      note: '',
      seconds: null,
      rowsBefore: 1000,
      rowsAfter: 1000,
      error
    })
    expect(rows[1]).toMatchObject({ seconds: 0.5, rowsBefore: 30, rowsAfter: 32 })
    expect(rows[3]).toMatchObject({
      seconds: null,
      interval: windowOf(DEFAULT_START, END),
      rowsBefore: 4,
      rowsAfter: 4
    })
  })

  it('marks a model SQLMesh reports as skipped not attempted even when no parent failed in the chain', () => {
    const graph = project()
    const outcome = restatementOutcome({
      planned: new Map([
        [STATS, windowOf(DEFAULT_START, END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      evaluated: new Map([[STATS, 1]]),
      skipped: new Set([REPORT])
    })
    expect(backfillRows([STATS, REPORT], graph, [outcome], []).map(row => [row.model, row.status, row.note])).toEqual([
      [STATS, 'rebuilt', ''],
      [REPORT, 'not-attempted', 'an upstream model failed']
    ])
  })

  it('skips a model with restatement disabled, saying so', () => {
    const graph = project({ [STATS]: { restatementDisabled: true } })
    const outcome = restatementOutcome({
      planned: new Map([
        [GAMES, windowOf(DEFAULT_START, END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      evaluated: new Map([
        [GAMES, 1],
        [REPORT, 2]
      ])
    })
    const rows = backfillRows(graph.affectedChain([GAMES]), graph, [outcome], [])
    expect(rows[1]).toEqual({
      model: STATS,
      status: 'skipped',
      interval: null,
      adjustment: null,
      note: 'restatement disabled on the model (disable_restatement)',
      seconds: null,
      rowsBefore: null,
      rowsAfter: null,
      error: null
    })
    expect(rows.map(row => row.status)).toEqual(['rebuilt', 'skipped', 'rebuilt'])
  })

  it('skips an excluded seed with the seed reason and reports its children', () => {
    const graph = project()
    const selection = selectRestatementRoots([SEED], graph, DEFAULT_START)
    const outcome = restatementOutcome({
      planned: new Map([
        [TEAMS, windowOf(DEFAULT_START, END)],
        [STATS, windowOf(DEFAULT_START, END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      evaluated: new Map([
        [TEAMS, 1],
        [STATS, 2],
        [REPORT, 3]
      ])
    })
    const rows = backfillRows(graph.affectedChain([SEED]), graph, [outcome], selection.excluded)
    expect(rows.map(row => [row.model, row.status, row.note])).toEqual([
      [SEED, 'skipped', SEED_REASON],
      [TEAMS, 'rebuilt', ''],
      [STATS, 'rebuilt', ''],
      [REPORT, 'rebuilt', '']
    ])
    expect(rows[0]).toMatchObject({
      interval: null,
      adjustment: null,
      seconds: null,
      rowsBefore: null,
      rowsAfter: null
    })
  })

  it('skips a model SQLMesh planned nothing for, saying so', () => {
    const graph = project()
    const [row] = backfillRows([STANDALONE], graph, [restatementOutcome()], [])
    expect(row).toMatchObject({
      model: STANDALONE,
      status: 'skipped',
      note: 'SQLMesh planned no interval to rebuild',
      interval: null
    })
  })

  it('marks the models of a group run after a failed group not attempted', () => {
    // The flow turns a restatement that follows a failed one into a dry run reported as applied with an error.
    const graph = project()
    const first = restatementOutcome({
      planned: new Map([
        [GAMES, windowOf(DEFAULT_START, END)],
        [STATS, windowOf(DEFAULT_START, END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      failed: new Map([[GAMES, 'boom']]),
      skipped: new Set([STATS]),
      error: 'boom'
    })
    const second = restatementOutcome({
      requestedStart: at('2025-01-01'),
      planned: new Map([[STANDALONE, windowOf('2025-01-01', END)]]),
      error: 'not attempted: an earlier restatement failed'
    })
    const rows = backfillRows(graph.affectedChain([GAMES, STANDALONE]), graph, [first, second], [])
    expect(rows.map(row => [row.model, row.status])).toEqual([
      [STANDALONE, 'not-attempted'],
      [GAMES, 'failed'],
      [STATS, 'not-attempted'],
      [REPORT, 'not-attempted']
    ])
    expect(rows[0]).toEqual({
      model: STANDALONE,
      status: 'not-attempted',
      interval: windowOf('2025-01-01', END),
      adjustment: 'as-requested',
      note: 'not attempted: an earlier restatement failed',
      seconds: null,
      rowsBefore: null,
      rowsAfter: null,
      error: null
    })
  })

  // A model downstream of two roots with different start dates is restated by both groups: the worst outcome counts.
  it('reports a failure of a model in a later group that an earlier group rebuilt', () => {
    const graph = project()
    const first = restatementOutcome({
      planned: new Map([
        [GAMES, windowOf(DEFAULT_START, END)],
        [STATS, windowOf(DEFAULT_START, END)],
        [REPORT, windowOf(DEFAULT_START, END)]
      ]),
      evaluated: new Map([
        [GAMES, 1],
        [STATS, 1],
        [REPORT, 1]
      ])
    })
    const second = restatementOutcome({
      requestedStart: at('2024-02-01'),
      planned: new Map([
        [TEAMS, windowOf('2024-02-01', END)],
        [STATS, windowOf('2024-02-01', END)],
        [REPORT, windowOf('2024-02-01', END)]
      ]),
      evaluated: new Map([[TEAMS, 1]]),
      failed: new Map([[STATS, 'Out of memory']]),
      skipped: new Set([REPORT]),
      error: 'Out of memory'
    })
    const rows = backfillRows(graph.affectedChain([GAMES, TEAMS]), graph, [first, second], [])
    expect(rows.map(row => [row.model, row.status, row.error])).toEqual([
      [GAMES, 'rebuilt', null],
      [TEAMS, 'rebuilt', null],
      [STATS, 'failed', 'Out of memory'],
      [REPORT, 'not-attempted', null]
    ])
  })
})

import { describe, it, expect } from '@jest/globals'
import {
  parseDiff,
  parseEnvironment,
  parseFingerprintChanges,
  parseModels,
  parseRestatement,
  type RawDiff,
  type RawModel,
  type RawRestatement
} from '../../src/sqlmesh/parse.js'

function rawModel(overrides: Partial<RawModel> = {}): RawModel {
  return {
    name: 'marts.team_stats',
    fqn: '"warehouse"."marts"."team_stats"',
    path: '/repo/models/team_stats.sql',
    kind: 'INCREMENTAL_BY_TIME_RANGE',
    is_external: false,
    seed_path: null,
    time_column: 'game_date',
    grain: ['game_id', 'team'],
    depends_on: ['"warehouse"."staging"."stg_games"'],
    start: '2024-01-01',
    start_ms: 1_704_067_200_000,
    restatement_disabled: true,
    ...overrides
  }
}

describe('parseModels', () => {
  it('turns the bridge JSON into model info, one join column per grain entry', () => {
    expect(parseModels([rawModel()])).toEqual([
      {
        name: 'marts.team_stats',
        fqn: '"warehouse"."marts"."team_stats"',
        path: '/repo/models/team_stats.sql',
        kind: 'INCREMENTAL_BY_TIME_RANGE',
        isExternal: false,
        seedPath: null,
        timeColumn: 'game_date',
        grain: ['game_id', 'team'],
        dependsOn: ['"warehouse"."staging"."stg_games"'],
        start: '2024-01-01',
        startMs: 1_704_067_200_000,
        restatementDisabled: true,
        dependsOnSelf: false,
        fromDbt: false
      }
    ])
  })

  it('keeps a single-column grain and a grain given as several entries', () => {
    const models = parseModels([
      rawModel({ grain: ['game_id'] }),
      rawModel({ grain: ['game_id', 'team'] }),
      rawModel({ grain: [] })
    ])
    const [single, several, none] = [models.at(0), models.at(1), models.at(2)]
    expect(single?.grain).toEqual(['game_id'])
    expect(several?.grain).toEqual(['game_id', 'team'])
    expect(none?.grain).toEqual([])
  })

  it('maps seed and external models', () => {
    const models = parseModels([
      rawModel({ kind: 'SEED', seed_path: '/repo/seeds/games.csv', time_column: null }),
      rawModel({ kind: 'EXTERNAL', is_external: true, path: '/repo/external_models.yaml' })
    ])
    const [seed, external] = [models.at(0), models.at(1)]
    expect(seed?.seedPath).toBe('/repo/seeds/games.csv')
    expect(seed?.timeColumn).toBeNull()
    expect(external?.isExternal).toBe(true)
    expect(external?.path).toBe('/repo/external_models.yaml')
  })
})

describe('parseFingerprintChanges', () => {
  it('keeps the lists as SQLMesh gives them', () => {
    expect(
      parseFingerprintChanges({
        environment_exists: true,
        directly_modified: ['"w"."s"."a"'],
        indirectly_modified: ['"w"."s"."b"'],
        added: ['"w"."s"."c"'],
        removed: ['"w"."s"."d"']
      })
    ).toEqual({
      environmentExists: true,
      directlyModified: ['"w"."s"."a"'],
      indirectlyModified: ['"w"."s"."b"'],
      added: ['"w"."s"."c"'],
      removed: ['"w"."s"."d"']
    })
  })
})

describe('parseEnvironment', () => {
  it('is null when the environment does not exist', () => {
    expect(parseEnvironment({ exists: false, models: {} }, false)).toBeNull()
  })

  it('prefers dev_intervals in a dev environment, which is where it records its own backfills', () => {
    const env = parseEnvironment(
      {
        exists: true,
        models: {
          '"w"."s"."a"': {
            fingerprint: 'fp-a',
            version: 'v-a',
            forward_only: true,
            intervals: [[0, 86_400_000]],
            dev_intervals: [
              [1_704_067_200_000, 1_704_153_600_000],
              [1_704_153_600_000, 1_704_240_000_000]
            ]
          }
        }
      },
      false
    )
    expect(env?.get('"w"."s"."a"')).toEqual({
      fingerprint: 'fp-a',
      version: 'v-a',
      forwardOnly: true,
      intervals: [
        { start: 1_704_067_200_000, end: 1_704_153_600_000 },
        { start: 1_704_153_600_000, end: 1_704_240_000_000 }
      ]
    })
  })

  it('falls back to intervals when there are no dev intervals', () => {
    const env = parseEnvironment(
      {
        exists: true,
        models: {
          '"w"."s"."a"': {
            fingerprint: 'fp',
            version: 'v',
            forward_only: false,
            intervals: [[0, 86_400_000]],
            dev_intervals: []
          },
          '"w"."s"."b"': { fingerprint: 'fp', version: 'v', forward_only: false, intervals: [], dev_intervals: [] }
        }
      },
      false
    )
    expect(env?.size).toBe(2)
    expect(env?.get('"w"."s"."a"')?.intervals).toEqual([{ start: 0, end: 86_400_000 }])
    expect(env?.get('"w"."s"."b"')?.intervals).toEqual([])
  })

  it('is an empty snapshot for an environment that exists but holds no model', () => {
    expect(parseEnvironment({ exists: true, models: {} }, false)?.size).toBe(0)
  })
})

describe('parseEnvironment for prod', () => {
  it('reads only the promoted intervals, even where dev intervals linger from a preview', () => {
    const env = parseEnvironment(
      {
        exists: true,
        models: {
          '"w"."s"."a"': {
            fingerprint: 'fp',
            version: 'v',
            forward_only: true,
            intervals: [[0, 172_800_000]],
            dev_intervals: [[86_400_000, 172_800_000]]
          }
        }
      },
      true
    )
    expect(env?.get('"w"."s"."a"')?.intervals).toEqual([{ start: 0, end: 172_800_000 }])
  })
})

describe('parseDiff', () => {
  const raw: RawDiff = {
    diffed: true,
    method: 'grain',
    grain_problem: null,
    grain: ['game_id', 'team'],
    schema: {
      added: [['overtime', 'BOOLEAN']],
      removed: [['legacy_id', 'INT']],
      modified: [['points', 'INT', 'BIGINT']]
    },
    stats: {
      s_count: 2380,
      t_count: 2346,
      s_only_count: 34,
      t_only_count: 0,
      join_count: 2346,
      full_match_count: 2301
    },
    column_match_pct: { points: 98.08, margin: 100 }
  }

  it('is null when SQLMesh did not diff the model', () => {
    expect(parseDiff({ diffed: false })).toBeNull()
  })

  it('computes changed rows as join_count - full_match_count', () => {
    expect(parseDiff(raw)?.rows).toEqual({
      prod: 2380,
      pr: 2346,
      onlyInProd: 34,
      onlyInPr: 0,
      matched: 2346,
      changed: 45
    })
  })

  it('maps the schema diff and the per-column match', () => {
    const parsed = parseDiff(raw)
    expect(parsed?.grain).toEqual(['game_id', 'team'])
    expect(parsed?.schema).toEqual({
      added: [{ column: 'overtime', type: 'BOOLEAN' }],
      removed: [{ column: 'legacy_id', type: 'INT' }],
      retyped: [{ column: 'points', from: 'INT', to: 'BIGINT' }]
    })
    expect(parsed?.columns).toEqual([
      { column: 'points', matchPct: 98.08 },
      { column: 'margin', matchPct: 100 }
    ])
    expect(parsed && 'samples' in parsed).toBe(false)
  })

  it('rounds counts that come as floats and reads missing counts as 0', () => {
    const parsed = parseDiff({ ...raw, stats: { s_count: 10.0000001, t_count: 9.9999999, join_count: 9 } })
    expect(parsed?.rows).toEqual({ prod: 10, pr: 10, onlyInProd: 0, onlyInPr: 0, matched: 9, changed: 9 })
  })

  it('leaves changed rows out of a whole-row comparison, which has no key to match them on', () => {
    const parsed = parseDiff({
      ...raw,
      method: 'whole-rows',
      grain: [],
      stats: { s_count: 10, t_count: 8, s_only_count: 3, t_only_count: 1, join_count: 7, full_match_count: 7 }
    })
    expect(parsed?.method).toBe('whole-rows')
    expect(parsed?.rows).toEqual({ prod: 10, pr: 8, onlyInProd: 3, onlyInPr: 1, matched: 7, changed: null })
  })

  it('maps a grain that is not unique, prod side first', () => {
    const parsed = parseDiff({
      ...raw,
      method: 'whole-rows',
      grain_problem: {
        kind: 'not-unique',
        duplicate_keys: { source: 4, target: 5 },
        null_key_rows: { source: 0, target: 1 }
      }
    })
    expect(parsed?.grainProblem).toEqual({
      kind: 'not-unique',
      duplicateKeys: { prod: 4, pr: 5 },
      nullKeyRows: { prod: 0, pr: 1 }
    })
  })

  it('maps sample rows, prod side first', () => {
    const parsed = parseDiff({
      ...raw,
      samples: { source_only: [{ game_id: 1 }], target_only: [{ game_id: 2 }], changed: [{ game_id: 3 }] }
    })
    expect(parsed?.samples).toEqual({
      onlyInProd: [{ game_id: 1 }],
      onlyInPr: [{ game_id: 2 }],
      changed: [{ game_id: 3 }]
    })
  })
})

describe('parseRestatement', () => {
  const GAMES = '"warehouse"."staging"."stg_games"'
  const STATS = '"warehouse"."marts"."team_stats"'
  const REPORT = '"warehouse"."marts"."report"'
  const names = new Map([
    [GAMES, 'staging.stg_games'],
    [STATS, 'marts.team_stats'],
    [REPORT, 'marts.report']
  ])
  const nameOf = (fqn: string): string => names.get(fqn) ?? fqn
  const JAN_1 = 1_704_067_200_000
  const FEB_1 = 1_706_745_600_000
  const MAR_1 = 1_709_251_200_000

  it('maps every per-model result from fully-qualified names to model names', () => {
    const raw: RawRestatement = {
      planned: { [GAMES]: [FEB_1, MAR_1], [STATS]: [JAN_1, MAR_1], [REPORT]: [JAN_1, MAR_1] },
      has_local_changes: false,
      rows_before: { [GAMES]: 1000, [STATS]: 40, [REPORT]: null },
      rows_after: { [GAMES]: 1200, [STATS]: 40, [REPORT]: null },
      evaluated: { [GAMES]: 12.5 },
      failed: [{ model: STATS, error: 'Binder Error: column "x" not found' }],
      skipped: [REPORT],
      error: 'Plan application failed.',
      seconds: 14.2
    }
    const outcome = parseRestatement(raw, nameOf, JAN_1, true)
    expect(outcome).toEqual({
      requestedStart: JAN_1,
      planned: new Map([
        ['staging.stg_games', { start: FEB_1, end: MAR_1 }],
        ['marts.team_stats', { start: JAN_1, end: MAR_1 }],
        ['marts.report', { start: JAN_1, end: MAR_1 }]
      ]),
      applied: true,
      evaluated: new Map([['staging.stg_games', 12.5]]),
      failed: new Map([['marts.team_stats', 'Binder Error: column "x" not found']]),
      skipped: new Set(['marts.report']),
      rowsBefore: new Map<string, number | null>([
        ['staging.stg_games', 1000],
        ['marts.team_stats', 40],
        ['marts.report', null]
      ]),
      rowsAfter: new Map<string, number | null>([
        ['staging.stg_games', 1200],
        ['marts.team_stats', 40],
        ['marts.report', null]
      ]),
      error: 'Plan application failed.'
    })
    // In the order SQLMesh listed them.
    expect([...outcome.planned.keys()]).toEqual(['staging.stg_games', 'marts.team_stats', 'marts.report'])
    expect([...outcome.rowsAfter.keys()]).toEqual(['staging.stg_games', 'marts.team_stats', 'marts.report'])
  })

  it('keeps the requested start and whether the restatement was applied, as given', () => {
    const raw: RawRestatement = { planned: {}, has_local_changes: false, error: null }
    expect(parseRestatement(raw, nameOf, FEB_1, false)).toMatchObject({ requestedStart: FEB_1, applied: false })
    expect(parseRestatement(raw, nameOf, JAN_1, true)).toMatchObject({ requestedStart: JAN_1, applied: true })
  })

  it('reads a dry run, which only plans, as empty results and a null error', () => {
    const outcome = parseRestatement(
      { planned: { [GAMES]: [JAN_1, MAR_1] }, has_local_changes: false },
      nameOf,
      JAN_1,
      false
    )
    expect(outcome.planned).toEqual(new Map([['staging.stg_games', { start: JAN_1, end: MAR_1 }]]))
    expect(outcome.evaluated.size).toBe(0)
    expect(outcome.failed.size).toBe(0)
    expect(outcome.skipped.size).toBe(0)
    expect(outcome.rowsBefore.size).toBe(0)
    expect(outcome.rowsAfter.size).toBe(0)
    expect(outcome.error).toBeNull()
  })

  it('keeps an FQN that the name lookup leaves as it is', () => {
    const outcome = parseRestatement(
      { planned: { '"warehouse"."raw"."events"': [JAN_1, FEB_1] }, has_local_changes: false },
      nameOf,
      JAN_1,
      false
    )
    expect([...outcome.planned.keys()]).toEqual(['"warehouse"."raw"."events"'])
  })
})

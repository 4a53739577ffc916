import { describe, it, expect } from '@jest/globals'
import {
  historyDependent,
  partialHistory,
  planDiffs,
  type DiffDecision,
  type DiffPlanInput
} from '../../src/core/diff-plan.js'
import { ModelGraph } from '../../src/core/graph.js'
import type { EnvironmentModel, ModelInfo } from '../../src/core/types.js'
import { dependsOn, envModel, fqnOf, modelInfo, windowOf } from '../fixtures/builders.js'

const STG = 'staging.stg_games'
const MART = 'marts.team_stats'

interface Setup {
  readonly models?: readonly ModelInfo[]
  readonly prod?: Readonly<Record<string, EnvironmentModel>>
  readonly pr?: Readonly<Record<string, EnvironmentModel>>
  readonly changed?: readonly string[]
  readonly scope?: DiffPlanInput['scope']
}

function snapshot(byName: Readonly<Record<string, EnvironmentModel>>): Map<string, EnvironmentModel> {
  return new Map(Object.entries(byName).map(([name, model]) => [fqnOf(name), model]))
}

/** Plans one model (STG unless another is named) and returns its decision. */
function decide(setup: Setup, model = STG): DiffDecision {
  const models = setup.models ?? [modelInfo(STG), modelInfo(MART, dependsOn(STG))]
  const [decision] = planDiffs({
    chain: [model],
    changed: new Set(setup.changed ?? [STG]),
    scope: setup.scope ?? 'affected',
    graph: new ModelGraph(models),
    prod: snapshot(setup.prod ?? {}),
    pr: snapshot(setup.pr ?? {})
  })
  return decision
}

const prodSide = envModel({ fingerprint: 'fp-prod', version: 'v-prod' })
const breaking = envModel({ fingerprint: 'fp-pr', version: 'v-pr' })

function skipOf(decision: DiffDecision): { reason: string; detail: string } {
  if (decision.action !== 'skip' || decision.result.status !== 'not-diffed')
    throw new Error(`expected a skip, got ${JSON.stringify(decision)}`)
  return { reason: decision.result.reason, detail: decision.result.detail }
}

describe('planDiffs', () => {
  it('diffs a changed model whose PR version differs from prod, over all rows when it is not time-ranged', () => {
    expect(decide({ prod: { [STG]: prodSide }, pr: { [STG]: breaking } })).toEqual({
      action: 'diff',
      task: { model: STG, window: null, partialUpstream: null, preview: false }
    })
  })

  it('diffs a time-ranged model over the window the PR environment built, clipped to prod', () => {
    const models = [modelInfo(STG, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'event_date' })]
    const prod = { [STG]: envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-01-05')] }) }
    const pr = { [STG]: envModel({ ...breaking, intervals: [windowOf('2024-01-01', '2024-01-08')] }) }
    expect(decide({ models, prod, pr })).toEqual({
      action: 'diff',
      task: { model: STG, window: windowOf('2024-01-01', '2024-01-05'), partialUpstream: null, preview: false }
    })
  })

  it('skips a time-ranged model whose PR window does not overlap prod as having nothing to compare', () => {
    const models = [modelInfo(STG, { timeColumn: 'event_date' })]
    const prod = { [STG]: envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-01-01')] }) }
    const pr = { [STG]: envModel({ ...breaking, intervals: [windowOf('2024-02-01', '2024-02-08')] }) }
    expect(skipOf(decide({ models, prod, pr }))).toEqual({
      reason: 'empty-window',
      detail:
        'The pull request environment holds no interval that prod also holds, so nothing could be compared. Set environment-start inside the range prod holds.'
    })
  })

  it('diffs a forward-only change through the preview SQLMesh built in the PR environment, over the preview window', () => {
    const models = [modelInfo(STG, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'event_date' })]
    const prod = { [STG]: envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-02-01')] }) }
    const pr = {
      [STG]: envModel({
        fingerprint: 'fp-pr',
        version: 'v-prod',
        forwardOnly: true,
        intervals: [windowOf('2023-01-01', '2024-02-01')]
      })
    }
    const [decision] = planDiffs({
      chain: [STG],
      changed: new Set([STG]),
      scope: 'affected',
      graph: new ModelGraph(models),
      prod: snapshot(prod),
      pr: snapshot(pr),
      planWindow: windowOf('2024-01-01', '2024-01-08')
    })
    expect(decision).toEqual({
      action: 'diff',
      task: { model: STG, window: windowOf('2024-01-01', '2024-01-08'), partialUpstream: null, preview: true }
    })
  })

  it('shows an embedded model as compared through its children', () => {
    const models = [modelInfo(STG, { kind: 'EMBEDDED' }), modelInfo(MART, dependsOn(STG))]
    expect(skipOf(decide({ models, prod: { [STG]: prodSide }, pr: { [STG]: breaking } }))).toEqual({
      reason: 'embedded',
      detail:
        'Embedded: it has no table; SQLMesh inlines it into marts.team_stats, and its effect is compared through that model.'
    })
  })

  it('skips a model that is not in the pull request as removed', () => {
    expect(skipOf(decide({ prod: { 'marts.old': prodSide } }, 'marts.old'))).toEqual({
      reason: 'removed',
      detail: 'The model is gone from the pull request.'
    })
  })

  it('names a model the PR environment does not hold as not compared', () => {
    expect(skipOf(decide({ prod: { [STG]: prodSide }, pr: {} }))).toEqual({
      reason: 'not-found',
      detail: 'The model is missing from the pull request environment, so it could not be compared.'
    })
  })

  it('skips a model prod does not have yet as added', () => {
    expect(skipOf(decide({ prod: {}, pr: { [STG]: breaking } }))).toEqual({
      reason: 'added',
      detail: 'New model: it does not exist in prod yet.'
    })
  })

  it('skips an external model', () => {
    const models = [modelInfo('ext.players', { isExternal: true, kind: 'EXTERNAL' })]
    expect(skipOf(decide({ models, changed: ['ext.players'] }, 'ext.players'))).toEqual({
      reason: 'external',
      detail: 'External table: SQLMesh does not build it, so both sides read the same data.'
    })
  })

  it('skips a model whose fingerprint is the same as in prod as unchanged', () => {
    expect(skipOf(decide({ prod: { [STG]: prodSide }, pr: { [STG]: prodSide } }))).toEqual({
      reason: 'unchanged',
      detail: 'Same version as prod.'
    })
  })

  it('skips a downstream model that shares the prod table (same version, not forward-only)', () => {
    const pr = { [MART]: envModel({ fingerprint: 'fp-pr', version: 'v-prod', forwardOnly: false }) }
    expect(skipOf(decide({ prod: { [MART]: prodSide }, pr }, MART))).toEqual({
      reason: 'shares-prod-table',
      detail: 'Non-breaking change upstream: the PR environment reuses the prod table, so the data is identical.'
    })
  })

  it('diffs a model with no grain (the bridge compares it as whole rows)', () => {
    const models = [modelInfo(STG, { grain: [] })]
    expect(decide({ models, prod: { [STG]: prodSide }, pr: { [STG]: breaking } })).toEqual({
      action: 'diff',
      task: { model: STG, window: null, partialUpstream: null, preview: false }
    })
  })

  it("skips a downstream model as out of scope when diff-scope is 'changed'", () => {
    const decision = decide(
      { prod: { [MART]: prodSide }, pr: { [MART]: breaking }, scope: 'changed', changed: [STG] },
      MART
    )
    expect(skipOf(decision)).toEqual({
      reason: 'out-of-scope',
      detail: "Downstream of a change; not compared because diff-scope is 'changed'."
    })
  })

  it("still diffs a changed model when diff-scope is 'changed'", () => {
    expect(decide({ prod: { [STG]: prodSide }, pr: { [STG]: breaking }, scope: 'changed' })).toEqual({
      action: 'diff',
      task: { model: STG, window: null, partialUpstream: null, preview: false }
    })
  })

  it("diffs a downstream model when diff-scope is 'affected'", () => {
    expect(
      decide({ prod: { [MART]: prodSide }, pr: { [MART]: breaking }, scope: 'affected', changed: [STG] }, MART)
    ).toEqual({
      action: 'diff',
      task: { model: MART, window: null, partialUpstream: null, preview: false }
    })
  })

  it('decides every model of the chain, in chain order', () => {
    const decisions = planDiffs({
      chain: [STG, MART],
      changed: new Set([STG]),
      scope: 'affected',
      graph: new ModelGraph([modelInfo(STG), modelInfo(MART, dependsOn(STG))]),
      prod: snapshot({ [STG]: prodSide, [MART]: prodSide }),
      pr: snapshot({ [STG]: breaking, [MART]: envModel({ fingerprint: 'fp-pr', version: 'v-prod' }) })
    })
    expect(
      decisions.map(decision =>
        decision.action === 'diff' ? `${decision.task.model}: diff` : `${decision.result.model}: skip`
      )
    ).toEqual(['staging.stg_games: diff', 'marts.team_stats: skip'])
  })

  it('flags a full-rebuild model downstream of a time-ranged model the PR environment holds only for a window', () => {
    const EVENTS = 'staging.stg_events'
    const models = [
      modelInfo(EVENTS, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'event_date' }),
      modelInfo(MART, dependsOn(EVENTS))
    ]
    const decisions = planDiffs({
      chain: [EVENTS, MART],
      changed: new Set([EVENTS]),
      scope: 'affected',
      graph: new ModelGraph(models),
      prod: snapshot({
        [EVENTS]: envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-01-08')] }),
        [MART]: prodSide
      }),
      pr: snapshot({
        [EVENTS]: envModel({ ...breaking, intervals: [windowOf('2024-01-01', '2024-01-08')] }),
        [MART]: breaking
      })
    })
    expect(decisions).toEqual([
      {
        action: 'diff',
        task: { model: EVENTS, window: windowOf('2024-01-01', '2024-01-08'), partialUpstream: null, preview: false }
      },
      {
        action: 'diff',
        task: {
          model: MART,
          window: null,
          partialUpstream: { model: EVENTS, window: windowOf('2024-01-01', '2024-01-08') },
          preview: false
        }
      }
    ])
  })
})

describe('partialHistory', () => {
  const EVENTS = 'staging.stg_events'
  const models = [
    modelInfo(EVENTS, { timeColumn: 'event_date' }),
    modelInfo(STG, dependsOn(EVENTS)),
    modelInfo(MART, dependsOn(STG)),
    modelInfo('marts.other')
  ]
  const input = (prEvents: EnvironmentModel): DiffPlanInput => ({
    chain: [EVENTS, STG, MART, 'marts.other'],
    changed: new Set([EVENTS]),
    scope: 'affected',
    graph: new ModelGraph(models),
    prod: snapshot({ [EVENTS]: envModel({ intervals: [windowOf('2023-01-01', '2024-01-08')] }) }),
    pr: snapshot({ [EVENTS]: prEvents })
  })

  it('passes a partial upstream window down the whole chain below it', () => {
    const partial = partialHistory(input(envModel({ intervals: [windowOf('2024-01-01', '2024-01-08')] })))
    const expected = { model: EVENTS, window: windowOf('2024-01-01', '2024-01-08') }
    expect([...partial.entries()]).toEqual([
      [EVENTS, expected],
      [STG, expected],
      [MART, expected]
    ])
  })

  it('finds nothing partial when the PR environment holds all the history prod has', () => {
    expect(partialHistory(input(envModel({ intervals: [windowOf('2023-01-01', '2024-01-08')] }))).size).toBe(0)
  })
})

describe('historyDependent', () => {
  const RUNNING = 'marts.running_total'
  const EVENTS = 'staging.stg_events'
  const prodFrom2023 = envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-01-08')] })
  const prWindow = envModel({ ...breaking, intervals: [windowOf('2024-01-01', '2024-01-08')] })

  function plan(models: ModelInfo[], chain: string[]): string[] {
    return historyDependent({
      chain,
      changed: new Set([chain[0]]),
      scope: 'affected',
      graph: new ModelGraph(models),
      prod: snapshot(Object.fromEntries(chain.map(name => [name, prodFrom2023]))),
      pr: snapshot(Object.fromEntries(chain.map(name => [name, prWindow])))
    })
  }

  it('names a self-referencing time-ranged model built from a window', () => {
    const models = [modelInfo(RUNNING, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day', dependsOnSelf: true })]
    expect(plan(models, [RUNNING])).toEqual([RUNNING])
  })

  it('names the windowed parent of a full rebuild, once', () => {
    const models = [
      modelInfo(EVENTS, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day' }),
      modelInfo(MART, dependsOn(EVENTS)),
      modelInfo('marts.other', dependsOn(EVENTS))
    ]
    expect(plan(models, [EVENTS, MART, 'marts.other'])).toEqual([EVENTS])
  })

  it('names nothing for a time-ranged chain compared over its window', () => {
    const models = [modelInfo(EVENTS, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day' })]
    expect(plan(models, [EVENTS])).toEqual([])
  })
})

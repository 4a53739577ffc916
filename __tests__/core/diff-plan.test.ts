import { describe, it, expect } from '@jest/globals'
import { partialHistory, planDiffs, type DiffDecision, type DiffPlanInput } from '../../src/core/diff-plan.js'
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
  return decision as DiffDecision
}

const prodSide = envModel({ fingerprint: 'fp-prod', version: 'v-prod' })
const breaking = envModel({ fingerprint: 'fp-pr', version: 'v-pr' })

function skipOf(decision: DiffDecision): { reason: string; detail: string } {
  if (decision.action !== 'skip' || decision.result.status !== 'not-diffed') throw new Error(`expected a skip, got ${JSON.stringify(decision)}`)
  return { reason: decision.result.reason, detail: decision.result.detail }
}

describe('planDiffs', () => {
  it('diffs a changed model whose PR version differs from prod, over all rows when it is not time-ranged', () => {
    expect(decide({ prod: { [STG]: prodSide }, pr: { [STG]: breaking } })).toEqual({
      action: 'diff',
      task: { model: STG, window: null, partialUpstream: null }
    })
  })

  it('diffs a time-ranged model over the window the PR environment built, clipped to prod', () => {
    const models = [modelInfo(STG, { kind: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'event_date' })]
    const prod = { [STG]: envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-01-05')] }) }
    const pr = { [STG]: envModel({ ...breaking, intervals: [windowOf('2024-01-01', '2024-01-08')] }) }
    expect(decide({ models, prod, pr })).toEqual({
      action: 'diff',
      task: { model: STG, window: windowOf('2024-01-01', '2024-01-05'), partialUpstream: null }
    })
  })

  it('skips a time-ranged model whose PR window does not overlap prod as having nothing to compare', () => {
    const models = [modelInfo(STG, { timeColumn: 'event_date' })]
    const prod = { [STG]: envModel({ ...prodSide, intervals: [windowOf('2023-01-01', '2024-01-01')] }) }
    const pr = { [STG]: envModel({ ...breaking, intervals: [windowOf('2024-02-01', '2024-02-08')] }) }
    expect(skipOf(decide({ models, prod, pr }))).toEqual({
      reason: 'unchanged',
      detail: 'The pull request environment holds no interval that prod also holds: nothing to compare.'
    })
  })

  it('diffs a forward-only change even though it keeps the prod version', () => {
    const pr = { [STG]: envModel({ fingerprint: 'fp-pr', version: 'v-prod', forwardOnly: true }) }
    expect(decide({ prod: { [STG]: prodSide }, pr })).toEqual({ action: 'diff', task: { model: STG, window: null, partialUpstream: null } })
  })

  it('skips a model that is not in the pull request as removed', () => {
    expect(skipOf(decide({ prod: { 'marts.old': prodSide } }, 'marts.old'))).toEqual({
      reason: 'removed',
      detail: 'The model is gone from the pull request.'
    })
  })

  it('skips a model the PR environment does not hold as removed', () => {
    expect(skipOf(decide({ prod: { [STG]: prodSide }, pr: {} }))).toEqual({
      reason: 'removed',
      detail: 'The model is not in the pull request environment.'
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

  it('skips a model with no grain, with the one-line fix naming the model', () => {
    const models = [modelInfo(STG, { grain: [] })]
    expect(skipOf(decide({ models, prod: { [STG]: prodSide }, pr: { [STG]: breaking } }))).toEqual({
      reason: 'no-grain',
      detail: 'No grain, so rows cannot be matched. Fix: declare the unique key of staging.stg_games as its grain (grain in the MODEL block, or grains= in a Python model).'
    })
  })

  it("skips a downstream model as out of scope when diff-scope is 'changed'", () => {
    const decision = decide({ prod: { [MART]: prodSide }, pr: { [MART]: breaking }, scope: 'changed', changed: [STG] }, MART)
    expect(skipOf(decision)).toEqual({
      reason: 'out-of-scope',
      detail: "Downstream of a change; not diffed because diff-scope is 'changed'."
    })
  })

  it("still diffs a changed model when diff-scope is 'changed'", () => {
    expect(decide({ prod: { [STG]: prodSide }, pr: { [STG]: breaking }, scope: 'changed' })).toEqual({
      action: 'diff',
      task: { model: STG, window: null, partialUpstream: null }
    })
  })

  it("diffs a downstream model when diff-scope is 'affected'", () => {
    expect(decide({ prod: { [MART]: prodSide }, pr: { [MART]: breaking }, scope: 'affected', changed: [STG] }, MART)).toEqual({
      action: 'diff',
      task: { model: MART, window: null, partialUpstream: null }
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
    expect(decisions.map(decision => (decision.action === 'diff' ? `${decision.task.model}: diff` : `${decision.result.model}: skip`))).toEqual([
      'staging.stg_games: diff',
      'marts.team_stats: skip'
    ])
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
      pr: snapshot({ [EVENTS]: envModel({ ...breaking, intervals: [windowOf('2024-01-01', '2024-01-08')] }), [MART]: breaking })
    })
    expect(decisions).toEqual([
      { action: 'diff', task: { model: EVENTS, window: windowOf('2024-01-01', '2024-01-08'), partialUpstream: null } },
      {
        action: 'diff',
        task: { model: MART, window: null, partialUpstream: { model: EVENTS, window: windowOf('2024-01-01', '2024-01-08') } }
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

// The gate: which results fail the job. `fail-on` picks the differences that fail it; the gate fails closed on what
// it cannot know (a failed diff always, a model not compared unless `on-uncompared: warn`). Pure.

import { coverageOf } from './coverage.js'
import type { ModelDiff } from './types.js'

export const FAIL_ON_VALUES = ['never', 'schema-change', 'removed-rows', 'any-diff'] as const
export type FailOn = (typeof FAIL_ON_VALUES)[number]

export const ON_UNCOMPARED_VALUES = ['fail', 'warn'] as const
export type OnUncompared = (typeof ON_UNCOMPARED_VALUES)[number]

export function isFailOn(value: string): value is FailOn {
  return (FAIL_ON_VALUES as readonly string[]).includes(value)
}

export function hasSchemaChange(diff: ModelDiff): boolean {
  if (diff.status !== 'diffed') return false
  const { added, removed, retyped } = diff.schema
  return added.length + removed.length + retyped.length > 0
}

/** A difference that was measured (or is the whole model). A model not compared has none: it is unknown, not equal. */
export function hasDataChange(diff: ModelDiff): boolean {
  if (diff.status !== 'diffed') return coverageOf(diff) === 'whole-model'
  const { onlyInProd, onlyInPr, changed } = diff.rows
  return hasSchemaChange(diff) || onlyInProd + onlyInPr + (changed ?? 0) > 0
}

export interface GateSettings {
  readonly failOn: FailOn
  readonly onUncompared: OnUncompared
}

/** What fails the job, by cause, each in report order. Empty everywhere under `fail-on: never`. */
export interface GateResult {
  /** Models whose difference `fail-on` names. */
  readonly differences: readonly string[]
  /** Models whose table diff failed: the gate cannot know, so it fails. */
  readonly failedDiffs: readonly string[]
  /** Models not compared for a structural reason, when `on-uncompared` is `fail`. */
  readonly uncompared: readonly string[]
}

export function evaluateGate(diffs: readonly ModelDiff[], settings: GateSettings): GateResult {
  if (settings.failOn === 'never') return { differences: [], failedDiffs: [], uncompared: [] }
  return {
    differences: modelsFailingPolicy(diffs, settings.failOn),
    failedDiffs: diffs.filter(diff => coverageOf(diff) === 'failed').map(diff => diff.model),
    uncompared:
      settings.onUncompared === 'fail'
        ? diffs.filter(diff => coverageOf(diff) === 'not-compared').map(diff => diff.model)
        : []
  }
}

export function gateFails(gate: GateResult): boolean {
  return gate.differences.length + gate.failedDiffs.length + gate.uncompared.length > 0
}

/** The models whose measured difference breaks the policy, in report order. */
export function modelsFailingPolicy(diffs: readonly ModelDiff[], policy: FailOn): string[] {
  const failing = (diff: ModelDiff): boolean => {
    const removedModel = diff.status === 'not-diffed' && diff.reason === 'removed'
    switch (policy) {
      case 'never':
        return false
      case 'schema-change':
        return hasSchemaChange(diff) || removedModel
      case 'removed-rows':
        return (diff.status === 'diffed' && diff.rows.onlyInProd > 0) || removedModel
      case 'any-diff':
        return hasDataChange(diff)
    }
  }
  return diffs.filter(failing).map(diff => diff.model)
}

// The `fail-on` policy: which results fail the job. Pure.

import type { ModelDiff } from './types.js'

export const FAIL_ON_VALUES = ['never', 'schema-change', 'removed-rows', 'any-diff'] as const
export type FailOn = (typeof FAIL_ON_VALUES)[number]

export function isFailOn(value: string): value is FailOn {
  return (FAIL_ON_VALUES as readonly string[]).includes(value)
}

export function hasSchemaChange(diff: ModelDiff): boolean {
  if (diff.status !== 'diffed') return false
  const { added, removed, retyped } = diff.schema
  return added.length + removed.length + retyped.length > 0
}

export function hasDataChange(diff: ModelDiff): boolean {
  if (diff.status !== 'diffed') return diff.reason === 'added' || diff.reason === 'removed'
  const { onlyInProd, onlyInPr, changed } = diff.rows
  return hasSchemaChange(diff) || onlyInProd + onlyInPr + changed > 0
}

/** The models that break the policy, in report order. */
export function modelsFailingPolicy(diffs: readonly ModelDiff[], policy: FailOn): string[] {
  const failing = (diff: ModelDiff): boolean => {
    switch (policy) {
      case 'never':
        return false
      case 'schema-change':
        return hasSchemaChange(diff) || (diff.status === 'not-diffed' && diff.reason === 'removed')
      case 'removed-rows':
        return (diff.status === 'diffed' && diff.rows.onlyInProd > 0) || (diff.status === 'not-diffed' && diff.reason === 'removed')
      case 'any-diff':
        return hasDataChange(diff)
    }
  }
  return diffs.filter(failing).map(diff => diff.model)
}

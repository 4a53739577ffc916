// Which models of the affected chain were actually compared. The verdict, the gate and every report read it from
// here, so that a model that was not compared can never read as "no difference" anywhere. Pure.

import type { ModelDiff, NotDiffedReason } from './types.js'

/**
 * - compared: a table comparison ran (on the grain or as whole rows);
 * - whole-model: the model is new or removed, so the whole model is the difference;
 * - not-needed: provably nothing to compare (prod's own table, no table of its own, the same version);
 * - not-compared: it needed a comparison and did not get one; the verdict names it and the gate counts it;
 * - failed: the comparison was attempted and failed.
 */
export type Coverage = 'compared' | 'whole-model' | 'not-needed' | 'not-compared' | 'failed'

/** Every reason a model goes without a table comparison, and what it means for the verdict. */
export const REASON_COVERAGE: Readonly<Record<NotDiffedReason, Coverage>> = {
  added: 'whole-model',
  removed: 'whole-model',
  'shares-prod-table': 'not-needed',
  unchanged: 'not-needed',
  external: 'not-needed',
  embedded: 'not-needed',
  'out-of-scope': 'not-compared',
  'forward-only': 'not-compared',
  'empty-window': 'not-compared',
  'not-found': 'not-compared',
  error: 'failed'
}

export function coverageOf(diff: ModelDiff): Coverage {
  return diff.status === 'diffed' ? 'compared' : REASON_COVERAGE[diff.reason]
}

/** A model that needed a comparison and has none: not compared, or the comparison failed. */
export function isUncompared(diff: ModelDiff): boolean {
  const coverage = coverageOf(diff)
  return coverage === 'not-compared' || coverage === 'failed'
}

// The time window a table diff compares: only the range the PR environment actually built, so that history the PR
// environment never backfilled does not show up as rows "removed" by the PR.

import type { EnvironmentModel, TimeWindow } from './types.js'

/** The span covered by a list of intervals, or null when there are none. */
export function spanOf(intervals: readonly TimeWindow[]): TimeWindow | null {
  if (intervals.length === 0) return null
  let start = Infinity
  let end = -Infinity
  for (const interval of intervals) {
    start = Math.min(start, interval.start)
    end = Math.max(end, interval.end)
  }
  return { start, end }
}

/**
 * The window to compare for a time-ranged model: what the PR environment holds, clipped to what prod holds.
 * Returns null when the model is not time-ranged (compare everything) and 'empty' when the two do not overlap.
 */
export function diffWindow(
  timeColumn: string | null,
  prod: EnvironmentModel | undefined,
  pr: EnvironmentModel | undefined
): TimeWindow | null | 'empty' {
  if (!timeColumn || !pr) return null
  const prSpan = spanOf(pr.intervals)
  if (!prSpan) return 'empty'
  const prodSpan = prod ? spanOf(prod.intervals) : null
  if (!prodSpan) return prSpan
  const start = Math.max(prSpan.start, prodSpan.start)
  const end = Math.min(prSpan.end, prodSpan.end)
  return start < end ? { start, end } : 'empty'
}

/** Formats an epoch-ms instant as SQL-friendly text: a date when it falls on midnight UTC, else a timestamp. */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ')
}

/** The window as people read it: inclusive last day for whole-day windows. */
export function describeWindow(window: TimeWindow): string {
  const start = formatInstant(window.start)
  const endsOnMidnight = formatInstant(window.end).length === 10
  const last = endsOnMidnight ? formatInstant(window.end - 86_400_000) : formatInstant(window.end)
  return endsOnMidnight ? `${start} – ${last}` : `${start} – ${last} (exclusive)`
}

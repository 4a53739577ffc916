// The watch report: which watched sources changed, in which buckets, and the range each change restates. Above the
// backfill table when something was rebuilt; on its own when nothing was. Pure.

import { code, countOrDash, plural, table, text } from './markdown.js'
import type { Section } from './fit.js'
import type { SourceComparison } from '../core/watch.js'
import type { StateProblem } from '../core/state-check.js'

/** One watched source as the report shows it. */
export interface WatchedSource {
  readonly comparison: SourceComparison
  /** The range restated for a change ('from the models' start' for the whole history), null when nothing changed. */
  readonly range: { readonly start: string; readonly end: string } | null
  readonly readers: readonly string[]
}

export interface WatchReport {
  readonly sources: readonly WatchedSource[]
  readonly dryRun: boolean
  readonly schemaTable: string
  /** Sources whose new fingerprints another run recorded first: compared again next time. */
  readonly conflicts: readonly string[]
  /** The state check of prod: how many models were checked, and what is wrong. */
  readonly state: { readonly environment: string; readonly checked: number; readonly problems: readonly StateProblem[] }
}

const STATUS: Record<SourceComparison['status'], string> = {
  changed: '🔄 changed',
  unchanged: '✅ unchanged',
  baseline: '📌 baseline recorded',
  error: '❌ not read'
}

/** The sections of the watch report (the verdict line comes from the caller when a backfill follows). */
export function renderWatchSections(report: WatchReport): Section[] {
  const rows = report.sources.map(source => [
    code(source.comparison.source),
    source.comparison.status === 'baseline' && report.dryRun
      ? '📌 no baseline yet (dry run)'
      : STATUS[source.comparison.status],
    describeBuckets(source),
    source.range ? text(`${source.range.start} – ${source.range.end}`) : '—',
    source.readers.length > 0 ? source.readers.map(code).join(', ') : '—'
  ])
  const sections: Section[] = [
    {
      id: 'watch:sources',
      required: true,
      text: `### Watched sources\n\n${table(['Source', 'Status', 'Changed buckets (rows before → after)', 'Range restated', 'Read by'], ['l', 'l', 'l', 'l', 'l'], rows)}`
    }
  ]
  const errors = report.sources.flatMap(source => (source.comparison.status === 'error' ? [source.comparison] : []))
  for (const error of errors) {
    sections.push({
      id: `watch:error:${error.source}`,
      required: true,
      text: `**${code(error.source)} could not be fingerprinted:**\n\n\`\`\`text\n${error.error.replace(/```/g, "'''").slice(0, 2000)}\n\`\`\``
    })
  }
  if (report.conflicts.length > 0) {
    sections.push({
      id: 'watch:conflicts',
      required: true,
      text: `Another run recorded new fingerprints for ${report.conflicts.map(code).join(', ')} while this one ran: left as that run recorded them; the next run compares again.`
    })
  }
  sections.push({ id: 'watch:prod-state', required: true, text: stateSection(report.state) })
  sections.push({
    id: 'watch:state',
    required: true,
    text: `<sub>Fingerprints (row count and content hash per bucket) are kept in ${code(report.schemaTable)}${report.dryRun ? '; a dry run records none' : ''}.</sub>`
  })
  return sections
}

/** The verdict when no restatement was called for. */
export function watchVerdict(report: WatchReport): string {
  const count = (status: SourceComparison['status']): number =>
    report.sources.filter(source => source.comparison.status === status).length
  if (count('error') > 0)
    return `❌ ${count('error')} of ${plural(report.sources.length, 'source')} watched could not be fingerprinted: their changes are unknown.`
  if (report.dryRun && count('baseline') > 0)
    return `🗓️ Dry run: ${plural(count('baseline'), 'source')} without a recorded fingerprint yet; nothing recorded.`
  if (count('baseline') > 0)
    return `📌 Baseline recorded for ${plural(count('baseline'), 'source')}; nothing rebuilt (a change is detected from the next run on).`
  return `✅ No watched source changed since the last recorded fingerprints (${plural(report.sources.length, 'source')}): nothing to rebuild.`
}

function stateSection(state: WatchReport['state']): string {
  const heading = `### ${code(state.environment)}'s tables and views`
  if (state.problems.length === 0) {
    return `${heading}\n\n✅ ${plural(state.checked, 'model')} checked: each physical table exists and ${code(state.environment)}'s views point to them.`
  }
  const rows = state.problems.map(problem => [code(problem.model), text(problem.detail), code(problem.repair)])
  return `${heading}\n\n❌ ${state.problems.length} of ${plural(state.checked, 'model')} ${state.checked === 1 ? 'is' : 'are'} not as SQLMesh's state says (changed outside SQLMesh). Nothing was changed; the repair is yours to run:\n\n${table(['Model', 'Problem', 'Repair'], ['l', 'l', 'l'], rows)}`
}

function describeBuckets(source: WatchedSource): string {
  if (source.comparison.status !== 'changed') return '—'
  const shown = source.comparison.buckets.slice(0, 12).map(bucket => {
    const name =
      bucket.bucket === '*' ? 'whole table' : bucket.bucket === 'null' ? 'rows without a time' : bucket.bucket
    return `${text(name)}: ${countOrDash(bucket.rowsBefore)} → ${countOrDash(bucket.rowsAfter)}`
  })
  const more = source.comparison.buckets.length - shown.length
  return `${shown.join('<br>')}${more > 0 ? `<br>… and ${more} more` : ''}`
}

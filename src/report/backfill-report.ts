// The backfill report (merge flow and manual backfill): per model, upstream first, what was rebuilt, over which
// interval, how long it took and the rows before and after. Pure.

import { code, countOrDash, details, plural, shortName, table, text } from './markdown.js'
import { describeWindow } from '../core/window.js'
import type { ModelBackfill } from '../core/backfill.js'
import type { Section } from './fit.js'
import { ACTION_VERSION } from '../version.js'

export const BACKFILL_COMMENT_MARKER = '<!-- sqlmesh-action:backfill -->'

/** Hidden line a successful backfill leaves in its comment, so a re-run for the same commit knows it is done. */
export function completedMarker(commitSha: string): string {
  return `<!-- sqlmesh-action:backfilled ${commitSha} -->`
}

export interface BackfillReport {
  /** Markdown, already escaped by the caller (model names as code spans). */
  readonly title: string
  readonly environment: string
  readonly requestedStart: string
  readonly requestedEnd: string
  readonly dryRun: boolean
  readonly rows: readonly ModelBackfill[]
  readonly commitSha: string
  readonly sqlmeshVersion: string
  /** Extra lines above the table (deployment, excluded models...). */
  readonly notes: readonly string[]
  /** Sections above the table (watch mode: the source data that changed). */
  readonly leading?: readonly Section[]
}

const STATUS_LABELS: Record<ModelBackfill['status'], string> = {
  rebuilt: '✅ rebuilt',
  failed: '❌ failed',
  'not-attempted': '⏭️ not attempted',
  skipped: '➖ skipped',
  planned: '🗓️ planned'
}

export function renderBackfillSections(report: BackfillReport): Section[] {
  const succeeded =
    !report.dryRun && report.rows.every(row => row.status !== 'failed' && row.status !== 'not-attempted')
  const marker = report.dryRun
    ? ''
    : `${BACKFILL_COMMENT_MARKER}\n${succeeded ? `${completedMarker(report.commitSha)}\n` : ''}`
  return [
    { id: 'header', required: true, text: `${marker}## ${report.title}` },
    { id: 'verdict', required: true, text: `**${backfillVerdict(report)}**` },
    ...(report.notes.length > 0
      ? [{ id: 'notes', required: true, text: report.notes.map(note => `- ${note}`).join('\n') }]
      : []),
    ...(report.leading ?? []),
    { id: 'table', required: true, text: backfillTable(report) },
    ...errorSections(report),
    {
      id: 'footer',
      required: true,
      text: `<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh ${text(report.sqlmeshVersion)} · environment ${code(report.environment)} · commit ${code(report.commitSha.slice(0, 7))}</sub>`
    }
  ]
}

export function backfillVerdict(report: BackfillReport): string {
  const count = (status: ModelBackfill['status']): number => report.rows.filter(row => row.status === status).length
  const range = `from ${report.requestedStart}${report.requestedEnd ? ` to ${report.requestedEnd}` : ''}`
  if (report.rows.length === 0) return '✅ Nothing to backfill: no model of the project is affected.'
  if (report.dryRun)
    return `🗓️ Dry run: ${plural(count('planned'), 'model')} would be rebuilt ${range}; nothing was applied.`
  const failed = count('failed')
  if (failed > 0 || count('not-attempted') > 0) {
    return `❌ Backfill failed: ${count('rebuilt')} rebuilt, ${failed} failed, ${count('not-attempted')} not attempted (${range}).`
  }
  return `✅ ${plural(count('rebuilt'), 'model')} rebuilt ${range}${count('skipped') > 0 ? `, ${count('skipped')} skipped` : ''}.`
}

/** Columns a model's name keeps in the six-column table, so that it fits GitHub's content column (the list below names it in full). */
const MODEL_COLUMNS = 32

function backfillTable(report: BackfillReport): string {
  const rows = report.rows.map(row => [
    code(shortName(row.model, MODEL_COLUMNS)),
    STATUS_LABELS[row.status],
    row.interval ? text(describeWindow(row.interval)) : '—',
    row.seconds === null ? '—' : `${row.seconds.toFixed(2)}s`,
    row.rowsBefore === null && row.rowsAfter === null
      ? '—'
      : `${countOrDash(row.rowsBefore)} → ${countOrDash(row.rowsAfter)}`,
    text(row.note)
  ])
  const shortened = report.rows.filter(row => shortName(row.model, MODEL_COLUMNS) !== row.model).map(row => row.model)
  const names =
    shortened.length > 0
      ? `\n\n${details('Full names of the models shortened above', shortened.map(model => `- ${code(model)}`).join('\n'))}`
      : ''
  return `${table(
    ['Model', 'Status', 'Interval', 'Duration', 'Rows before → after', 'Note'],
    ['l', 'l', 'l', 'r', 'r', 'l'],
    rows
  )}${names}`
}

function errorSections(report: BackfillReport): Section[] {
  return report.rows
    .filter(row => row.error)
    .map(row => ({
      id: `error:${row.model}`,
      required: true,
      text: `**${code(row.model)} failed:**\n\n\`\`\`text\n${(row.error ?? '').replace(/```/g, "'''").slice(0, 4000)}\n\`\`\``
    }))
}

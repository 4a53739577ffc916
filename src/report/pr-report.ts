// The pull-request report: results -> markdown sections. Pure. The comment and the job summary are both cut from
// the same sections (see fit.ts), so they never disagree.

import { code, details, formatCount, formatPct, html, table, text } from './markdown.js'
import { describeWindow } from '../core/window.js'
import { hasDataChange, hasSchemaChange } from '../core/gate.js'
import type { ChangedFile, ModelDiff } from '../core/types.js'
import type { ModelBackfill } from '../core/backfill.js'
import type { Section } from './fit.js'

export const DIFF_COMMENT_MARKER = '<!-- sqlmesh-action:diff -->'

export interface PrReport {
  readonly environment: string
  readonly prodEnvironment: string
  readonly environmentStart: string
  /** Directly changed models, upstream first. */
  readonly changed: readonly string[]
  /** The affected chain, upstream first. */
  readonly chain: readonly string[]
  readonly edges: ReadonlyArray<readonly [string, string]>
  readonly diffs: readonly ModelDiff[]
  readonly noSemanticChange: readonly string[]
  readonly changedIndirectlyByFiles: readonly string[]
  readonly projectFiles: readonly ChangedFile[]
  readonly removed: readonly string[]
  readonly headSha: string
  readonly sqlmeshVersion: string
  readonly failing: readonly string[]
  readonly failOn: string
  readonly backfillStart?: string
  /** What merging will rebuild in prod (planned, not applied); null when no backfill-start is set. */
  readonly backfillPreview?: readonly ModelBackfill[] | null
  /** Audits that failed on the PR environment's data. */
  readonly auditFailures?: readonly string[]
}

export function renderPrSections(report: PrReport): Section[] {
  return [
    { id: 'header', required: true, text: `${DIFF_COMMENT_MARKER}\n## SQLMesh diff: ${code(report.environment)} vs ${code(report.prodEnvironment)}` },
    { id: 'verdict', required: true, text: `**${verdict(report)}**` },
    { id: 'summary', required: true, text: summaryTable(report) },
    ...notes(report),
    ...(report.backfillPreview ? [{ id: 'backfill-preview', required: false, text: backfillPreview(report.backfillPreview, report.backfillStart ?? '') }] : []),
    ...(report.chain.length > 0 ? [{ id: 'lineage', required: false, text: lineage(report) }] : []),
    ...report.diffs.flatMap(diff => (diff.status === 'diffed' ? [{ id: `details:${diff.model}`, required: false, text: modelDetails(diff) }] : [])),
    { id: 'footer', required: true, text: footer(report) }
  ]
}

export interface FailedRun {
  readonly environment: string
  readonly prodEnvironment: string
  readonly headSha: string
  readonly message: string
  readonly runUrl: string
}

/** The comment when the diff could not run: what failed, SQLMesh's words, and where the log is. */
export function renderFailure(run: FailedRun): string {
  const error = run.message.replace(/```/g, "'''").slice(0, 6000)
  return [
    `${DIFF_COMMENT_MARKER}\n## SQLMesh diff: ${code(run.environment)} vs ${code(run.prodEnvironment)}`,
    `**❌ The diff could not run for commit ${code(run.headSha.slice(0, 7))}.** Earlier results no longer apply. The log: ${run.runUrl}`,
    '```text\n' + error + '\n```'
  ].join('\n\n')
}

/** One line a reviewer reads first: what each changed model does, then how far it reaches downstream. */
export function verdict(report: PrReport): string {
  if (report.chain.length === 0 && report.removed.length === 0) {
    return report.noSemanticChange.length > 0
      ? `✅ No semantic change: the edited model files fingerprint the same as in ${report.prodEnvironment}.`
      : '✅ No SQLMesh model is changed by this pull request.'
  }
  const changed = new Set(report.changed)
  const differing = report.diffs.filter(hasDataChange)
  const failed = report.failing.length > 0 || (report.auditFailures?.length ?? 0) > 0
  const prefix = failed ? '❌' : differing.length > 0 || report.removed.length > 0 ? '⚠️' : '✅'
  const direct = report.diffs.filter(diff => changed.has(diff.model))
  const shown = direct.slice(0, 3).map(diff => `${code(diff.model)}: ${headline(diff)}`)
  if (direct.length > shown.length) shown.push(`${direct.length - shown.length} more changed`)
  const downstream = report.diffs.filter(diff => !changed.has(diff.model))
  const downstreamDiffering = downstream.filter(hasDataChange).length
  const parts = [
    ...shown,
    downstream.length > 0 ? `${downstreamDiffering} of ${downstream.length} downstream models differ` : '',
    report.removed.length > 0 ? `${report.removed.length} model${report.removed.length === 1 ? '' : 's'} removed` : '',
    report.diffs.some(hasSchemaChange) ? '' : 'no schema change'
  ]
  return `${prefix} ${parts.filter(Boolean).join(' · ')}`
}

/** A model's change in a few words: schema first, then rows. */
export function headline(diff: ModelDiff): string {
  if (diff.status !== 'diffed') return `(${notDiffedLabel(diff)})`
  const { added, removed, retyped } = diff.schema
  const { onlyInProd, onlyInPr, changed } = diff.rows
  const parts = [
    added.length > 0 ? `+${added.length} column${added.length === 1 ? '' : 's'}` : '',
    removed.length > 0 ? `−${removed.length} column${removed.length === 1 ? '' : 's'}` : '',
    retyped.length > 0 ? `${retyped.length} retyped` : '',
    onlyInProd > 0 ? `${formatCount(onlyInProd)} rows removed` : '',
    onlyInPr > 0 ? `${formatCount(onlyInPr)} rows added` : '',
    changed > 0 ? `${formatCount(changed)} rows changed` : ''
  ].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : 'no row differs'
}

function summaryTable(report: PrReport): string {
  if (report.diffs.length === 0) return '_Nothing to compare._'
  const changed = new Set(report.changed)
  const rows = report.diffs.map(diff => {
    const role = changed.has(diff.model) ? '✏️ changed' : '↳ downstream'
    if (diff.status !== 'diffed') return [code(diff.model), role, '—', '—', '—', '—', '—', text(notDiffedLabel(diff))]
    const { rows: counts } = diff
    return [
      code(diff.model),
      role,
      schemaCell(diff),
      `${formatCount(counts.prod)} → ${formatCount(counts.pr)}`,
      formatCount(counts.onlyInProd),
      formatCount(counts.onlyInPr),
      formatCount(counts.changed),
      comparedCell(diff)
    ]
  })
  return table(
    ['Model', 'Change', 'Schema', 'Rows prod → PR', 'Removed', 'Added', 'Changed', 'Compared'],
    ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'l'],
    rows
  )
}

function comparedCell(diff: Extract<ModelDiff, { status: 'diffed' }>): string {
  if (diff.window) return text(describeWindow(diff.window))
  return diff.partialUpstream ? 'all rows ⚠️ partial upstream' : 'all rows'
}

function schemaCell(diff: Extract<ModelDiff, { status: 'diffed' }>): string {
  const { added, removed, retyped } = diff.schema
  const parts = [
    added.length > 0 ? `+${added.length} col` : '',
    removed.length > 0 ? `−${removed.length} col` : '',
    retyped.length > 0 ? `${retyped.length} retyped` : ''
  ].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : '—'
}

const NOT_DIFFED_LABELS: Record<Extract<ModelDiff, { status: 'not-diffed' }>['reason'], string> = {
  added: 'new model',
  removed: 'removed model',
  'no-grain': 'not diffed: no grain',
  'shares-prod-table': 'same data as prod',
  unchanged: 'nothing to compare',
  external: 'external table',
  'out-of-scope': 'not diffed (scope)',
  error: 'diff failed'
}

function notDiffedLabel(diff: Extract<ModelDiff, { status: 'not-diffed' }>): string {
  return NOT_DIFFED_LABELS[diff.reason]
}

function notes(report: PrReport): Section[] {
  const lines: string[] = []
  for (const diff of report.diffs) {
    if (diff.status === 'not-diffed' && diff.reason !== 'unchanged') lines.push(`- ${code(diff.model)}: ${text(diff.detail)}`)
  }
  for (const diff of report.diffs) {
    if (diff.status !== 'diffed' || !diff.partialUpstream) continue
    const { model, window } = diff.partialUpstream
    lines.push(
      `- ⚠️ ${code(diff.model)} is rebuilt in full from ${code(model)}, which the PR environment holds only for ${text(describeWindow(window))}: ` +
        'its rows outside that window differ because of the window, not the change. Set `environment-start` earlier to compare it fully.'
    )
  }
  if (report.noSemanticChange.length > 0) {
    lines.push(`- No semantic change (the file changed, the fingerprint did not): ${report.noSemanticChange.map(code).join(', ')}`)
  }
  if (report.changedIndirectlyByFiles.length > 0) {
    const files = report.projectFiles.map(file => code(file.path)).join(', ')
    const via = files ? ` through ${files}` : ''
    lines.push(`- Changed without an edit to their own file${via}: ${report.changedIndirectlyByFiles.map(code).join(', ')}`)
  }
  for (const failure of report.auditFailures ?? []) lines.push(`- ❌ Audit failed in the PR environment: ${code(failure)}`)
  if (report.failing.length > 0) {
    lines.push(`- ❌ \`fail-on: ${report.failOn}\` fails this check for: ${report.failing.map(code).join(', ')}`)
  }
  return lines.length > 0 ? [{ id: 'notes', required: true, text: lines.join('\n') }] : []
}

function backfillPreview(rows: readonly ModelBackfill[], start: string): string {
  if (rows.length === 0) return `**On merge this will backfill:** nothing (no model that prod already has is touched).`
  const planned = rows.filter(row => row.status === 'planned').length
  const body = table(
    ['Model', 'Interval', 'Note'],
    ['l', 'l', 'l'],
    rows.map(row => [code(row.model), row.interval ? text(describeWindow(row.interval)) : '—', text(row.status === 'skipped' ? `skipped: ${row.note}` : row.note)])
  )
  return details(`<b>On merge this will backfill</b> ${planned} model${planned === 1 ? '' : 's'} in prod from ${html(start)}`, body)
}

function lineage(report: PrReport): string {
  const ids = new Map(report.chain.map((name, index) => [name, `m${index}`]))
  const changed = new Set(report.changed)
  const lines = ['```mermaid', 'flowchart LR']
  for (const name of report.chain) lines.push(`  ${ids.get(name)}["${mermaidLabel(name)}"]`)
  for (const [parent, child] of report.edges) lines.push(`  ${ids.get(parent)} --> ${ids.get(child)}`)
  lines.push('  classDef changed fill:#fde68a,stroke:#b45309,color:#000')
  const marked = report.chain.filter(name => changed.has(name)).map(name => ids.get(name))
  if (marked.length > 0) lines.push(`  class ${marked.join(',')} changed`)
  lines.push('```')
  return `**Lineage** (changed models highlighted, upstream on the left)\n\n${lines.join('\n')}`
}

function mermaidLabel(name: string): string {
  return name.replace(/[^\w.\- ]/g, char => `#${char.charCodeAt(0)};`)
}

function modelDetails(diff: Extract<ModelDiff, { status: 'diffed' }>): string {
  const { rows } = diff
  const summary = `<code>${html(diff.model)}</code>: ${formatCount(rows.onlyInProd)} removed, ${formatCount(rows.onlyInPr)} added, ${formatCount(rows.changed)} changed of ${formatCount(rows.matched)} matched`
  const body: string[] = [
    `Grain: ${diff.grain.map(code).join(', ')} · compared: ${diff.window ? text(describeWindow(diff.window)) : 'all rows'} · rows: ${formatCount(rows.prod)} in prod, ${formatCount(rows.pr)} in the PR`
  ]
  const schema = schemaLines(diff)
  if (schema.length > 0) body.push(schema.join('\n'))
  const differing = [...diff.columns].filter(column => column.matchPct < 100).sort((a, b) => a.matchPct - b.matchPct)
  const same = diff.columns.length - differing.length
  if (differing.length > 0) {
    body.push(
      table(
        ['Column', 'Matching values'],
        ['l', 'r'],
        differing.map(column => [code(column.column), formatPct(column.matchPct)])
      )
    )
  }
  body.push(same > 0 ? `${same} other column${same === 1 ? '' : 's'} match 100% on matched rows.` : '')
  if (diff.samples) body.push(samplesBlock(diff.samples))
  return details(summary, body.filter(Boolean).join('\n\n'))
}

function schemaLines(diff: Extract<ModelDiff, { status: 'diffed' }>): string[] {
  return [
    ...diff.schema.added.map(column => `- ➕ column ${code(column.column)} ${code(column.type)}`),
    ...diff.schema.removed.map(column => `- ➖ column ${code(column.column)} ${code(column.type)}`),
    ...diff.schema.retyped.map(column => `- 🔁 column ${code(column.column)}: ${code(column.from)} → ${code(column.to)}`)
  ]
}

function samplesBlock(samples: NonNullable<Extract<ModelDiff, { status: 'diffed' }>['samples']>): string {
  const block = (title: string, rows: readonly Readonly<Record<string, unknown>>[]): string => {
    if (rows.length === 0) return ''
    const columns = Object.keys(rows[0] as object)
    const cells = rows.map(row => columns.map(column => text(String(row[column] ?? 'NULL')).slice(0, 80)))
    return `${title}\n\n${table(columns.map(text), columns.map(() => 'l'), cells)}`
  }
  return [
    block('Sample rows only in prod (removed):', samples.onlyInProd),
    block('Sample rows only in the PR (added):', samples.onlyInPr),
    block('Sample changed rows:', samples.changed)
  ]
    .filter(Boolean)
    .join('\n\n')
}

function footer(report: PrReport): string {
  const start = report.environmentStart ? ` · built from ${text(report.environmentStart)}` : ''
  return `<sub>sqlmesh-action · SQLMesh ${text(report.sqlmeshVersion)} · commit ${code(report.headSha.slice(0, 7))}${start}</sub>`
}

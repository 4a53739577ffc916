// The pull-request report: results -> markdown sections. Pure. The comment and the job summary are both cut from
// the same sections (see fit.ts), so they never disagree.

import { code, dataCell, details, formatCount, formatPct, html, shortName, table, text, visibleControls } from './markdown.js'
import { describeWindow } from '../core/window.js'
import { gateFails, hasDataChange, hasSchemaChange, type GateResult } from '../core/gate.js'
import { coverageOf, isUncompared } from '../core/coverage.js'
import type { ChangedFile, GrainProblem, ModelDiff } from '../core/types.js'
import type { ModelBackfill } from '../core/backfill.js'
import type { Section } from './fit.js'
import { ACTION_VERSION } from '../version.js'

export const DIFF_COMMENT_MARKER = '<!-- sqlmesh-action:diff -->'

/** What the report needs to know of a model beyond its diff. */
export interface ModelFacts {
  readonly kind: string
  /** Where its grain is declared: a SQL MODEL block, a Python model's decorator, or a dbt config. */
  readonly source: 'sql' | 'python' | 'dbt'
}

export interface PrReport {
  readonly environment: string
  readonly prodEnvironment: string
  readonly environmentStart: string
  /** The date environment-start resolved to (it may be relative, e.g. '1 month ago'). */
  readonly environmentStartDate?: string | null
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
  /** Models whose measured difference fails `fail-on`. */
  readonly failing: readonly string[]
  /** Everything the gate fails on (differences, failed diffs, models not compared); absent: only `failing`. */
  readonly gate?: GateResult
  readonly failOn: string
  readonly onUncompared?: string
  /** Per model of the chain: its kind and what it is written in, for labels and advice. */
  readonly models?: ReadonlyMap<string, ModelFacts>
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

type Diffed = Extract<ModelDiff, { status: 'diffed' }>
type NotDiffed = Extract<ModelDiff, { status: 'not-diffed' }>

/**
 * One line a reviewer reads first: what each changed model does, how far it reaches downstream, how many affected
 * models were compared and which were not. ✅ only when every affected model was compared and matched, or provably
 * needed no comparison.
 */
export function verdict(report: PrReport): string {
  if (report.chain.length === 0 && report.removed.length === 0) {
    return report.noSemanticChange.length > 0
      ? `✅ No semantic change: the edited model files fingerprint the same as in ${report.prodEnvironment}.`
      : '✅ No SQLMesh model is changed by this pull request.'
  }
  const changed = new Set(report.changed)
  const notCompared = report.diffs.filter(isUncompared)
  const direct = report.diffs.filter(diff => changed.has(diff.model))
  const shown = direct.slice(0, 3).map(diff => `${code(diff.model)}: ${headline(diff)}`)
  if (direct.length > shown.length) shown.push(`${direct.length - shown.length} more changed`)
  const parts = [
    ...shown,
    downstreamPhrase(report.diffs.filter(diff => !changed.has(diff.model))),
    report.removed.length > 0 ? plural(report.removed.length, 'model') + ' removed' : '',
    coveragePhrase(report.diffs, notCompared),
    schemaPhrase(report.diffs, notCompared.length)
  ]
  return `${verdictMark(report, notCompared.length)} ${parts.filter(Boolean).join(' · ')}`
}

function verdictMark(report: PrReport, notCompared: number): string {
  const gateFailed = report.gate ? gateFails(report.gate) : report.failing.length > 0
  if (gateFailed || (report.auditFailures?.length ?? 0) > 0) return '❌'
  const differs = report.diffs.some(hasDataChange) || report.removed.length > 0
  return differs || notCompared > 0 ? '⚠️' : '✅'
}

function downstreamPhrase(downstream: readonly ModelDiff[]): string {
  if (downstream.length === 0) return ''
  const known = downstream.filter(diff => !isUncompared(diff))
  const differing = known.filter(hasDataChange).length
  // "1 of 4 downstream models differs", "0 of 1 downstream models differ": the noun counts the models, the verb the differing.
  const verb = differing === 1 ? 'differs' : 'differ'
  if (known.length === downstream.length) return `${differing} of ${formatCount(downstream.length)} downstream models ${verb}`
  return `${differing} of ${formatCount(known.length)} compared downstream models ${verb}`
}

/** "4 of 6 affected models compared; not compared: `a` (diff failed), `b` (forward-only, not previewed)". */
function coveragePhrase(diffs: readonly ModelDiff[], notCompared: readonly ModelDiff[]): string {
  const needing = diffs.filter(diff => ['compared', 'not-compared', 'failed'].includes(coverageOf(diff)))
  if (needing.length === 0) return ''
  const compared = needing.length - notCompared.length
  const head = `${compared} of ${plural(needing.length, 'affected model')} compared`
  if (notCompared.length === 0) return head
  const named = notCompared.slice(0, 5).map(diff => `${code(diff.model)} (${SHORT_REASONS[(diff as NotDiffed).reason]})`)
  if (notCompared.length > named.length) named.push(`${notCompared.length - named.length} more`)
  return `${head}; not compared: ${named.join(', ')}`
}

/** "No schema change" only about models whose schema was compared. */
function schemaPhrase(diffs: readonly ModelDiff[], notCompared: number): string {
  const compared = diffs.filter(diff => diff.status === 'diffed')
  if (compared.length === 0 || compared.some(hasSchemaChange)) return ''
  return notCompared > 0 ? `no schema change in the ${compared.length} compared` : 'no schema change'
}

/** A model's change in a few words: schema first, then rows. */
export function headline(diff: ModelDiff): string {
  if (diff.status !== 'diffed') return `(${notDiffedLabel(diff)})`
  const { added, removed, retyped } = diff.schema
  const { onlyInProd, onlyInPr, changed } = diff.rows
  const parts = [
    added.length > 0 ? `+${plural(added.length, 'column')}` : '',
    removed.length > 0 ? `−${plural(removed.length, 'column')}` : '',
    retyped.length > 0 ? `${retyped.length} retyped` : '',
    onlyInProd > 0 ? `${plural(onlyInProd, 'row')} removed` : '',
    onlyInPr > 0 ? `${plural(onlyInPr, 'row')} added` : '',
    changed ? `${plural(changed, 'row')} changed` : ''
  ].filter(Boolean)
  const method = diff.method === 'whole-rows' ? ' (whole rows)' : ''
  return (parts.length > 0 ? parts.join(', ') : 'no row differs') + method
}

/** "1 row", "2 rows", "1,234 rows". */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * One row per model in five columns, so that it fits GitHub's comment width (about 780 px): the role as a mark before
 * the name (✏️ changed, ↳ downstream), the three counts a reviewer reads first, then one text column with the schema
 * change, the row totals and what was compared.
 */
function summaryTable(report: PrReport): string {
  if (report.diffs.length === 0) return '_Nothing to compare._'
  const changed = new Set(report.changed)
  const rows = report.diffs.map(diff => {
    // A no-break space keeps the mark on the name's line when the cell wraps.
    const name = `${changed.has(diff.model) ? '✏️' : '↳'}\u00a0${code(shortName(diff.model, 48))}`
    if (diff.status !== 'diffed') return [name, '—', '—', '—', text(notDiffedLabel(diff))]
    const { rows: counts } = diff
    const totals = `${formatCount(counts.prod)} → ${formatCount(counts.pr)} rows`
    return [
      name,
      formatCount(counts.onlyInProd),
      formatCount(counts.onlyInPr),
      counts.changed === null ? 'n/a' : formatCount(counts.changed),
      [schemaCell(diff), totals, comparedCell(diff)].filter(Boolean).join(' · ')
    ]
  })
  return table(['Model', 'Removed', 'Added', 'Changed', 'Schema · rows prod → PR · compared'], ['l', 'r', 'r', 'r', 'l'], rows)
}

/** What was compared: the window or all rows, how rows were matched, and why where it is not the grain. */
function comparedCell(diff: Diffed): string {
  const scope = diff.window ? text(describeWindow(diff.window)) : diff.partialUpstream ? 'all rows ⚠️ partial upstream' : 'all rows'
  const labels = [scope, methodLabel(diff), diff.preview ? 'forward-only preview' : '', diff.fullHistory ? 'rebuilt from its start' : '']
  return labels.filter(Boolean).join(' · ')
}

function methodLabel(diff: Diffed): string {
  if (diff.method !== 'whole-rows') return ''
  if (!diff.grainProblem) return 'whole rows (no grain)'
  return diff.grainProblem.kind === 'missing-columns' ? 'whole rows (grain column missing)' : 'whole rows (grain not unique)'
}

function schemaCell(diff: Diffed): string {
  const { added, removed, retyped } = diff.schema
  const parts = [
    added.length > 0 ? `+${added.length} col` : '',
    removed.length > 0 ? `−${removed.length} col` : '',
    retyped.length > 0 ? `${retyped.length} retyped` : ''
  ].filter(Boolean)
  return parts.join(', ')
}

const NOT_DIFFED_LABELS: Record<NotDiffed['reason'], string> = {
  added: 'new model',
  removed: 'removed model',
  'shares-prod-table': 'same table as prod',
  unchanged: 'same version as prod',
  external: 'external table',
  embedded: 'embedded: compared through its children',
  'out-of-scope': '⚠️ not compared (diff-scope)',
  'forward-only': '⚠️ not compared: forward-only, not previewed',
  'empty-window': '⚠️ not compared: no interval in common with prod',
  'not-found': '⚠️ not compared: missing from an environment',
  error: '❌ not compared: diff failed'
}

const SHORT_REASONS: Record<NotDiffed['reason'], string> = {
  added: 'new',
  removed: 'removed',
  'shares-prod-table': 'same table as prod',
  unchanged: 'same version',
  external: 'external',
  embedded: 'embedded',
  'out-of-scope': "diff-scope 'changed'",
  'forward-only': 'forward-only, not previewed',
  'empty-window': 'no interval in common with prod',
  'not-found': 'missing from an environment',
  error: 'diff failed'
}

function notDiffedLabel(diff: NotDiffed): string {
  return NOT_DIFFED_LABELS[diff.reason]
}

/** Where to declare a grain, in the words of the file the model comes from. */
function grainAdvice(facts: ModelFacts | undefined): string {
  switch (facts?.source) {
    case 'dbt':
      return "`config(grain=[...])` in the dbt model"
    case 'python':
      return '`grains=[...]` in its `@model` decorator'
    default:
      return '`grain (...)` in its MODEL block'
  }
}

function grainNote(diff: Diffed, facts: ModelFacts | undefined): string {
  const where = grainAdvice(facts)
  if (diff.method !== 'whole-rows') return ''
  if (!diff.grainProblem) {
    return `- ${code(diff.model)} has no grain: compared as whole rows (rows only in prod, only in the PR, and identical). To see changed rows, declare its unique key with ${where}.`
  }
  return `- ⚠️ ${code(diff.model)}: ${grainProblemText(diff.grain, diff.grainProblem)}: compared as whole rows. Fix it with ${where}.`
}

export function grainProblemText(grain: readonly string[], problem: GrainProblem): string {
  const declared = grain.map(code).join(', ')
  if (problem.kind === 'missing-columns') {
    const columns = problem.columns.slice(0, 20).map(code).join(', ') + (problem.columns.length > 20 ? ', …' : '')
    return `its grain ${declared} names ${problem.missing.length === 1 ? 'a column' : 'columns'} it does not have (${problem.missing.map(code).join(', ')}); its columns are ${columns}`
  }
  const { duplicateKeys, nullKeyRows } = problem
  const nulls = nullKeyRows.prod + nullKeyRows.pr > 0 ? `, and ${formatCount(nullKeyRows.prod)} rows in prod and ${formatCount(nullKeyRows.pr)} in the PR have a null key` : ''
  return `its grain ${declared} is not unique: ${plural(duplicateKeys.prod, 'duplicate key')} in prod, ${formatCount(duplicateKeys.pr)} in the PR${nulls}`
}

function notes(report: PrReport): Section[] {
  const lines: string[] = []
  for (const diff of report.diffs) {
    if (diff.status === 'not-diffed' && diff.reason !== 'unchanged') {
      const mark = diff.reason === 'error' ? '❌ ' : isUncompared(diff) ? '⚠️ not compared: ' : ''
      lines.push(`- ${mark}${code(diff.model)}: ${text(diff.detail)}`)
    }
  }
  for (const diff of report.diffs) {
    if (diff.status === 'diffed' && diff.method === 'whole-rows') lines.push(grainNote(diff, report.models?.get(diff.model)))
  }
  const rebuilt = report.diffs.filter(diff => diff.status === 'diffed' && diff.fullHistory).map(diff => code(diff.model))
  if (rebuilt.length > 0) {
    lines.push(
      `- Rebuilt from their own start in the PR environment, because their rows depend on history before the window (their own earlier rows, or a full rebuild from a windowed model), so they compare like for like with prod: ${rebuilt.join(', ')}`
    )
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
  if (report.gate && report.gate.failedDiffs.length > 0) {
    lines.push(`- ❌ The table diff failed, so this check fails closed for: ${report.gate.failedDiffs.map(code).join(', ')}`)
  }
  if (report.gate && report.gate.uncompared.length > 0) {
    lines.push(
      `- ❌ \`on-uncompared: ${report.onUncompared ?? 'fail'}\` fails this check for models that were not compared: ${report.gate.uncompared.map(code).join(', ')}`
    )
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
  for (const name of report.chain) lines.push(`  ${ids.get(name)}["${mermaidLabel(shortName(name, 48))}"]`)
  for (const [parent, child] of report.edges) lines.push(`  ${ids.get(parent)} --> ${ids.get(child)}`)
  lines.push('  classDef changed fill:#fde68a,stroke:#b45309,color:#000')
  const marked = report.chain.filter(name => changed.has(name)).map(name => ids.get(name))
  if (marked.length > 0) lines.push(`  class ${marked.join(',')} changed`)
  const embedded = report.chain.filter(name => report.models?.get(name)?.kind === 'EMBEDDED').map(name => ids.get(name))
  if (embedded.length > 0) {
    lines.push('  classDef embedded stroke-dasharray:4 3')
    lines.push(`  class ${embedded.join(',')} embedded`)
  }
  lines.push('```')
  const legend = embedded.length > 0 ? '; dashed: embedded, inlined into its children' : ''
  return `**Lineage** (changed models highlighted, upstream on the left${legend})\n\n${lines.join('\n')}`
}

/** A label Mermaid reads as text: anything but letters, digits, `.`, `-` and space as an entity, by code point (so an emoji stays one character). */
function mermaidLabel(name: string): string {
  return Array.from(visibleControls(name), char => (/^[\w.\- ]$/.test(char) ? char : `#${char.codePointAt(0)};`)).join('')
}

function modelDetails(diff: Diffed): string {
  const { rows } = diff
  const counts =
    rows.changed === null
      ? `${formatCount(rows.onlyInProd)} removed, ${formatCount(rows.onlyInPr)} added, ${formatCount(rows.matched)} identical (whole rows)`
      : `${formatCount(rows.onlyInProd)} removed, ${formatCount(rows.onlyInPr)} added, ${formatCount(rows.changed)} changed of ${formatCount(rows.matched)} matched`
  const summary = `<code>${html(diff.model)}</code>: ${counts}`
  const matchedOn = diff.method === 'whole-rows' ? 'whole rows' : `grain ${diff.grain.map(code).join(', ')}`
  const body: string[] = [
    `Matched on: ${matchedOn} · compared: ${diff.window ? text(describeWindow(diff.window)) : 'all rows'} · rows: ${formatCount(rows.prod)} in prod, ${formatCount(rows.pr)} in the PR`
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
  if (same > 0) body.push(`${same === 1 ? '1 other column matches' : `${formatCount(same)} other columns match`} 100% on matched rows.`)
  if (diff.samples) body.push(samplesBlock(diff.samples))
  return details(summary, body.filter(Boolean).join('\n\n'))
}

function schemaLines(diff: Diffed): string[] {
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
    const cells = rows.map(row => columns.map(column => dataCell(String(row[column] ?? 'NULL'))))
    return `${title}\n\n${table(columns.map(column => dataCell(column)), columns.map(() => 'l'), cells)}`
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
  const resolved = report.environmentStartDate && report.environmentStartDate !== report.environmentStart ? ` (${text(report.environmentStart)})` : ''
  const from = report.environmentStartDate ?? report.environmentStart
  const start = from ? ` · built from ${text(from)}${resolved}` : ''
  return `<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh ${text(report.sqlmeshVersion)} · commit ${code(report.headSha.slice(0, 7))}${start}</sub>`
}

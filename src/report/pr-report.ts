// The pull-request report: results -> markdown sections. Pure. The comment and the job summary are both cut from
// the same sections (see fit.ts), so they never disagree.

import { code, details, formatCount, formatPct, html, isolate, plural, shortName, table, text } from './markdown.js'
import { sampleBlock } from './samples.js'
import { describeWindow } from '../core/window.js'
import { gateFails, hasDataChange, hasSchemaChange, type GateResult } from '../core/gate.js'
import { coverageOf, isUncompared } from '../core/coverage.js'
import type { ChangedFile, GrainProblem, ModelDiff } from '../core/types.js'
import type { ModelBackfill } from '../core/backfill.js'
import type { FileListCap } from '../core/changes.js'
import type { Section } from './fit.js'
import { COMMENT_LINEAGE, MERMAID_LIMITS, renderLineage, type LineageBudget } from './lineage.js'
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
  readonly edges: readonly (readonly [string, string])[]
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
  /** Set when the changed files came from GitHub's REST list and it was cut at its cap: the list is incomplete. */
  readonly fileList?: FileListCap | null
  /** The branch the pull request merges into, recorded in the comment so that a later run can tell it changed. */
  readonly baseRef?: string
  /**
   * The manual diff mode: two environments the user named, and models the user named. The report then names the
   * environments where it would say "prod" and "the PR", and no model is "downstream".
   */
  readonly environments?: { readonly source: string; readonly target: string }
}

/** How the report names the two sides it compares. */
export interface Sides {
  /** In a sentence: 'prod' and 'the PR', or the two environments as code spans. */
  readonly source: string
  readonly target: string
  /** In the summary table's header: 'prod' and 'PR', or the environments' names. */
  readonly sourceHeader: string
  readonly targetHeader: string
  /** The source side in a label, before it is escaped: 'prod', or the source environment's name. */
  readonly sourceName: string
}

export const PR_SIDES: Sides = {
  source: 'prod',
  target: 'the PR',
  sourceHeader: 'prod',
  targetHeader: 'PR',
  sourceName: 'prod'
}

function sidesOf(report: PrReport): Sides {
  const named = report.environments
  if (!named) return PR_SIDES
  return {
    source: code(named.source),
    target: code(named.target),
    sourceHeader: text(named.source),
    targetHeader: text(named.target),
    sourceName: named.source
  }
}

/** Where the sections go: the comment (65,536 characters) or the job summary (1 MiB), which can hold more. */
export type ReportTarget = 'comment' | 'summary'

/**
 * The report's sections, most important first among the optional ones (fit.ts drops them from the end): the lineage,
 * the per-model details (changed models, then models with differences, then the rest), then every model by outcome.
 */
export function renderPrSections(report: PrReport, target: ReportTarget = 'comment'): Section[] {
  const grouped = report.diffs.length > TABLE_ROWS
  const sides = sidesOf(report)
  return [
    {
      id: 'header',
      required: true,
      text: `${DIFF_COMMENT_MARKER}\n## SQLMesh diff: ${code(report.environment)} vs ${code(report.prodEnvironment)}`
    },
    { id: 'verdict', required: true, text: `**${verdict(report)}**` },
    { id: 'summary', required: true, text: grouped ? groupedTable(report) : summaryTable(report) },
    ...notes(report),
    ...(report.backfillPreview
      ? [
          {
            id: 'backfill-preview',
            required: false,
            text: backfillPreview(report.backfillPreview, report.backfillStart ?? '')
          }
        ]
      : []),
    ...(report.chain.length > 0 ? [{ id: 'lineage', required: false, text: lineage(report, target) }] : []),
    ...byImportance(report).map(diff => ({
      id: `details:${diff.model}`,
      required: false,
      text: modelDetails(diff, sides)
    })),
    ...(grouped ? [{ id: 'models-by-outcome', required: false, text: modelsByOutcome(report) }] : []),
    { id: 'footer', required: true, text: footer(report) }
  ]
}

export interface FailedRun {
  readonly environment: string
  readonly prodEnvironment: string
  readonly headSha: string
  readonly baseRef?: string
  readonly message: string
  readonly runUrl: string
  /** What the comment this replaces was computed for; null when the pull request has no comment yet. */
  readonly earlier?: CommentOrigin | null
}

/** The comment when the diff could not run: what failed, SQLMesh's words, and where the log is. */
export function renderFailure(run: FailedRun): string {
  const error = run.message.replace(/```/g, "'''").slice(0, 6000)
  return [
    `${DIFF_COMMENT_MARKER}\n## SQLMesh diff: ${code(run.environment)} vs ${code(run.prodEnvironment)}`,
    `**❌ The diff could not run for commit ${code(run.headSha.slice(0, 7))}.**${replaced(run.earlier)} The log: ${run.runUrl}`,
    '```text\n' + error + '\n```',
    originMarker(run.headSha, run.baseRef)
  ].join('\n\n')
}

/** What a failure says of the results it replaces: nothing on a first comment, their commit when it is known. */
function replaced(earlier: CommentOrigin | null | undefined): string {
  if (!earlier) return ''
  if (!earlier.commit) return ' Earlier results no longer apply.'
  return ` The results posted for commit ${code(earlier.commit.slice(0, 7))} no longer apply.`
}

/** The commit (and base branch) a diff comment was computed for. */
export interface CommentOrigin {
  readonly commit: string | null
  readonly base: string | null
}

const ORIGIN = /<!-- sqlmesh-action:commit ([0-9a-f]{7,40})(?: base (\S+))? -->/

/** A hidden line naming the commit and base branch the comment's results are for (the base URI-encoded: a branch name may hold `-->`). */
export function originMarker(commit: string, base?: string): string {
  return `<!-- sqlmesh-action:commit ${commit}${base ? ` base ${encodeURIComponent(base)}` : ''} -->`
}

/**
 * The commit and base a diff comment was computed for: from its hidden marker, or, in a comment written before the
 * marker existed, from the short commit its footer or failure line names.
 */
export function commentOrigin(body: string): CommentOrigin {
  const marked = ORIGIN.exec(body)
  if (marked) return { commit: marked[1], base: marked[2] ? safeDecode(marked[2]) : null }
  const named = /(?:· commit|for commit) `([0-9a-f]{7,40})`/.exec(body)
  return { commit: named?.[1] ?? null, base: null }
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value)
  } catch {
    return null
  }
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
  // A changed model that needs no comparison (an embedded model: no table of its own) is no finding of its own.
  const direct = report.diffs.filter(diff => changed.has(diff.model) && coverageOf(diff) !== 'not-needed')
  const shown = direct.slice(0, 3).map(diff => `${code(diff.model)}: ${headline(diff, sidesOf(report))}`)
  if (direct.length > shown.length) shown.push(`${formatCount(direct.length - shown.length)} more changed`)
  const others = report.diffs.filter(diff => !changed.has(diff.model))
  const parts = [
    ...shown,
    report.environments ? sameVersionPhrase(others) : downstreamPhrase(others),
    report.removed.length > 0 ? plural(report.removed.length, 'model') + ' removed' : '',
    coveragePhrase(report.diffs, notCompared),
    schemaPhrase(report.diffs, notCompared.length)
  ]
  return `${verdictMark(report, notCompared.length)} ${parts.filter(Boolean).join(' · ')}`
}

/** The marks a verdict leads with (docs/VERDICT.md, "The marks"; the draft's ⏸️ is in stale-comment.ts). */
export const VERDICT_MARKS = { fails: '❌', look: '⚠️', clean: '✅' } as const

function verdictMark(report: PrReport, notCompared: number): string {
  const gateFailed = report.gate ? gateFails(report.gate) : report.failing.length > 0
  if (gateFailed || (report.auditFailures?.length ?? 0) > 0) return VERDICT_MARKS.fails
  const differs = report.diffs.some(hasDataChange) || report.removed.length > 0
  return differs || notCompared > 0 ? VERDICT_MARKS.look : VERDICT_MARKS.clean
}

/**
 * How many downstream models differ, among those compared; when none was compared, that is said, never "0 of 0"
 * (the models and their reasons follow in the coverage phrase).
 */
function downstreamPhrase(downstream: readonly ModelDiff[]): string {
  const total = downstream.length
  if (total === 0) return ''
  const known = downstream.filter(diff => !isUncompared(diff))
  if (known.length === 0) {
    return total === 1
      ? 'the 1 downstream model was not compared'
      : `none of the ${formatCount(total)} downstream models was compared`
  }
  const differing = known.filter(hasDataChange).length
  const compared = known.length === total ? '' : 'compared '
  if (known.length === 1) return `the 1 ${compared}downstream model ${differing === 1 ? 'differs' : 'does not differ'}`
  // "1 of 4 downstream models differs", "0 of 2 downstream models differ": the noun counts the models, the verb the differing.
  return `${formatCount(differing)} of ${formatCount(known.length)} ${compared}downstream models ${differing === 1 ? 'differs' : 'differ'}`
}

/** The manual diff mode: the named models whose version is the same in both environments. */
function sameVersionPhrase(same: readonly ModelDiff[]): string {
  return same.length > 0 ? `${plural(same.length, 'model')} with the same version in both` : ''
}

/** "4 of 6 affected models compared; not compared: `a` (diff failed), `b` (forward-only, not previewed)". */
function coveragePhrase(diffs: readonly ModelDiff[], notCompared: readonly ModelDiff[]): string {
  const needing = diffs.filter(diff => ['compared', 'not-compared', 'failed'].includes(coverageOf(diff)))
  if (needing.length === 0) return ''
  const compared = needing.length - notCompared.length
  const head = `${compared} of ${plural(needing.length, 'affected model')} compared`
  if (notCompared.length === 0) return head
  const named = notCompared
    .slice(0, 5)
    .map(diff => `${code(diff.model)} (${SHORT_REASONS[(diff as NotDiffed).reason]})`)
  if (notCompared.length > named.length) named.push(`${formatCount(notCompared.length - named.length)} more`)
  return `${head}; not compared: ${named.join(', ')}`
}

/** "No schema change" only about models whose schema was compared. */
function schemaPhrase(diffs: readonly ModelDiff[], notCompared: number): string {
  const compared = diffs.filter(diff => diff.status === 'diffed')
  if (compared.length === 0 || compared.some(hasSchemaChange)) return ''
  return notCompared > 0 ? `no schema change in the ${compared.length} compared` : 'no schema change'
}

/** A model's change in a few words: schema first, then rows. */
export function headline(diff: ModelDiff, sides: Sides = PR_SIDES): string {
  if (diff.status !== 'diffed') return `(${text(notDiffedLabel(diff, sides))})`
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

/**
 * One row per model in five columns, so that it fits GitHub's comment width (about 780 px): the role as a mark before
 * the name (✏️ changed, ↳ downstream), the three counts a reviewer reads first, then one text column with the schema
 * change, the row totals and what was compared.
 */
function summaryTable(report: PrReport): string {
  if (report.diffs.length === 0) return '_Nothing to compare._'
  const changed = new Set(report.changed)
  return summaryRows(
    report.diffs.map(diff => modelRow(diff, changed, report)),
    sidesOf(report)
  )
}

function summaryRows(rows: readonly string[][], sides: Sides): string {
  return table(
    ['Model', 'Removed', 'Added', 'Changed', `Schema · rows ${sides.sourceHeader} → ${sides.targetHeader} · compared`],
    ['l', 'r', 'r', 'r', 'l'],
    rows
  )
}

/** Up to this many models the table has one row per model, in chain order; above it, outcomes are grouped. */
export const TABLE_ROWS = 40
/** Models listed one by one in a grouped table (changed models, differences, failed diffs). */
const INDIVIDUAL_ROWS = 25
/** Names a grouped row or a collapsed note shows before "and N more". */
const NAMES_SHOWN = 3

/**
 * The table of a large pull request: the models a reviewer must look at one by one (failed diffs, changed models,
 * models with differences), then one row per outcome with its exact count ("312 models · no difference · all rows").
 * A model not compared is only ever grouped with models not compared for the same reason.
 */
function groupedTable(report: PrReport): string {
  const changed = new Set(report.changed)
  // The changed models are listed first of all (up to the cap), then failed diffs and differences fill the rest.
  const candidates = report.diffs.filter(diff => rank(diff, changed) <= RANK.changed)
  const picked = [
    ...candidates.filter(diff => changed.has(diff.model)),
    ...candidates.filter(diff => !changed.has(diff.model))
  ].slice(0, INDIVIDUAL_ROWS)
  const listed = new Set(picked)
  const individual = importanceOrder(
    report.diffs.filter(diff => listed.has(diff)),
    changed
  )
  const sides = sidesOf(report)
  const groups = outcomeGroups(
    report.diffs.filter(diff => !listed.has(diff)),
    sides
  )
  const head = summaryRows([...individual.map(diff => modelRow(diff, changed, report)), ...groups.map(groupRow)], sides)
  const note = `_${plural(report.diffs.length, 'model')}: ${formatCount(individual.length)} listed one by one (failed diffs, changed models, differences), the other ${formatCount(report.diffs.length - individual.length)} grouped by outcome._`
  return `${head}\n\n${note}`
}

/** The order of importance: failed diffs, changed models with a difference, other differences, other changed models, then the rest. */
const RANK = { failed: 0, changedDiffers: 1, differs: 2, changed: 3, notCompared: 4, rest: 5 } as const

function rank(diff: ModelDiff, changed: ReadonlySet<string>): number {
  if (coverageOf(diff) === 'failed') return RANK.failed
  const isChanged = changed.has(diff.model)
  if (diff.status === 'diffed' && hasDataChange(diff)) return isChanged ? RANK.changedDiffers : RANK.differs
  if (isChanged) return RANK.changed
  return isUncompared(diff) ? RANK.notCompared : RANK.rest
}

/** Models in order of importance, in chain order within a rank (the sort is stable). */
function importanceOrder<T extends ModelDiff>(diffs: readonly T[], changed: ReadonlySet<string>): T[] {
  return [...diffs].sort((a, b) => rank(a, changed) - rank(b, changed))
}

/** The compared models, whose details the report shows, most important first: fit.ts drops details from the end. */
function byImportance(report: PrReport): Diffed[] {
  return importanceOrder(
    report.diffs.filter((diff): diff is Diffed => diff.status === 'diffed'),
    new Set(report.changed)
  )
}

/** One model's row: its role mark and name, the three counts, then schema, totals and what was compared. */
function modelRow(diff: ModelDiff, changed: ReadonlySet<string>, report: PrReport): string[] {
  const name = `${roleMark(diff.model, changed, report)}${code(shortName(diff.model, 48))}`
  if (diff.status !== 'diffed') return [name, '—', '—', '—', text(notDiffedLabel(diff, sidesOf(report)))]
  const { rows: counts } = diff
  const totals = `${formatCount(counts.prod)} → ${formatCount(counts.pr)} ${counts.prod === 1 && counts.pr === 1 ? 'row' : 'rows'}`
  return [
    name,
    formatCount(counts.onlyInProd),
    formatCount(counts.onlyInPr),
    counts.changed === null ? 'n/a' : formatCount(counts.changed),
    [schemaCell(diff), totals, comparedCell(diff)].filter(Boolean).join(' · ')
  ]
}

/**
 * ✏️ for a changed model, ↳ for one downstream of a change; in the manual diff mode, where the models were named and
 * none is downstream, ✏️ only for a model whose version differs. A no-break space keeps the mark on the name's line.
 */
function roleMark(model: string, changed: ReadonlySet<string>, report: PrReport): string {
  if (changed.has(model)) return '✏️\u00a0'
  return report.environments ? '' : '↳\u00a0'
}

interface OutcomeGroup {
  /** Markdown, escaped. */
  readonly label: string
  readonly order: number
  readonly models: ModelDiff[]
}

/** The order of groups: failed, not compared, differences, new or removed, compared equal, needing no comparison. */
const GROUP_ORDER: Record<ReturnType<typeof coverageOf>, number> = {
  failed: 0,
  'not-compared': 1,
  compared: 3,
  'whole-model': 4,
  'not-needed': 5
}

/** Outcome rows past this many (models compared over many different windows) regroup without the window. */
const GROUP_ROWS = 12

/**
 * Models with the same outcome, largest group first within each kind; the label says the outcome in the table's words.
 * When that makes too many rows, compared models regroup by whether they differ alone (at most 13 rows then).
 */
function outcomeGroups(diffs: readonly ModelDiff[], sides: Sides): OutcomeGroup[] {
  const fine = groupBy(diffs, diff => outcomeOf(diff, sides))
  return fine.length <= GROUP_ROWS ? fine : groupBy(diffs, diff => coarseOutcomeOf(diff, sides))
}

function groupBy(
  diffs: readonly ModelDiff[],
  outcome: (diff: ModelDiff) => { label: string; order: number }
): OutcomeGroup[] {
  const groups = new Map<string, OutcomeGroup>()
  for (const diff of diffs) {
    const { label, order } = outcome(diff)
    const group = groups.get(label) ?? { label, order, models: [] }
    group.models.push(diff)
    groups.set(label, group)
  }
  return [...groups.values()].sort((a, b) => a.order - b.order || b.models.length - a.models.length)
}

function coarseOutcomeOf(diff: ModelDiff, sides: Sides): { label: string; order: number } {
  if (diff.status !== 'diffed') return outcomeOf(diff, sides)
  return hasDataChange(diff)
    ? { label: 'differs · compared', order: 2 }
    : { label: 'no difference · compared', order: GROUP_ORDER.compared }
}

function outcomeOf(diff: ModelDiff, sides: Sides): { label: string; order: number } {
  if (diff.status !== 'diffed')
    return { label: text(notDiffedLabel(diff, sides)), order: GROUP_ORDER[coverageOf(diff)] }
  const schema = schemaCell(diff)
  if (hasDataChange(diff))
    return { label: ['differs', schema, comparedCell(diff)].filter(Boolean).join(' · '), order: 2 }
  return { label: `no difference · ${comparedCell(diff)}`, order: GROUP_ORDER.compared }
}

/** "312 models" with the sums of the counts (exact), and the outcome with the first names. */
function groupRow(group: OutcomeGroup): string[] {
  const compared = group.models.filter((diff): diff is Diffed => diff.status === 'diffed')
  const sum = (pick: (diff: Diffed) => number | null): string => {
    if (compared.length === 0) return '—'
    const values = compared.map(pick)
    return values.every(value => value === null)
      ? 'n/a'
      : formatCount(values.reduce<number>((total, value) => total + (value ?? 0), 0))
  }
  const names = nameList(
    group.models.map(diff => shortName(diff.model, 48)),
    NAMES_SHOWN
  )
  return [
    `**${plural(group.models.length, 'model')}**`,
    sum(diff => diff.rows.onlyInProd),
    sum(diff => diff.rows.onlyInPr),
    sum(diff => diff.rows.changed),
    `${group.label}: ${names}`
  ]
}

/** "`a`, `b`, `c` and 309 more": a few names of a long list, and the exact count of the rest. */
export function nameList(names: readonly string[], shown: number): string {
  const head = names.slice(0, shown).map(code).join(', ')
  return names.length > shown ? `${head} and ${formatCount(names.length - shown)} more` : head
}

/** Every affected model under its outcome, in a collapsed list: the table's groups name only a few. */
function modelsByOutcome(report: PrReport): string {
  const groups = outcomeGroups(report.diffs, sidesOf(report))
  const body = groups
    .map(
      group =>
        `- ${group.label} (${formatCount(group.models.length)}): ${group.models.map(diff => code(diff.model)).join(', ')}`
    )
    .join('\n')
  return details(`<b>Every affected model by outcome</b> (${formatCount(report.diffs.length)})`, body)
}

/** What was compared: the window or all rows, how rows were matched, and why where it is not the grain. */
/**
 * Every label the table shows for a compared model, besides the window it compared. docs/VERDICT.md documents each
 * one, and a test holds the two equal (__tests__/verdict-doc.test.ts): add a label here, and document it there.
 */
export const COMPARED_LABELS = {
  allRows: 'all rows',
  partialUpstream: 'all rows ⚠️ partial upstream',
  noGrain: 'whole rows (no grain)',
  grainColumnMissing: 'whole rows (grain column missing)',
  grainNotUnique: 'whole rows (grain not unique)',
  preview: 'forward-only preview',
  fullHistory: 'rebuilt from its start'
} as const

function comparedCell(diff: Diffed): string {
  const scope = diff.window
    ? text(describeWindow(diff.window))
    : diff.partialUpstream
      ? COMPARED_LABELS.partialUpstream
      : COMPARED_LABELS.allRows
  const labels = [
    scope,
    methodLabel(diff),
    diff.preview ? COMPARED_LABELS.preview : '',
    diff.fullHistory ? COMPARED_LABELS.fullHistory : ''
  ]
  return labels.filter(Boolean).join(' · ')
}

function methodLabel(diff: Diffed): string {
  if (diff.method !== 'whole-rows') return ''
  if (!diff.grainProblem) return COMPARED_LABELS.noGrain
  return diff.grainProblem.kind === 'missing-columns'
    ? COMPARED_LABELS.grainColumnMissing
    : COMPARED_LABELS.grainNotUnique
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

/** The table's label for each reason a model was not compared (docs/VERDICT.md lists each one; a test holds it so). */
export const NOT_DIFFED_LABELS: Readonly<Record<NotDiffed['reason'], string>> = {
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

/** The reason in the verdict line's "not compared: `model` (reason)" (docs/VERDICT.md lists those of models not compared). */
export const SHORT_REASONS: Readonly<Record<NotDiffed['reason'], string>> = {
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

/**
 * A reason's label, as plain text to escape: "prod" names the source side, which the manual diff mode names by its
 * environment.
 */
function notDiffedLabel(diff: NotDiffed, sides: Sides = PR_SIDES): string {
  return NOT_DIFFED_LABELS[diff.reason].replace(/\bprod\b/, sides.sourceName)
}

/** Where to declare a grain, in the words of the file the model comes from. */
function grainAdvice(facts: ModelFacts | undefined): string {
  switch (facts?.source) {
    case 'dbt':
      return '`config(grain=[...])` in the dbt model'
    case 'python':
      return '`grains=[...]` in its `@model` decorator'
    default:
      return '`grain (...)` in its MODEL block'
  }
}

function grainNote(diff: Diffed, facts: ModelFacts | undefined, sides: Sides): string {
  const where = grainAdvice(facts)
  if (diff.method !== 'whole-rows') return ''
  if (!diff.grainProblem) {
    return `- ${code(diff.model)} has no grain: compared as whole rows (${wholeRowsParts(sides)}). To see changed rows, declare its unique key with ${where}.`
  }
  return `- ⚠️ ${code(diff.model)}: ${grainProblemText(diff.grain, diff.grainProblem, sides)}: compared as whole rows. Fix it with ${where}.`
}

function wholeRowsParts(sides: Sides): string {
  return `rows only in ${sides.source}, only in ${sides.target}, and identical`
}

export function grainProblemText(grain: readonly string[], problem: GrainProblem, sides: Sides = PR_SIDES): string {
  const declared = grain.map(code).join(', ')
  if (problem.kind === 'missing-columns') {
    const columns = problem.columns.slice(0, 20).map(code).join(', ') + (problem.columns.length > 20 ? ', …' : '')
    return `its grain ${declared} names ${problem.missing.length === 1 ? 'a column' : 'columns'} it does not have (${problem.missing.map(code).join(', ')}); its columns are ${columns}`
  }
  const { duplicateKeys, nullKeyRows } = problem
  const nulls =
    nullKeyRows.prod + nullKeyRows.pr > 0
      ? `, and ${plural(nullKeyRows.prod, 'row')} in ${sides.source} and ${formatCount(nullKeyRows.pr)} in ${sides.target} ${nullKeyRows.prod + nullKeyRows.pr === 1 ? 'has' : 'have'} a null key`
      : ''
  return `its grain ${declared} is not unique: ${plural(duplicateKeys.prod, 'duplicate key')} in ${sides.source}, ${formatCount(duplicateKeys.pr)} in ${sides.target}${nulls}`
}

/** Notes on one model each, at most; past this the rest collapse into one line with their count and a few names. */
const NOTE_LINES = 12
/** Models sharing one note (the same reason, the same words) that collapse into one line. */
const NOTE_GROUP = 4
/** Names a list in a note shows (changed files, rebuilt models, the gate's) before "and N more". */
const NOTE_NAMES = 10

function notes(report: PrReport): Section[] {
  const lines = [
    ...capLines([...notDiffedNotes(report.diffs), ...grainNotes(report)], NOTE_LINES),
    ...historyNotes(report.diffs),
    ...fileNotes(report),
    ...capLines(
      (report.auditFailures ?? []).map(failure => `- ❌ Audit failed in the PR environment: ${code(failure)}`),
      NOTE_LINES
    ),
    ...gateNotes(report)
  ]
  return lines.length > 0 ? [{ id: 'notes', required: true, text: lines.join('\n') }] : []
}

/** Keeps the first `max` lines and says how many more there are, so that no list of notes can outgrow a comment. */
function capLines(lines: readonly string[], max: number): string[] {
  if (lines.length <= max) return [...lines]
  return [...lines.slice(0, max - 1), `- … and ${formatCount(lines.length - max + 1)} more notes like these.`]
}

/** Why each model was not compared or needed no comparison: one line per model, or one per reason shared by many. */
function notDiffedNotes(diffs: readonly ModelDiff[]): string[] {
  const groups = new Map<string, NotDiffed[]>()
  for (const diff of diffs) {
    if (diff.status !== 'not-diffed' || diff.reason === 'unchanged') continue
    const key = `${diff.reason}\u0000${diff.detail}`
    const group = groups.get(key)
    if (group) group.push(diff)
    else groups.set(key, [diff])
  }
  // Failed and not-compared models first: they are what a reviewer must read.
  const ordered = [...groups.values()].sort((a, b) => noteOrder(a[0]) - noteOrder(b[0]))
  return ordered.flatMap(group => {
    const first = group[0]
    const mark = first.reason === 'error' ? '❌ ' : isUncompared(first) ? '⚠️ not compared: ' : ''
    if (group.length < NOTE_GROUP) return group.map(diff => `- ${mark}${code(diff.model)}: ${text(diff.detail)}`)
    return [
      `- ${mark}${plural(group.length, 'model')} (${nameList(
        group.map(diff => diff.model),
        NAMES_SHOWN
      )}): ${text(first.detail)}`
    ]
  })
}

function noteOrder(diff: NotDiffed): number {
  return GROUP_ORDER[coverageOf(diff)]
}

/** Models compared as whole rows: those without a grain in one line when many, each grain problem on its own. */
function grainNotes(report: PrReport): string[] {
  const sides = sidesOf(report)
  const wholeRows = report.diffs.filter(
    (diff): diff is Diffed => diff.status === 'diffed' && diff.method === 'whole-rows'
  )
  const noGrain = wholeRows.filter(diff => !diff.grainProblem)
  const problems = wholeRows
    .filter(diff => diff.grainProblem)
    .map(diff => grainNote(diff, report.models?.get(diff.model), sides))
  if (noGrain.length < NOTE_GROUP)
    return [...noGrain.map(diff => grainNote(diff, report.models?.get(diff.model), sides)), ...problems]
  const line = `- ${plural(noGrain.length, 'model')} have no grain: compared as whole rows (${wholeRowsParts(sides)}): ${nameList(
    noGrain.map(diff => diff.model),
    NAMES_SHOWN
  )}. To see changed rows, declare each one's unique key (${grainAdvice(report.models?.get(noGrain[0].model))}, or its equivalent).`
  return [line, ...problems]
}

/** Models rebuilt from their start, and models rebuilt in full from a windowed parent. */
function historyNotes(diffs: readonly ModelDiff[]): string[] {
  const lines: string[] = []
  const rebuilt = diffs.filter(diff => diff.status === 'diffed' && diff.fullHistory).map(diff => diff.model)
  if (rebuilt.length > 0) {
    lines.push(
      `- Rebuilt from their own start in the PR environment, because their rows depend on history before the window (their own earlier rows, or a full rebuild from a windowed model), so they compare like for like with prod: ${nameList(rebuilt, NOTE_NAMES)}`
    )
  }
  const partial = diffs.flatMap(diff =>
    diff.status === 'diffed' && diff.partialUpstream ? [{ model: diff.model, upstream: diff.partialUpstream }] : []
  )
  const partialLines = partial.map(
    ({ model, upstream: { model: upstream, window } }) =>
      `- ⚠️ ${code(model)} is rebuilt in full from ${code(upstream)}, which the PR environment holds only for ${text(describeWindow(window))}: ` +
      'its rows outside that window differ because of the window, not the change. Set `environment-start` earlier to compare it fully.'
  )
  return [...lines, ...capLines(partialLines, NOTE_NAMES)]
}

/** What the changed files say, and that the list is incomplete when GitHub's REST list was cut at its cap. */
function fileNotes(report: PrReport): string[] {
  const lines: string[] = []
  if (report.fileList) lines.push(fileListNote(report.fileList))
  if (report.noSemanticChange.length > 0) {
    lines.push(
      `- No semantic change (the file changed, the fingerprint did not): ${nameList(report.noSemanticChange, NOTE_NAMES)}`
    )
  }
  // A model "changed without an edit to its own file" is a claim about every file: not made from a list known to be cut.
  if (report.changedIndirectlyByFiles.length > 0 && !report.fileList) {
    const files = nameList(
      report.projectFiles.map(file => file.path),
      NOTE_NAMES
    )
    const via = files ? ` through ${files}` : ''
    lines.push(
      `- Changed without an edit to their own file${via}: ${nameList(report.changedIndirectlyByFiles, NOTE_NAMES)}`
    )
  }
  return lines
}

/** The note on a file list cut at GitHub's cap. */
export function fileListNote(cap: FileListCap): string {
  const of = cap.total !== null && cap.total > cap.listed ? ` of ${formatCount(cap.total)}` : ''
  return (
    `- ⚠️ The list of changed files is incomplete: git history was not available, and GitHub's API listed only ${formatCount(cap.listed)}${of} files (its cap). ` +
    "The changed models come from SQLMesh's fingerprints, and nothing here is said from the file list alone. Use `actions/checkout` with `fetch-depth: 0` for the full list."
  )
}

function gateNotes(report: PrReport): string[] {
  const lines: string[] = []
  if (report.failing.length > 0) {
    lines.push(`- ❌ \`fail-on: ${report.failOn}\` fails this check for: ${nameList(report.failing, NOTE_NAMES)}`)
  }
  if (report.gate && report.gate.failedDiffs.length > 0) {
    lines.push(
      `- ❌ The table diff failed, so this check fails closed for: ${nameList(report.gate.failedDiffs, NOTE_NAMES)}`
    )
  }
  if (report.gate && report.gate.uncompared.length > 0) {
    lines.push(
      `- ❌ \`on-uncompared: ${report.onUncompared ?? 'fail'}\` fails this check for models that were not compared: ${nameList(report.gate.uncompared, NOTE_NAMES)}`
    )
  }
  return lines
}

function backfillPreview(rows: readonly ModelBackfill[], start: string): string {
  if (rows.length === 0) return `**On merge this will backfill:** nothing (no model that prod already has is touched).`
  const planned = rows.filter(row => row.status === 'planned').length
  const body = table(
    ['Model', 'Interval', 'Note'],
    ['l', 'l', 'l'],
    rows.map(row => [
      code(shortName(row.model, 48)),
      row.interval ? text(describeWindow(row.interval)) : '—',
      text(row.status === 'skipped' ? `skipped: ${row.note}` : row.note)
    ])
  )
  return details(
    `<b>On merge this will backfill</b> ${planned} model${planned === 1 ? '' : 's'} in prod from ${html(start)}`,
    body
  )
}

/** The lineage that fits where it goes; the comment says when the job summary draws the whole graph. */
function lineage(report: PrReport, target: ReportTarget): string {
  const input = {
    chain: report.chain,
    edges: report.edges,
    changed: new Set(report.changed),
    embedded: new Set(report.chain.filter(name => report.models?.get(name)?.kind === 'EMBEDDED'))
  }
  const budget: LineageBudget = target === 'comment' ? COMMENT_LINEAGE : MERMAID_LIMITS
  const drawn = renderLineage(input, budget)
  if (!drawn) {
    return `**Lineage**: ${plural(report.chain.length, 'affected model')}, more than GitHub can draw in one diagram (500 edges, 50,000 characters).`
  }
  const legend = drawn.embedded ? '; dashed: embedded, inlined into its children' : ''
  const elsewhere =
    !drawn.whole && target === 'comment' && renderLineage(input, MERMAID_LIMITS)?.whole
      ? '; the job summary draws the whole graph'
      : ''
  const caption = drawn.whole ? '' : `; ${drawn.caption}${elsewhere}`
  const highlighted = report.environments ? 'models whose version differs' : 'changed models'
  return `**Lineage** (${highlighted} highlighted, upstream on the left${legend}${caption})\n\n${drawn.block}`
}

function modelDetails(diff: Diffed, sides: Sides): string {
  const { rows } = diff
  const counts =
    rows.changed === null
      ? `${formatCount(rows.onlyInProd)} removed, ${formatCount(rows.onlyInPr)} added, ${formatCount(rows.matched)} identical (whole rows)`
      : `${formatCount(rows.onlyInProd)} removed, ${formatCount(rows.onlyInPr)} added, ${formatCount(rows.changed)} changed of ${formatCount(rows.matched)} matched`
  const summary = `${isolate(`<code>${html(diff.model)}</code>`, diff.model)}: ${counts}`
  const matchedOn = diff.method === 'whole-rows' ? 'whole rows' : `grain ${diff.grain.map(code).join(', ')}`
  const body: string[] = [
    `Matched on: ${matchedOn} · compared: ${diff.window ? text(describeWindow(diff.window)) : 'all rows'} · rows: ${formatCount(rows.prod)} in ${sides.source}, ${formatCount(rows.pr)} in ${sides.target}`
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
        differing.map(column => [code(shortName(column.column, 48)), formatPct(column.matchPct)])
      )
    )
  }
  if (same > 0)
    body.push(
      `${same === 1 ? '1 other column matches' : `${formatCount(same)} other columns match`} 100% on matched rows.`
    )
  if (diff.samples) body.push(samplesBlock(diff.samples, sides))
  return details(summary, body.filter(Boolean).join('\n\n'))
}

function schemaLines(diff: Diffed): string[] {
  return [
    ...diff.schema.added.map(column => `- ➕ column ${code(column.column)} ${code(column.type)}`),
    ...diff.schema.removed.map(column => `- ➖ column ${code(column.column)} ${code(column.type)}`),
    ...diff.schema.retyped.map(
      column => `- 🔁 column ${code(column.column)}: ${code(column.from)} → ${code(column.to)}`
    )
  ]
}

function samplesBlock(samples: NonNullable<Diffed['samples']>, sides: Sides): string {
  return [
    sampleBlock(`Sample rows only in ${sides.source} (removed):`, samples.onlyInProd),
    sampleBlock(`Sample rows only in ${sides.target} (added):`, samples.onlyInPr),
    sampleBlock('Sample changed rows:', samples.changed)
  ]
    .filter(Boolean)
    .join('\n\n')
}

function footer(report: PrReport): string {
  const resolved =
    report.environmentStartDate && report.environmentStartDate !== report.environmentStart
      ? ` (${text(report.environmentStart)})`
      : ''
  const from = report.environmentStartDate ?? report.environmentStart
  const start = from ? ` · built from ${text(from)}${resolved}` : ''
  // The hidden line first, so that the comment still ends with the visible footer.
  const origin = report.headSha ? `${originMarker(report.headSha, report.baseRef)}\n` : ''
  return `${origin}<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh ${text(report.sqlmeshVersion)} · commit ${code(report.headSha.slice(0, 7))}${start}</sub>`
}

// Steps the merge flow and the manual backfill share: the range, the per-model settings, the restatements, and the
// report (job summary, outputs, and a sticky comment on the pull request when there is one).

import * as core from '@actions/core'
import { isAbsolute, join } from 'node:path'
import { backfillRows, selectRestatementRoots, type ModelBackfill, type RestatementOutcome } from '../core/backfill.js'
import { parseBackfillSettings } from '../core/backfill-config.js'
import type { ModelGraph } from '../core/graph.js'
import { InputError } from '../inputs.js'
import type { Section } from '../report/fit.js'
import { BACKFILL_COMMENT_MARKER, renderBackfillSections, type BackfillReport } from '../report/backfill-report.js'
import { isForbidden, type GitHub } from '../github/client.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { commentBody, PolicyFailure, projectDir, step, type FlowContext, writeSummarySections } from './context.js'

export interface BackfillRange {
  readonly start: string
  readonly end: string
  readonly startMs: number
}

/** Checks backfill-start / backfill-end the way SQLMesh will read them: parseable, not in the future, in order. */
export async function resolveBackfillRange(context: FlowContext, sqlmesh: SqlMesh): Promise<BackfillRange> {
  const { backfillStart: start, backfillEnd: end } = context.settings
  if (!start) {
    throw new InputError(
      "Input 'backfill-start' is empty: set the date to backfill from, e.g. '2024-10-01' or '3 months ago'."
    )
  }
  const values = { 'backfill-start': start, ...(end ? { 'backfill-end': end } : {}) }
  const { times, now } = await sqlmesh.resolveTimes(values).catch((error: unknown) => {
    throw new InputError(
      `Input ${error instanceof Error ? error.message : String(error)}. Use a date such as '2024-10-01' or a relative time such as '3 months ago'.`
    )
  })
  const startMs = times['backfill-start']
  if (startMs > now)
    throw new InputError(
      `Input 'backfill-start' is '${start}', which is in the future: nothing can be backfilled from there.`
    )
  const endMs = times['backfill-end']
  if (endMs !== undefined && endMs <= startMs) {
    throw new InputError(`Input 'backfill-end' ('${end}') is not after 'backfill-start' ('${start}').`)
  }
  return { start, end, startMs }
}

/** Restates the models (cascading downstream) and returns one row per model of the chain, upstream first. */
export async function backfill(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  models: readonly string[],
  range: BackfillRange,
  dryRun: boolean = context.settings.dryRun
): Promise<ModelBackfill[]> {
  const settings = parseBackfillSettings(
    await sqlmesh.readYaml(settingsPath(context)),
    context.settings.backfillConfig,
    name => graph.has(name)
  )
  const selection = selectRestatementRoots(models, graph, range.start, settings)
  const chain = graph.affectedChain(models)
  const outcomes: RestatementOutcome[] = []
  for (const group of selection.groups) {
    const previousFailed = outcomes.some(outcome => outcome.error !== null)
    core.info(
      `${dryRun ? 'Planning' : 'Restating'} ${group.models.join(', ')} from ${group.start} (SQLMesh cascades downstream)`
    )
    const outcome = await (async () => {
      const requestedStart =
        group.start === range.start ? range.startMs : (await sqlmesh.resolveTimes({ start: group.start })).times.start
      const request = {
        environment: context.settings.prodEnvironment,
        models: group.models,
        start: group.start,
        end: range.end || undefined,
        requestedStart,
        dryRun: dryRun || previousFailed
      }
      const result = await sqlmesh.restate(request, fqn => graph.nameOf(fqn) ?? fqn)
      return previousFailed
        ? { ...result, applied: true, error: 'not attempted: an earlier restatement failed' }
        : result
    })()
    outcomes.push(outcome)
  }
  return backfillRows(chain, graph, outcomes, selection.excluded)
}

function settingsPath(context: FlowContext): string {
  const file = context.settings.backfillConfig
  return isAbsolute(file) ? file : join(projectDir(context), file)
}

export interface BackfillRun {
  readonly title: string
  readonly commitSha: string
  readonly notes: readonly string[]
  readonly rows: readonly ModelBackfill[]
  readonly range: BackfillRange
  readonly sqlmeshVersion: string
  /** Sections above the per-model table (watch mode: what changed in the source data). */
  readonly leading?: readonly Section[]
}

/** Publishes a backfill's report (summary, outputs, comment), then fails the job if any model failed. */
export async function reportBackfill(
  context: FlowContext,
  run: BackfillRun,
  github: GitHub | null,
  pullRequest: number | null
): Promise<void> {
  const report = backfillReportOf(context, run)
  await step('Report', () => publishBackfill(context, report, github, pullRequest))
  failOnBackfillErrors(run.rows)
}

/** The report of a backfill run, as the summary and the comment show it. */
export function backfillReportOf(context: FlowContext, run: BackfillRun): BackfillReport {
  return {
    title: run.title,
    environment: context.settings.prodEnvironment,
    requestedStart: run.range.start,
    requestedEnd: run.range.end,
    dryRun: context.settings.dryRun,
    rows: run.rows,
    commitSha: run.commitSha,
    sqlmeshVersion: run.sqlmeshVersion,
    notes: run.notes,
    leading: run.leading
  }
}

/** Job summary, outputs, and the sticky backfill comment on the pull request the change came from. */
async function publishBackfill(
  context: FlowContext,
  report: BackfillReport,
  github: GitHub | null,
  pullRequest: number | null
): Promise<void> {
  const sections = renderBackfillSections(report)
  await writeSummarySections(sections)
  core.setOutput(
    'backfilled-models',
    JSON.stringify(report.rows.filter(row => row.status === 'rebuilt').map(row => row.model))
  )
  core.setOutput('backfill-results', JSON.stringify(report.rows))
  if (!github || pullRequest === null || report.dryRun) return
  try {
    const posted = await github.upsertComment(
      pullRequest,
      BACKFILL_COMMENT_MARKER,
      context.settings.commentAuthor,
      commentBody(context, sections).markdown
    )
    core.info(`${posted.created ? 'Created' : 'Updated'} backfill comment ${posted.url}`)
    core.setOutput('comment-url', posted.url)
  } catch (error) {
    if (!isForbidden(error)) throw error
    core.warning('The token may not comment on the pull request (403); the backfill report is in the job summary.')
  }
}

/** Fails the job when any model failed, naming them; the report is already out. */
export function failOnBackfillErrors(rows: readonly ModelBackfill[]): void {
  const failed = rows.filter(row => row.status === 'failed')
  const skipped = rows.filter(row => row.status === 'not-attempted').map(row => row.model)
  if (failed.length === 0 && skipped.length === 0) return
  const culprits =
    failed.length > 0 ? failed.map(row => row.model).join(', ') : 'SQLMesh (no single model named; see the log)'
  const message = `Backfill failed for ${culprits}${skipped.length > 0 ? `; not attempted: ${skipped.join(', ')}` : ''}`
  throw new PolicyFailure('SQLMesh backfill', `${message}. The report says which models were rebuilt.`)
}

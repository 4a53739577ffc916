// The watch flow (mode 'watch', or 'auto' on schedule): fingerprint the watched sources in the warehouse, compare
// with the fingerprints recorded by the last run, restate the range each change affects through the merge flow's
// backfill path, and record the new fingerprints only once their restatement succeeded. See docs/WATCH.md.

import * as core from '@actions/core'
import { isAbsolute, join } from 'node:path'
import type { ModelBackfill } from '../core/backfill.js'
import { ModelGraph } from '../core/graph.js'
import {
  changedRange,
  compareFingerprints,
  parseWatchSettings,
  watchSources,
  type BucketFingerprint,
  type SourceComparison,
  type WatchSettings,
  type WatchSource
} from '../core/watch.js'
import { Git } from '../github/git.js'
import { InputError } from '../inputs.js'
import { stateProblems } from '../core/state-check.js'
import type { Section } from '../report/fit.js'
import { renderBackfillSections } from '../report/backfill-report.js'
import { GitHub, isForbidden } from '../github/client.js'
import { renderWatchSections, watchVerdict, type WatchedSource, type WatchReport } from '../report/watch-report.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { backfill, backfillReportOf, reportBackfill, type BackfillRange } from './backfill.js'
import {
  commentBody,
  PolicyFailure,
  projectDir,
  startSqlMesh,
  step,
  writeSummarySections,
  type FlowContext
} from './context.js'

/** Changed sources that call for the same range are restated together. */
interface Restatement {
  readonly start: string
  readonly end: string
  readonly sources: readonly WatchSource[]
}

export async function runWatchFlow(context: FlowContext): Promise<void> {
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    const graph = new ModelGraph(sqlmesh.models)
    const sources = await step('Watched sources', () => resolveSources(context, sqlmesh, graph))
    const { settings } = context
    const prodState = await step(`Check ${settings.prodEnvironment}'s tables and views`, () =>
      checkState(sqlmesh, graph, settings.prodEnvironment)
    )
    const current = await step('Fingerprint the sources', () => sqlmesh.watchFingerprints(sources))
    const recorded = await sqlmesh.watchState(settings.watchSchema)
    const comparisons = sources.map(source => compare(source, current, recorded, settings.watchFirstRun === 'rebuild'))
    comparisons.forEach(comparison => core.info(`${comparison.source}: ${describe(comparison)}`))

    const restatements = planRestatements(sources, comparisons, graph, context)
    const outcomes: { restatement: Restatement; rows: ModelBackfill[] }[] = []
    for (const restatement of restatements) {
      const range = await rangeOf(sqlmesh, restatement)
      const readers = [...new Set(restatement.sources.flatMap(source => source.readers))]
      const rows =
        readers.length > 0
          ? await step(`Restate ${range.start} – ${range.end || 'now'}`, () =>
              backfill(context, sqlmesh, graph, readers, range)
            )
          : []
      outcomes.push({ restatement, rows })
    }

    const conflicts = settings.dryRun
      ? []
      : await step('Record fingerprints', () =>
          recordFingerprints(sqlmesh, context, comparisons, outcomes, current, recorded)
        )
    const watched: WatchedSource[] = sources.map((source, index) => ({
      comparison: comparisons[index],
      range: rangeFor(source, restatements),
      readers: source.readers
    }))
    const report: WatchReport = {
      sources: watched,
      dryRun: settings.dryRun,
      schemaTable: `${settings.watchSchema}.watch_fingerprints`,
      conflicts,
      state: prodState
    }
    core.setOutput(
      'changed-sources',
      JSON.stringify(
        watched
          .filter(item => item.comparison.status === 'changed')
          .map(item => ({ source: item.comparison.source, buckets: item.comparison.buckets, range: item.range }))
      )
    )
    await publish(context, sqlmesh, report, outcomes)
  } finally {
    await sqlmesh.close()
  }
}

/** Each prod model's physical table and view against SQLMesh's state; reads the catalog only. */
async function checkState(sqlmesh: SqlMesh, graph: ModelGraph, environment: string): Promise<WatchReport['state']> {
  const found = await sqlmesh.stateCheck(environment)
  if (!found.exists) {
    throw new InputError(
      `Environment '${environment}' does not exist in SQLMesh's state: deploy the project to it before watching its sources (input 'prod-environment').`
    )
  }
  // SQLMesh's state names models by their fully-qualified names; the report uses the names the project gives them.
  const problems = stateProblems(
    found.models.map(model => ({ ...model, model: graph.nameOf(model.model) ?? model.model })),
    environment
  )
  problems.forEach(problem => core.warning(`${problem.model}: ${problem.detail}. Repair: ${problem.repair}`))
  core.info(`${found.models.length} models checked in ${environment}; ${problems.length} problems`)
  return { environment, checked: found.models.length, problems }
}

async function resolveSources(context: FlowContext, sqlmesh: SqlMesh, graph: ModelGraph): Promise<WatchSource[]> {
  const file = context.settings.watchConfig
  const path = isAbsolute(file) ? file : join(projectDir(context), file)
  let settings: WatchSettings
  try {
    settings = parseWatchSettings(await sqlmesh.readYaml(path), file)
  } catch (error) {
    throw new InputError(`Watch settings (input 'watch-config'): ${(error as Error).message}`)
  }
  const sources = watchSources(graph, settings)
  if (sources.length === 0) {
    throw new InputError(
      `Nothing to watch: the project has no external models and ${file} adds no source. Declare the tables your models read in external_models.yaml, or list them under 'sources:' in ${file} (input 'watch-config').`
    )
  }
  for (const source of sources) {
    const time = source.timeColumn
      ? `time column ${source.timeColumn}, by ${source.bucket}`
      : 'no time column: one bucket'
    core.info(`${source.name} (${source.table}; ${time}); read by ${source.readers.join(', ') || 'no model'}`)
    if (source.readers.length === 0)
      core.warning(
        `Watched source '${source.name}' is read by no model of the project: a change to it rebuilds nothing.`
      )
  }
  return sources
}

function compare(
  source: WatchSource,
  current: readonly { name: string; buckets: BucketFingerprint[]; error: string | null }[],
  recorded: ReadonlyMap<string, BucketFingerprint[]>,
  rebuildFirstRun: boolean
): SourceComparison {
  const fingerprint = current.find(item => item.name === source.name)
  // Undefined (no fingerprint came back) is not null either.
  if (fingerprint?.error !== null) {
    return {
      source: source.name,
      status: 'error',
      buckets: [],
      error: fingerprint?.error ?? 'no fingerprint came back'
    }
  }
  const before = recorded.get(source.name) ?? (rebuildFirstRun ? [] : undefined)
  return compareFingerprints(source.name, fingerprint.buckets, before)
}

function describe(comparison: SourceComparison): string {
  if (comparison.status === 'error') return `not read: ${comparison.error}`
  if (comparison.status !== 'changed') return comparison.status
  return `changed in ${comparison.buckets.map(bucket => `${bucket.bucket} (${bucket.rowsBefore ?? '—'} → ${bucket.rowsAfter ?? '—'} rows)`).join(', ')}`
}

/**
 * One restatement per distinct range: a source changed in some buckets restates from the earliest changed bucket to
 * the end of the latest; a change without a time (a source without a time column, rows whose time is NULL)
 * restates its readers' whole history, from the earliest start among the models downstream.
 */
function planRestatements(
  sources: readonly WatchSource[],
  comparisons: readonly SourceComparison[],
  graph: ModelGraph,
  context: FlowContext
): Restatement[] {
  const byRange = new Map<string, { start: string; end: string; sources: WatchSource[] }>()
  sources.forEach((source, index) => {
    const comparison = comparisons[index]
    if (comparison.status !== 'changed') return
    const range = changedRange(comparison.buckets, source.bucket) ?? {
      start: wholeHistoryStart(graph, source, context),
      end: ''
    }
    const key = `${range.start}|${range.end}`
    const group = byRange.get(key) ?? { ...range, sources: [] }
    group.sources.push(source)
    byRange.set(key, group)
  })
  return [...byRange.values()].sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end))
}

function wholeHistoryStart(graph: ModelGraph, source: WatchSource, context: FlowContext): string {
  const starts = graph
    .affectedChain(source.readers)
    .flatMap(name => {
      const model = graph.model(name)
      return model?.start && model.startMs !== null ? [{ start: model.start, ms: model.startMs }] : []
    })
    .sort((a, b) => a.ms - b.ms)
  const earliest = starts[0]?.start ?? context.settings.backfillStart
  if (!earliest) {
    throw new InputError(
      `Source '${source.name}' changed as a whole, and no model downstream of it has a start: set 'backfill-start' to the date to restate from.`
    )
  }
  return earliest
}

/** A span of dates ('' end: now) as the backfill path takes it, with its start read the way SQLMesh reads it. */
async function rangeOf(sqlmesh: SqlMesh, span: { start: string; end: string }): Promise<BackfillRange> {
  const { times } = await sqlmesh.resolveTimes({ start: span.start })
  return { start: span.start, end: span.end, startMs: times.start }
}

function rangeFor(source: WatchSource, restatements: readonly Restatement[]): { start: string; end: string } | null {
  const restatement = restatements.find(candidate => candidate.sources.includes(source))
  return restatement ? { start: restatement.start, end: restatement.end || 'now' } : null
}

/**
 * The new fingerprints of the sources whose restatement succeeded, and the baselines, in one transaction. A source
 * whose restatement failed keeps its old fingerprints, so that the next run sees the same change and retries.
 */
async function recordFingerprints(
  sqlmesh: SqlMesh,
  context: FlowContext,
  comparisons: readonly SourceComparison[],
  outcomes: readonly { restatement: Restatement; rows: readonly ModelBackfill[] }[],
  current: readonly { name: string; buckets: BucketFingerprint[] }[],
  recorded: ReadonlyMap<string, BucketFingerprint[]>
): Promise<string[]> {
  const succeeded = new Set(
    outcomes
      .filter(outcome => outcome.rows.every(row => row.status !== 'failed' && row.status !== 'not-attempted'))
      .flatMap(outcome => outcome.restatement.sources.map(source => source.name))
  )
  const toRecord = comparisons
    .filter(
      comparison =>
        comparison.status === 'baseline' || (comparison.status === 'changed' && succeeded.has(comparison.source))
    )
    .map(comparison => ({
      name: comparison.source,
      buckets: current.find(item => item.name === comparison.source)?.buckets ?? [],
      expected: recorded.get(comparison.source) ?? null
    }))
  const kept = comparisons
    .filter(comparison => comparison.status === 'changed' && !succeeded.has(comparison.source))
    .map(comparison => comparison.source)
  if (kept.length > 0)
    core.warning(
      `The restatement for ${kept.join(', ')} did not succeed: their fingerprints are kept as they were, so the next run retries.`
    )
  if (toRecord.length === 0) return []
  const result = await sqlmesh.watchRecord(context.settings.watchSchema, toRecord)
  core.info(`Recorded the fingerprints of ${result.recorded.join(', ') || 'no source'} in ${result.table}`)
  if (result.conflicts.length > 0) {
    core.warning(
      `Another run recorded fingerprints for ${result.conflicts.join(', ')} meanwhile: left as it recorded them; the next run compares again.`
    )
  }
  return result.conflicts
}

async function publish(
  context: FlowContext,
  sqlmesh: SqlMesh,
  report: WatchReport,
  outcomes: readonly { restatement: Restatement; rows: ModelBackfill[] }[]
): Promise<void> {
  const sections = renderWatchSections(report)
  const errors = report.sources
    .filter(source => source.comparison.status === 'error')
    .map(source => source.comparison.source)
  if (outcomes.length > 0) {
    // The report's range spans the restatements: the earliest start to the latest end ('' is now).
    const start = outcomes.map(outcome => outcome.restatement.start).sort()[0]
    const ends = outcomes.map(outcome => outcome.restatement.end).sort()
    const range = await rangeOf(sqlmesh, { start, end: ends.includes('') ? '' : ends[ends.length - 1] })
    const rows = outcomes.flatMap(outcome => outcome.rows)
    const notes =
      outcomes.length > 1
        ? [
            `${outcomes.length} restatements, one per changed range: each model is listed once per restatement it took part in.`
          ]
        : []
    // The commit the project was loaded from: the restatements ran that code (GITHUB_SHA is the same on a runner).
    const commitSha = process.env.GITHUB_SHA || (await new Git(context.workspace).checkedOut()).sha
    const run = {
      title: 'SQLMesh watch: source data changed',
      commitSha,
      notes,
      rows,
      range,
      sqlmeshVersion: sqlmesh.version,
      leading: sections
    }
    const failed = rows.some(row => row.status === 'failed' || row.status === 'not-attempted')
    await keepIssue(
      context,
      renderBackfillSections(backfillReportOf(context, run)),
      failed || errors.length > 0 || report.state.problems.length > 0
    )
    await reportBackfill(context, run, null, null)
  } else {
    const all = [
      { id: 'title', required: true, text: '## SQLMesh watch' },
      { id: 'verdict', required: true, text: `**${watchVerdict(report)}**` },
      ...sections
    ]
    await keepIssue(context, all, errors.length > 0 || report.state.problems.length > 0)
    await writeSummarySections(all)
    core.setOutput('backfilled-models', '[]')
    core.setOutput('backfill-results', '[]')
  }
  const problems = report.state.problems
  if (problems.length > 0) {
    throw new PolicyFailure(
      'SQLMesh state',
      `${problems.map(problem => `${problem.model}: ${problem.detail}`).join('; ')}. Nothing was changed; the job summary gives the repair for each.`
    )
  }
  if (errors.length > 0) {
    throw new PolicyFailure(
      'SQLMesh watch',
      `Could not fingerprint ${errors.join(', ')}: their changes are unknown and nothing was rebuilt for them. The report shows the error.`
    )
  }
}

export const WATCH_ISSUE_MARKER = '<!-- sqlmesh-action:watch -->'

/**
 * With `watch-issue`, one GitHub issue carries the latest report while something is stale (a rebuild failed, a source
 * could not be read, prod's tables are not as SQLMesh's state says); it is closed, with the report that cleared it,
 * once nothing is. A dry run leaves it alone.
 */
async function keepIssue(context: FlowContext, sections: readonly Section[], stale: boolean): Promise<void> {
  if (!context.settings.watchIssue || context.settings.dryRun) return
  const github = new GitHub(context.settings.token, context.event.repo)
  const body = commentBody(context, [{ id: 'marker', required: true, text: WATCH_ISSUE_MARKER }, ...sections]).markdown
  try {
    const existing = await github.findIssue(WATCH_ISSUE_MARKER, context.settings.commentAuthor)
    if (stale) {
      const issue = existing
        ? await github.updateIssue(existing.number, body, 'open')
        : await github.createIssue('SQLMesh watch: prod data is stale', body)
      core.info(`${existing ? 'Updated' : 'Opened'} issue ${issue.url}`)
    } else if (existing?.state === 'open') {
      const issue = await github.updateIssue(existing.number, body, 'closed')
      core.info(`Nothing is stale any more: closed issue ${issue.url} with the latest report`)
    }
  } catch (error) {
    if (!isForbidden(error)) throw error
    core.warning(
      "The token may not open or edit issues (403): give the job 'issues: write', or set 'watch-issue: false'. The report is in the job summary."
    )
  }
}

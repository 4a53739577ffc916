// The pull-request flow: changed files -> changed models -> affected chain -> PR environment -> table diffs -> one
// sticky comment, the job summary and the outputs. A short list of named steps; the work lives in core/ and report/.

import * as core from '@actions/core'
import type { ChangeSet } from '../core/changes.js'
import { changedModels, logNames, pullRequestFiles } from './changes.js'
import { evaluateGate, gateFails, type GateResult } from '../core/gate.js'
import { isUncompared } from '../core/coverage.js'
import { historyDependent } from '../core/diff-plan.js'
import { pullRequestCheckoutProblem } from '../core/checkout.js'
import { InputError } from '../inputs.js'
import { formatInstant } from '../core/window.js'
import { ModelGraph } from '../core/graph.js'
import { GitHub, isForbidden } from '../github/client.js'
import { pullRequestOf, type PullRequestEvent } from '../github/event.js'
import { Git } from '../github/git.js'
import {
  commentOrigin,
  DIFF_COMMENT_MARKER,
  renderFailure,
  renderPrSections,
  type PrReport
} from '../report/pr-report.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { diffModels, diffResults, modelFacts, readEnvironments } from './diff.js'
import { backfill, resolveBackfillRange } from './backfill.js'
import type { ModelBackfill } from '../core/backfill.js'
import { redact } from '../secrets.js'
import {
  PolicyFailure,
  repositoryRelative,
  requireEnvironment,
  startSqlMesh,
  step,
  type FlowContext,
  writeSummarySections,
  commentBody
} from './context.js'
import type { ModelDiff, TimeWindow } from '../core/types.js'

export async function runPullRequestFlow(context: FlowContext): Promise<void> {
  const pr = pullRequestOf(context.event)
  if (!pr) throw new Error(`The pull-request flow needs a pull_request event; got '${context.event.name}'.`)
  const github = new GitHub(context.settings.token, context.event.repo)
  try {
    await diffPullRequest(context, github, pr)
  } catch (error) {
    // The comment must never keep showing an earlier push's results as if they were this one's.
    if (!(error instanceof PolicyFailure)) await reportFailure(context, github, pr, error)
    throw error
  }
}

async function diffPullRequest(context: FlowContext, github: GitHub, pr: PullRequestEvent): Promise<void> {
  const git = new Git(context.workspace)
  const repoRoot = await git.topLevel()
  const problem = pullRequestCheckoutProblem(await git.checkedOut(), pr)
  if (problem) throw new InputError(problem)
  const { files, cap } = await step('Changed files', () => pullRequestFiles(git, github, pr))
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    await requireEnvironment(sqlmesh, context.settings.prodEnvironment)
    const graph = new ModelGraph(repositoryRelative(sqlmesh.models, repoRoot))
    const changeSet = await step('Changed models', () => changedModels(context, sqlmesh, graph, files, repoRoot))
    const chain = graph.affectedChain(changeSet.changed)
    logNames(`Affected chain (${chain.length})`, chain, ' -> ')
    const environment = `${context.settings.environmentPrefix}_${pr.number}`
    const planWindow = await resolvePlanWindow(context, sqlmesh)
    const needsEnvironment = chain.length > 0 || changeSet.removed.length > 0
    const built = needsEnvironment
      ? await step(`Plan and apply environment ${environment}`, () =>
          buildEnvironment(context, sqlmesh, graph, { environment, chain, changeSet })
        )
      : { auditFailures: [], fullHistory: new Set<string>() }
    const compared = await step('Table diff', () =>
      diffModels(context, sqlmesh, graph, {
        models: chain,
        changed: changeSet.changed,
        source: context.settings.prodEnvironment,
        target: environment,
        fullHistory: built.fullHistory,
        planWindow
      })
    )
    const diffs = [...compared, ...changeSet.removed.map(removedModel)]
    const backfillPreview = await step('On merge this will backfill', () =>
      previewBackfill(context, sqlmesh, graph, changeSet)
    )
    const gate = evaluateGate(diffs, context.settings)
    const report: PrReport = {
      environment,
      prodEnvironment: context.settings.prodEnvironment,
      environmentStart: context.settings.environmentStart,
      environmentStartDate: planWindow ? formatInstant(planWindow.start) : null,
      changed: changeSet.changed,
      chain,
      models: modelFacts(graph, chain),
      edges: graph.edgesWithin(chain),
      diffs,
      noSemanticChange: changeSet.noSemanticChange,
      changedIndirectlyByFiles: changeSet.changedIndirectlyByFiles,
      projectFiles: changeSet.projectFiles,
      removed: changeSet.removed,
      headSha: pr.headSha,
      baseRef: pr.baseRef,
      sqlmeshVersion: sqlmesh.version,
      failing: gate.differences,
      gate,
      failOn: context.settings.failOn,
      onUncompared: context.settings.onUncompared,
      backfillStart: context.settings.backfillStart,
      backfillPreview,
      auditFailures: built.auditFailures,
      fileList: cap
    }
    await step('Report', () => publish(context, github, pr, report))
    setOutputs(changeSet, chain, diffs)
    warnUncompared(diffs, context.settings.failOn)
    if (built.auditFailures.length > 0) {
      const message = `Audits failed in ${environment}: ${built.auditFailures.join('; ')}`
      throw new PolicyFailure(
        'SQLMesh audit',
        `${message}. Fix the data or the audit; the pull-request comment lists them.`
      )
    }
    if (gateFails(gate)) throw new PolicyFailure('SQLMesh diff', gateMessage(gate, context.settings))
  } finally {
    await sqlmesh.close()
  }
}

/** One line per cause the gate failed on, each naming its models and what to do. */
export function gateMessage(
  gate: GateResult,
  settings: Pick<FlowContext['settings'], 'failOn' | 'onUncompared'>
): string {
  const lines = [
    gate.differences.length > 0 ? `fail-on '${settings.failOn}': ${capNames(gate.differences)}.` : '',
    gate.failedDiffs.length > 0
      ? `Table diff failed, so the gate cannot vouch for: ${capNames(gate.failedDiffs)}.`
      : '',
    gate.uncompared.length > 0
      ? `Not compared (on-uncompared 'fail'): ${capNames(gate.uncompared)}. Set 'on-uncompared: warn' to accept models the action cannot compare.`
      : ''
  ]
  return `${lines.filter(Boolean).join(' ')} See the pull-request comment for the numbers and reasons.`
}

/**
 * Models not compared are named in the log too, where no gate fails on them: one warning each, or, past
 * WARNED_MODELS, one per reason with a count (GitHub shows only the first ten annotations of a step).
 */
function warnUncompared(diffs: readonly ModelDiff[], failOn: string): void {
  const title = failOn === 'never' ? 'Not compared' : 'Not compared (gate)'
  const uncompared = diffs.filter(
    (diff): diff is Extract<ModelDiff, { status: 'not-diffed' }> => diff.status === 'not-diffed' && isUncompared(diff)
  )
  if (uncompared.length <= WARNED_MODELS) {
    uncompared.forEach(diff => core.warning(`${diff.model} was not compared: ${diff.detail}`, { title }))
    return
  }
  const byReason = new Map<string, string[]>()
  for (const diff of uncompared) {
    const models = byReason.get(diff.reason)
    if (models) models.push(diff.model)
    else byReason.set(diff.reason, [diff.model])
  }
  for (const [reason, models] of byReason) {
    const first = uncompared.find(diff => diff.reason === reason)
    core.warning(`${models.length} models were not compared (${first?.detail ?? reason}): ${capNames(models)}`, {
      title
    })
  }
  core.startGroup(`Not compared (${uncompared.length})`)
  uncompared.forEach(diff => core.info(`  ${diff.model}: ${diff.detail}`))
  core.endGroup()
}

const WARNED_MODELS = 10

/** Up to 20 names, then the count of the rest: an annotation or an error message stays readable at 3,000 models. */
function capNames(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`
}

/** The window the PR environment's plan covers, when environment-start sets one; null otherwise. */
async function resolvePlanWindow(context: FlowContext, sqlmesh: SqlMesh): Promise<TimeWindow | null> {
  const { environmentStart: start, environmentEnd: end } = context.settings
  if (!start) return null
  const { times, now } = await sqlmesh
    .resolveTimes({ 'environment-start': start, ...(end ? { 'environment-end': end } : {}) })
    .catch((error: unknown) => {
      throw new InputError(
        `Input ${error instanceof Error ? error.message : String(error)}. Use a date such as '2024-10-01' or a relative time such as '1 month ago'.`
      )
    })
  const startMs = times['environment-start']
  return { start: startMs, end: times['environment-end'] ?? now }
}

/**
 * What the merge flow will rebuild in prod, per model, after SQLMesh clamps or widens the range: the same
 * restatement the merge runs, planned but not applied. Needs backfill-start; new models are built on deploy instead.
 */
async function previewBackfill(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  changeSet: ChangeSet
): Promise<ModelBackfill[] | null> {
  if (!context.settings.backfillStart) {
    core.info('backfill-start is not set: no backfill preview.')
    return null
  }
  const added = new Set(changeSet.added)
  const touched = [...changeSet.changed, ...changeSet.noSemanticChange].filter(name => !added.has(name))
  if (touched.length === 0) return []
  const range = await resolveBackfillRange(context, sqlmesh)
  return backfill(context, sqlmesh, graph, graph.topologicalOrder(touched), range, true)
}

function removedModel(model: string): ModelDiff {
  return {
    model,
    status: 'not-diffed',
    reason: 'removed',
    detail: 'Removed by this pull request: its table leaves prod on merge.'
  }
}

/** The PR environment to build, and what it is built for. */
interface EnvironmentTarget {
  readonly environment: string
  readonly chain: readonly string[]
  readonly changeSet: ChangeSet
}

interface BuiltEnvironment {
  /** Audits that failed on the PR environment's data (SQLMesh only warns there). */
  readonly auditFailures: readonly string[]
  /** Models rebuilt from their own start because their rows depend on history the window leaves out. */
  readonly fullHistory: ReadonlySet<string>
}

/**
 * Plans and applies the PR environment over the window; then rebuilds, from their own start, the models whose rows
 * depend on history the window leaves out (self-referencing models, and windowed parents of full rebuilds), so that
 * a no-op edit of them compares equal to prod.
 */
async function buildEnvironment(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  target: EnvironmentTarget
): Promise<BuiltEnvironment> {
  const { environment } = target
  const outcome = await sqlmesh.plan({
    environment,
    start: context.settings.environmentStart || undefined,
    end: context.settings.environmentEnd || undefined,
    skipTests: context.settings.skipTests
  })
  core.info(
    `Environment ${environment} ${outcome.hasChanges ? 'applied' : 'already up to date'} in ${outcome.seconds}s`
  )
  const fullHistory = await rebuildHistoryDependent(context, sqlmesh, graph, target)
  const auditFailures = [...outcome.auditFailures, ...fullHistory.auditFailures]
  auditFailures.forEach(failure => core.warning(`Audit failed in ${environment}: ${failure}`))
  return { auditFailures, fullHistory: fullHistory.models }
}

async function rebuildHistoryDependent(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  { environment, chain, changeSet }: EnvironmentTarget
): Promise<{ models: ReadonlySet<string>; auditFailures: readonly string[] }> {
  if (!context.settings.environmentStart || chain.length === 0) return { models: new Set(), auditFailures: [] }
  const { source, target } = await readEnvironments(context, sqlmesh, {
    source: context.settings.prodEnvironment,
    target: environment
  })
  const roots = historyDependent({
    chain,
    changed: new Set(changeSet.changed),
    scope: context.settings.diffScope,
    graph,
    prod: source,
    pr: target
  })
  const starts = roots.map(name => graph.model(name)?.startMs).filter((ms): ms is number => typeof ms === 'number')
  if (roots.length === 0 || starts.length === 0) return { models: new Set(), auditFailures: [] }
  const start = formatInstant(Math.min(...starts))
  core.info(
    `Rebuilding from ${start} in ${environment}, because their rows depend on history the window leaves out: ${roots.join(', ')}`
  )
  // A plan of the same environment from the earlier start fills in the history it lacks; a restatement would not
  // do here (it can point the environment at tables a preview never built).
  const outcome = await sqlmesh.plan({
    environment,
    start,
    end: context.settings.environmentEnd || undefined,
    skipTests: true
  })
  core.info(`Rebuilt in ${outcome.seconds}s`)
  return { models: graph.withDownstream(roots), auditFailures: outcome.auditFailures }
}

async function publish(context: FlowContext, github: GitHub, pr: PullRequestEvent, report: PrReport): Promise<void> {
  // The summary can hold a larger lineage than the comment (see report/lineage.ts); the rest is the same sections.
  await writeSummarySections(
    renderPrSections(report, 'summary'),
    'The report is too large for the job summary; see the action log.'
  )
  const comment = commentBody(context, renderPrSections(report, 'comment'))
  if (comment.omitted.length > 0) core.info(`Comment cut to fit: left out ${comment.omitted.join(', ')}`)
  try {
    const posted = await github.upsertComment(
      pr.number,
      DIFF_COMMENT_MARKER,
      context.settings.commentAuthor,
      comment.markdown
    )
    core.info(`${posted.created ? 'Created' : 'Updated'} comment ${posted.url}`)
    core.setOutput('comment-url', posted.url)
  } catch (error) {
    if (!isForbidden(error)) throw error
    core.warning(
      'The token may not comment on this pull request (403; a pull request from a fork gets a read-only token). The report is in the job summary.'
    )
  }
}

async function reportFailure(
  context: FlowContext,
  github: GitHub,
  pr: PullRequestEvent,
  error: unknown
): Promise<void> {
  const message = redact(error instanceof Error ? error.message : String(error))
  const environment = `${context.settings.environmentPrefix}_${pr.number}`
  try {
    // Said only where there are earlier results: a first comment has none to take back.
    const previous = await github.findComment(pr.number, DIFF_COMMENT_MARKER, context.settings.commentAuthor)
    const markdown = renderFailure({
      environment,
      prodEnvironment: context.settings.prodEnvironment,
      headSha: pr.headSha,
      baseRef: pr.baseRef,
      message,
      runUrl: context.event.runUrl,
      earlier: previous === null ? null : commentOrigin(previous)
    })
    await github.upsertComment(pr.number, DIFF_COMMENT_MARKER, context.settings.commentAuthor, markdown)
  } catch (postError) {
    core.warning(
      `Could not post the failure on the pull request: ${postError instanceof Error ? postError.message : String(postError)}`
    )
  }
}

function setOutputs(changeSet: ChangeSet, chain: readonly string[], diffs: readonly ModelDiff[]): void {
  core.setOutput('changed-models', JSON.stringify(changeSet.changed))
  core.setOutput('affected-models', JSON.stringify(chain))
  core.setOutput('diff-results', diffResults(diffs))
}

// The pull-request flow: changed files -> changed models -> affected chain -> PR environment -> table diffs -> one
// sticky comment, the job summary and the outputs. A short list of named steps; the work lives in core/ and report/.

import * as core from '@actions/core'
import type { ChangeSet } from '../core/changes.js'
import { changedModels, pullRequestFiles } from './changes.js'
import { modelsFailingPolicy } from '../core/gate.js'
import { ModelGraph } from '../core/graph.js'
import { GitHub } from '../github/client.js'
import { pullRequestOf, type PullRequestEvent } from '../github/event.js'
import { Git } from '../github/git.js'
import { COMMENT_LIMIT, fitSections, SUMMARY_LIMIT } from '../report/fit.js'
import { DIFF_COMMENT_MARKER, renderFailure, renderPrSections, type PrReport } from '../report/pr-report.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { diffModels } from './diff.js'
import { backfill, resolveBackfillRange } from './backfill.js'
import type { ModelBackfill } from '../core/backfill.js'
import { redact } from '../secrets.js'
import { PolicyFailure, repositoryRelative, startSqlMesh, step, type FlowContext, writeSummary } from './context.js'
import type { ModelDiff } from '../core/types.js'

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
  const files = await step('Changed files', () => pullRequestFiles(git, github, pr))
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    const graph = new ModelGraph(repositoryRelative(sqlmesh.models, repoRoot))
    const changeSet = await step('Changed models', () => changedModels(context, sqlmesh, graph, files, repoRoot))
    const chain = graph.affectedChain(changeSet.changed)
    core.info(`Affected chain (${chain.length}): ${chain.join(' -> ') || 'none'}`)
    const environment = `${context.settings.environmentPrefix}_${pr.number}`
    const needsEnvironment = chain.length > 0 || changeSet.removed.length > 0
    const auditFailures = needsEnvironment
      ? await step(`Plan and apply environment ${environment}`, () => buildEnvironment(context, sqlmesh, environment))
      : []
    const compared = await step('Table diff', () =>
      diffModels(context, sqlmesh, graph, { models: chain, changed: changeSet.changed, source: context.settings.prodEnvironment, target: environment })
    )
    const diffs = [...compared, ...changeSet.removed.map(removedModel)]
    const backfillPreview = await step('On merge this will backfill', () => previewBackfill(context, sqlmesh, graph, changeSet))
    const failing = modelsFailingPolicy(diffs, context.settings.failOn)
    const report: PrReport = {
      environment,
      prodEnvironment: context.settings.prodEnvironment,
      environmentStart: context.settings.environmentStart,
      changed: changeSet.changed,
      chain,
      edges: graph.edgesWithin(chain),
      diffs,
      noSemanticChange: changeSet.noSemanticChange,
      changedIndirectlyByFiles: changeSet.changedIndirectlyByFiles,
      projectFiles: changeSet.projectFiles,
      removed: changeSet.removed,
      headSha: pr.headSha,
      sqlmeshVersion: sqlmesh.version,
      failing,
      failOn: context.settings.failOn,
      backfillStart: context.settings.backfillStart,
      backfillPreview,
      auditFailures
    }
    await step('Report', () => publish(context, github, pr, report))
    setOutputs(changeSet, chain, diffs)
    if (auditFailures.length > 0) {
      const message = `Audits failed in ${environment}: ${auditFailures.join('; ')}`
      throw new PolicyFailure('SQLMesh audit', `${message}. Fix the data or the audit; the pull-request comment lists them.`)
    }
    if (failing.length > 0) {
      const message = `fail-on '${context.settings.failOn}': ${failing.join(', ')}`
      throw new PolicyFailure('SQLMesh diff', `${message}. See the pull-request comment for the numbers.`)
    }
  } finally {
    await sqlmesh.close()
  }
}

/**
 * What the merge flow will rebuild in prod, per model, after SQLMesh clamps or widens the range: the same
 * restatement the merge runs, planned but not applied. Needs backfill-start; new models are built on deploy instead.
 */
async function previewBackfill(context: FlowContext, sqlmesh: SqlMesh, graph: ModelGraph, changeSet: ChangeSet): Promise<ModelBackfill[] | null> {
  if (!context.settings.backfillStart) {
    core.info("backfill-start is not set: no backfill preview.")
    return null
  }
  const added = new Set(changeSet.added)
  const touched = [...changeSet.changed, ...changeSet.noSemanticChange].filter(name => !added.has(name))
  if (touched.length === 0) return []
  const range = await resolveBackfillRange(context, sqlmesh)
  return backfill(context, sqlmesh, graph, graph.topologicalOrder(touched), range, true)
}

function removedModel(model: string): ModelDiff {
  return { model, status: 'not-diffed', reason: 'removed', detail: 'Removed by this pull request: its table leaves prod on merge.' }
}

/** Plans and applies the PR environment; returns the audits that failed on its data (SQLMesh only warns there). */
async function buildEnvironment(context: FlowContext, sqlmesh: SqlMesh, environment: string): Promise<readonly string[]> {
  const outcome = await sqlmesh.plan({
    environment,
    start: context.settings.environmentStart || undefined,
    end: context.settings.environmentEnd || undefined,
    skipTests: context.settings.skipTests
  })
  core.info(`Environment ${environment} ${outcome.hasChanges ? 'applied' : 'already up to date'} in ${outcome.seconds}s`)
  outcome.auditFailures.forEach(failure => core.warning(`Audit failed in ${environment}: ${failure}`))
  return outcome.auditFailures
}

async function publish(context: FlowContext, github: GitHub, pr: PullRequestEvent, report: PrReport): Promise<void> {
  const sections = renderPrSections(report)
  const summaryHint = `The full report is in the job summary: ${context.event.runUrl}`
  const summary = fitSections(sections, SUMMARY_LIMIT, 'The report is too large for the job summary; see the action log.')
  await writeSummary(summary.markdown)
  const comment = fitSections(sections, COMMENT_LIMIT, summaryHint)
  if (comment.omitted.length > 0) core.info(`Comment cut to fit: left out ${comment.omitted.join(', ')}`)
  try {
    const posted = await github.upsertComment(pr.number, DIFF_COMMENT_MARKER, context.settings.commentAuthor, redact(comment.markdown))
    core.info(`${posted.created ? 'Created' : 'Updated'} comment ${posted.url}`)
    core.setOutput('comment-url', posted.url)
  } catch (error) {
    if (!isForbidden(error)) throw error
    core.warning(
      'The token may not comment on this pull request (403; a pull request from a fork gets a read-only token). The report is in the job summary.'
    )
  }
}

async function reportFailure(context: FlowContext, github: GitHub, pr: PullRequestEvent, error: unknown): Promise<void> {
  const message = redact(error instanceof Error ? error.message : String(error))
  const environment = `${context.settings.environmentPrefix}_${pr.number}`
  const markdown = renderFailure({ environment, prodEnvironment: context.settings.prodEnvironment, headSha: pr.headSha, message, runUrl: context.event.runUrl })
  try {
    await github.upsertComment(pr.number, DIFF_COMMENT_MARKER, context.settings.commentAuthor, markdown)
  } catch (postError) {
    core.warning(`Could not post the failure on the pull request: ${postError instanceof Error ? postError.message : String(postError)}`)
  }
}

function setOutputs(changeSet: ChangeSet, chain: readonly string[], diffs: readonly ModelDiff[]): void {
  core.setOutput('changed-models', JSON.stringify(changeSet.changed))
  core.setOutput('affected-models', JSON.stringify(chain))
  core.setOutput('diff-results', JSON.stringify(diffs))
}

function isForbidden(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: number }).status === 403
}

// The pull-request flow: changed files -> changed models -> affected chain -> PR environment -> table diffs -> one
// sticky comment, the job summary and the outputs. A short list of named steps; the work lives in core/ and report/.

import * as core from '@actions/core'
import { buildChangeSet, mapFilesToModels, type ChangeSet } from '../core/changes.js'
import { planDiffs, type DiffTask } from '../core/diff-plan.js'
import { modelsFailingPolicy } from '../core/gate.js'
import { ModelGraph } from '../core/graph.js'
import { mapLimit } from '../core/concurrency.js'
import { formatInstant } from '../core/window.js'
import { GitHub } from '../github/client.js'
import { pullRequestOf, type PullRequestEvent } from '../github/event.js'
import { Git } from '../github/git.js'
import { COMMENT_LIMIT, fitSections, SUMMARY_LIMIT } from '../report/fit.js'
import { DIFF_COMMENT_MARKER, renderPrSections, type PrReport } from '../report/pr-report.js'
import { SqlMeshError, type SqlMesh } from '../sqlmesh/client.js'
import { PolicyFailure, projectDir, repositoryRelative, startSqlMesh, step, type FlowContext } from './context.js'
import { relative } from 'node:path'
import type { ChangedFile, FingerprintChanges, ModelDiff } from '../core/types.js'

export async function runPullRequestFlow(context: FlowContext): Promise<void> {
  const pr = pullRequestOf(context.event)
  if (!pr) throw new Error(`The pull-request flow needs a pull_request event; got '${context.event.name}'.`)
  const github = new GitHub(context.settings.token, context.event.repo)
  const git = new Git(context.workspace)
  const repoRoot = await git.topLevel()
  const files = await step('Changed files', () => changedFiles(git, github, pr))
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    const graph = new ModelGraph(repositoryRelative(sqlmesh.models, repoRoot))
    const changeSet = await step('Changed models', () => changedModels(context, sqlmesh, graph, files, repoRoot))
    const chain = graph.affectedChain(changeSet.changed)
    core.info(`Affected chain (${chain.length}): ${chain.join(' -> ') || 'none'}`)
    const environment = `${context.settings.environmentPrefix}_${pr.number}`
    if (chain.length > 0 || changeSet.removed.length > 0) {
      await step(`Plan and apply environment ${environment}`, () => buildEnvironment(context, sqlmesh, environment))
    }
    const diffs = await step('Table diff', () => diffChain(context, sqlmesh, graph, chain, changeSet, environment))
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
      failOn: context.settings.failOn
    }
    await step('Report', () => publish(context, github, pr, report))
    setOutputs(changeSet, chain, diffs)
    if (failing.length > 0) {
      const message = `fail-on '${context.settings.failOn}': ${failing.join(', ')}`
      core.error(message, { title: 'SQLMesh diff' })
      throw new PolicyFailure(`${message}. See the pull-request comment for the numbers.`)
    }
  } finally {
    await sqlmesh.close()
  }
}

async function changedFiles(git: Git, github: GitHub, pr: PullRequestEvent): Promise<ChangedFile[]> {
  const mergeBase = await git.findMergeBase(pr.baseSha, pr.headSha, message => core.info(message))
  if (mergeBase) {
    const files = await git.changedFiles(mergeBase, pr.headSha)
    core.info(`git: ${files.length} files changed since the merge base ${mergeBase.slice(0, 7)}`)
    files.forEach(file => core.info(`  ${file.status.padEnd(8)} ${file.path}`))
    return files
  }
  core.warning('The merge base is not in the clone and could not be fetched; listing the files through the GitHub API instead.')
  const { files, capped } = await github.pullRequestFiles(pr.number)
  if (capped) core.warning('GitHub lists at most 3,000 files of a pull request; use actions/checkout with fetch-depth: 0 so git can see them all.')
  return files
}

async function changedModels(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  files: readonly ChangedFile[],
  repoRoot: string
): Promise<ChangeSet> {
  const projectRelative = relative(repoRoot, projectDir(context)).split('\\').join('/')
  const mappings = mapFilesToModels(files, graph.modelsList(), projectRelative)
  const fingerprints = namesOf(await sqlmesh.changes(context.settings.prodEnvironment), graph)
  if (!fingerprints.environmentExists) {
    core.warning(`Environment '${context.settings.prodEnvironment}' does not exist yet: every model counts as new.`)
  }
  const changeSet = buildChangeSet(mappings, fingerprints, graph)
  core.info(`Changed by files: ${mappings.flatMap(m => ('models' in m.role ? m.role.models : [])).join(', ') || 'none'}`)
  core.info(`Changed by fingerprint: ${fingerprints.directlyModified.join(', ') || 'none'}`)
  core.info(`No semantic change: ${changeSet.noSemanticChange.join(', ') || 'none'}`)
  return changeSet
}

/** SQLMesh's state speaks in fully-qualified names; the report speaks in model names. */
function namesOf(changes: FingerprintChanges, graph: ModelGraph): FingerprintChanges {
  const name = (fqn: string): string => graph.nameOf(fqn) ?? fqn
  return {
    environmentExists: changes.environmentExists,
    directlyModified: changes.directlyModified.map(name),
    indirectlyModified: changes.indirectlyModified.map(name),
    added: changes.added.map(name),
    removed: changes.removed.map(fqn => graph.nameOf(fqn) ?? unquoteFqn(fqn))
  }
}

function unquoteFqn(fqn: string): string {
  const parts = fqn.split('.').map(part => part.replace(/^"|"$/g, ''))
  return parts.slice(-2).join('.')
}

async function buildEnvironment(context: FlowContext, sqlmesh: SqlMesh, environment: string): Promise<void> {
  const outcome = await sqlmesh.plan({
    environment,
    start: context.settings.environmentStart || undefined,
    end: context.settings.environmentEnd || undefined,
    skipTests: context.settings.skipTests
  })
  core.info(`Environment ${environment} ${outcome.hasChanges ? 'applied' : 'already up to date'} in ${outcome.seconds}s`)
}

async function diffChain(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  chain: readonly string[],
  changeSet: ChangeSet,
  environment: string
): Promise<ModelDiff[]> {
  if (chain.length === 0) return []
  const prod = (await sqlmesh.environment(context.settings.prodEnvironment)) ?? new Map()
  const pr = (await sqlmesh.environment(environment)) ?? new Map()
  const decisions = planDiffs({ chain, changed: new Set(changeSet.changed), scope: context.settings.diffScope, graph, prod, pr })
  // Independent diffs run side by side in the one SQLMesh process (bounded by diff-concurrency).
  return mapLimit(decisions, context.settings.diffConcurrency, decision =>
    decision.action === 'skip' ? Promise.resolve(decision.result) : diffModel(context, sqlmesh, graph, decision.task, environment)
  )
}

async function diffModel(
  context: FlowContext,
  sqlmesh: SqlMesh,
  graph: ModelGraph,
  task: DiffTask,
  environment: string
): Promise<ModelDiff> {
  const timeColumn = graph.model(task.model)?.timeColumn
  const window =
    task.window && timeColumn
      ? { column: timeColumn, start: formatInstant(task.window.start), end: formatInstant(task.window.end) }
      : null
  core.info(`Diffing ${task.model}${window ? ` on ${window.column} in [${window.start}, ${window.end})` : ''}`)
  try {
    const comparison = await sqlmesh.tableDiff({
      source: context.settings.prodEnvironment,
      target: environment,
      model: task.model,
      window,
      sampleRows: context.settings.sampleRows,
      decimals: context.settings.decimals
    })
    if (!comparison) return { model: task.model, status: 'not-diffed', reason: 'unchanged', detail: 'SQLMesh found nothing to compare.' }
    return { model: task.model, status: 'diffed', window: task.window, partialUpstream: task.partialUpstream, ...comparison }
  } catch (error) {
    if (!(error instanceof SqlMeshError)) throw error
    core.warning(`Table diff of ${task.model} failed: ${error.message}`)
    return { model: task.model, status: 'not-diffed', reason: 'error', detail: `Table diff failed: ${firstLine(error.message)}` }
  }
}

async function publish(context: FlowContext, github: GitHub, pr: PullRequestEvent, report: PrReport): Promise<void> {
  const sections = renderPrSections(report)
  const summaryHint = `The full report is in the job summary: ${context.event.runUrl}`
  const summary = fitSections(sections, SUMMARY_LIMIT, 'The report is too large for the job summary; see the action log.')
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary.markdown, true).write()
  const comment = fitSections(sections, COMMENT_LIMIT, summaryHint)
  if (comment.omitted.length > 0) core.info(`Comment cut to fit: left out ${comment.omitted.join(', ')}`)
  try {
    const posted = await github.upsertComment(pr.number, DIFF_COMMENT_MARKER, context.settings.commentAuthor, comment.markdown)
    core.info(`${posted.created ? 'Created' : 'Updated'} comment ${posted.url}`)
    core.setOutput('comment-url', posted.url)
  } catch (error) {
    if (!isForbidden(error)) throw error
    core.warning(
      'The token may not comment on this pull request (403; a pull request from a fork gets a read-only token). The report is in the job summary.'
    )
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

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}

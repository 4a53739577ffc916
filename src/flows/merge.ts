// The merge flow: what was merged -> deploy to prod -> backfill the affected chain from backfill-start -> report on the
// merged pull request. Runs on `push` to a production branch or on `pull_request` closed with merged = true.

import * as core from '@actions/core'
import { ModelGraph } from '../core/graph.js'
import { mergeCheckoutProblem } from '../core/checkout.js'
import { InputError } from '../inputs.js'
import { GitHub } from '../github/client.js'
import { payloadText, pullRequestOf } from '../github/event.js'
import { Git } from '../github/git.js'
import { BACKFILL_COMMENT_MARKER, completedMarker } from '../report/backfill-report.js'
import type { ChangedFile } from '../core/types.js'
import { backfill, reportBackfill, resolveBackfillRange } from './backfill.js'
import { changedModels, logFiles, pullRequestFiles } from './changes.js'
import { repositoryRelative, startSqlMesh, step, type FlowContext } from './context.js'

const ZERO_SHA = /^0+$/

interface Merge {
  readonly commitSha: string
  readonly files: readonly ChangedFile[]
  readonly pullRequest: number | null
}

export async function runMergeFlow(context: FlowContext): Promise<void> {
  const github = new GitHub(context.settings.token, context.event.repo)
  const git = new Git(context.workspace)
  const repoRoot = await git.topLevel()
  const merge = await step('What was merged', () => resolveMerge(context, git, github))
  const problem = mergeCheckoutProblem(await git.checkedOut(), merge.commitSha)
  if (problem) throw new InputError(problem)
  if (await alreadyBackfilled(context, github, merge)) return
  const sqlmesh = await step('Load the SQLMesh project', () => startSqlMesh(context))
  try {
    const range = await resolveBackfillRange(context, sqlmesh)
    const graph = new ModelGraph(repositoryRelative(sqlmesh.models, repoRoot))
    const changeSet = await step('Changed models', () => changedModels(context, sqlmesh, graph, merge.files, repoRoot))
    // A model whose file was touched is backfilled even when its fingerprint did not change: that is how a team
    // asks for a rebuild after the upstream data changed (SQLMesh only fingerprints code).
    const touched = graph.topologicalOrder(new Set([...changeSet.changed, ...changeSet.noSemanticChange]))
    core.info(`Models to backfill from ${range.start}: ${touched.join(', ') || 'none'}`)
    const notes: string[] = []
    // Rows before this run, taken before the deploy so that "before → after" spans the whole merge.
    const rowsBefore = await sqlmesh.prodRowCounts(
      graph.affectedChain(touched).flatMap(name => graph.model(name) ?? [])
    )
    if (context.settings.deploy && !context.settings.dryRun) {
      await step(`Deploy to ${context.settings.prodEnvironment}`, async () => {
        const outcome = await sqlmesh.plan({
          environment: context.settings.prodEnvironment,
          skipTests: context.settings.skipTests
        })
        notes.push(
          outcome.hasChanges
            ? `Deployed the merged code to \`${context.settings.prodEnvironment}\` first.`
            : 'Prod was already up to date with the merged code.'
        )
      })
    }
    const backfilled =
      touched.length > 0 ? await step('Backfill', () => backfill(context, sqlmesh, graph, touched, range)) : []
    const rows = backfilled.map(row =>
      row.rowsAfter === null ? row : { ...row, rowsBefore: rowsBefore.get(row.model) ?? null }
    )
    const title = `SQLMesh backfill after ${merge.pullRequest ? `#${merge.pullRequest}` : `commit ${merge.commitSha.slice(0, 7)}`}`
    const run = { title, commitSha: merge.commitSha, notes, rows, range, sqlmeshVersion: sqlmesh.version }
    await reportBackfill(context, run, github, merge.pullRequest)
  } finally {
    await sqlmesh.close()
  }
}

/**
 * A re-run of the merge flow for a commit whose backfill already succeeded (its comment on the pull request says so)
 * rebuilds nothing, unless `force` asks for it.
 */
async function alreadyBackfilled(context: FlowContext, github: GitHub, merge: Merge): Promise<boolean> {
  if (context.settings.force || context.settings.dryRun || merge.pullRequest === null) return false
  const body = await github.findComment(merge.pullRequest, BACKFILL_COMMENT_MARKER, context.settings.commentAuthor)
  if (!body?.includes(completedMarker(merge.commitSha))) return false
  core.notice(
    `Commit ${merge.commitSha.slice(0, 7)} was already backfilled (see #${merge.pullRequest}); nothing rebuilt. Set 'force: true' to backfill again.`
  )
  core.setOutput('backfilled-models', '[]')
  core.setOutput('backfill-results', '[]')
  return true
}

async function resolveMerge(context: FlowContext, git: Git, github: GitHub): Promise<Merge> {
  const pr = pullRequestOf(context.event)
  if (pr) {
    const { files } = await pullRequestFiles(git, github, pr)
    return {
      commitSha: pr.mergeCommitSha ?? pr.headSha,
      files,
      pullRequest: pr.number
    }
  }
  const before = payloadText(context.event.payload.before)
  const after = payloadText(context.event.payload.after)
  if (!after) throw new Error('The push event has no "after" commit.')
  const from = await pushBase(git, before, after)
  const files = await git.changedFiles(from, after)
  logFiles(`git: ${files.length} files changed in ${from.slice(0, 7)}..${after.slice(0, 7)}`, files)
  const pullRequest = await github.pullRequestForCommit(after).catch((error: unknown) => {
    core.warning(
      `Could not look up the pull request of ${after.slice(0, 7)}: ${error instanceof Error ? error.message : String(error)}`
    )
    return null
  })
  core.info(pullRequest ? `Merged pull request: #${pullRequest}` : 'No pull request is associated with this commit.')
  return { commitSha: after, files, pullRequest }
}

/**
 * Where a push's changes start: `before` when it is an ancestor of `after`; the merge base after a force push; the
 * parent of `after` for a new branch (all-zero `before`) or when `before` cannot be fetched.
 */
async function pushBase(git: Git, before: string, after: string): Promise<string> {
  if (before && !ZERO_SHA.test(before)) {
    const mergeBase = await git.findMergeBase(before, after, message => core.info(message))
    if (mergeBase) {
      if (mergeBase !== before)
        core.info(
          `Force push: ${before.slice(0, 7)} is not an ancestor of ${after.slice(0, 7)}; using their merge base.`
        )
      return mergeBase
    }
    core.warning(
      `Commit ${before.slice(0, 7)} (the push's "before") is not reachable; comparing ${after.slice(0, 7)} with its parent.`
    )
  }
  return (await git.parentOf(after)) ?? EMPTY_TREE
}

/** Git's empty tree: diffing against it lists every file of the commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

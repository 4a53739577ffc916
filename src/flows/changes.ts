// Steps the pull-request and merge flows share: which files changed, and which models that makes changed.

import * as core from '@actions/core'
import { relative } from 'node:path'
import { buildChangeSet, mapFilesToModels, type ChangeSet } from '../core/changes.js'
import type { ModelGraph } from '../core/graph.js'
import type { ChangedFile, FingerprintChanges } from '../core/types.js'
import type { GitHub } from '../github/client.js'
import type { PullRequestEvent } from '../github/event.js'
import type { Git } from '../github/git.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { projectDir, type FlowContext } from './context.js'

export async function pullRequestFiles(git: Git, github: GitHub, pr: PullRequestEvent): Promise<ChangedFile[]> {
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

export async function changedModels(
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


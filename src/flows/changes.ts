// Steps the pull-request and merge flows share: which files changed, and which models that makes changed.

import * as core from '@actions/core'
import { relative } from 'node:path'
import { buildChangeSet, mapFilesToModels, restListCapped, type ChangeSet, type FileListCap } from '../core/changes.js'
import type { ModelGraph } from '../core/graph.js'
import type { ChangedFile, FingerprintChanges } from '../core/types.js'
import type { GitHub } from '../github/client.js'
import type { PullRequestEvent } from '../github/event.js'
import type { Git } from '../github/git.js'
import type { SqlMesh } from '../sqlmesh/client.js'
import { projectDir, type FlowContext } from './context.js'

/** The files a pull request changes, and, when they came from GitHub's capped REST list, that the list is cut. */
export interface PullRequestFiles {
  readonly files: ChangedFile[]
  readonly cap: FileListCap | null
}

/**
 * The files from git (fetching the history a shallow clone lacks, see Git.findMergeBase); only when that fails, from
 * GitHub's REST list, which stops at 3,000 files.
 */
export async function pullRequestFiles(git: Git, github: GitHub, pr: PullRequestEvent): Promise<PullRequestFiles> {
  const mergeBase = await git.findMergeBase(pr.baseSha, pr.headSha, message => core.info(message))
  if (mergeBase) {
    const files = await git.changedFiles(mergeBase, pr.headSha)
    logFiles(`git: ${files.length} files changed since the merge base ${mergeBase.slice(0, 7)}`, files)
    return { files, cap: null }
  }
  core.warning(
    'The merge base is not in the clone and could not be fetched; listing the files through the GitHub API instead.'
  )
  const { files, listed, total } = await github.pullRequestFiles(pr.number, pr.changedFiles)
  logFiles(`GitHub API: ${listed} files listed${total !== null ? ` of ${total} changed` : ''}`, files)
  if (!restListCapped(listed, total)) return { files, cap: null }
  core.warning(
    'GitHub lists at most 3,000 files of a pull request; use actions/checkout with fetch-depth: 0 so git can see them all.'
  )
  return { files, cap: { listed, total } }
}

/** Names logged on one line, up to LOGGED_NAMES of them; more as a count, with the names in a collapsed group. */
export function logNames(title: string, names: readonly string[], separator = ', '): void {
  if (names.length <= LOGGED_NAMES) {
    core.info(`${title}: ${names.join(separator) || 'none'}`)
    return
  }
  core.info(`${title}: ${names.length} models`)
  core.startGroup(`${title} (${names.length})`)
  names.forEach(name => core.info(`  ${name}`))
  core.endGroup()
}

const LOGGED_NAMES = 20

/** A count on one line, the names in a collapsed group: a pull request can touch thousands of files. */
export function logFiles(title: string, files: readonly ChangedFile[]): void {
  core.info(title)
  if (files.length === 0) return
  core.startGroup(`The ${files.length} changed files`)
  files.forEach(file => core.info(`  ${file.status.padEnd(8)} ${file.path}`))
  core.endGroup()
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
  logNames(
    'Changed by files',
    mappings.flatMap(m => ('models' in m.role ? m.role.models : []))
  )
  logNames('Changed by fingerprint', fingerprints.directlyModified)
  logNames('No semantic change', changeSet.noSemanticChange)
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

// Which models a pull request changes, seen two ways: from the files it touches and from SQLMesh's fingerprints.
// Pure: paths are compared as repository-relative POSIX strings.

import type { ChangedFile, FingerprintChanges, ModelInfo } from './types.js'
import type { ModelGraph } from './graph.js'

/** How a changed file relates to the project. */
export type FileRole =
  | { readonly kind: 'model'; readonly models: readonly string[] }
  | { readonly kind: 'seed'; readonly models: readonly string[] }
  | { readonly kind: 'external'; readonly models: readonly string[] }
  | { readonly kind: 'project'; readonly category: 'macro' | 'config' | 'test' | 'audit' | 'other' }
  | { readonly kind: 'outside' }

export interface FileMapping {
  readonly file: ChangedFile
  readonly role: FileRole
}

export interface ChangeSet {
  /** Models the PR changes, from either view, in dependency order. */
  readonly changed: readonly string[]
  /** Models whose files changed but whose fingerprint did not (e.g. an edited comment). */
  readonly noSemanticChange: readonly string[]
  /** Models whose fingerprint changed although none of their own files did (macros, config, a seed's CSV...). */
  readonly changedIndirectlyByFiles: readonly string[]
  /** Models present in the PR but not in prod. */
  readonly added: readonly string[]
  /** Models present in prod but gone from the PR. */
  readonly removed: readonly string[]
  /** Changed project files that belong to no single model (macros, config, tests...). */
  readonly projectFiles: readonly ChangedFile[]
  readonly mappings: readonly FileMapping[]
}

/** Maps model-defining files, seed CSVs and external-model YAML to the models they define. */
export function mapFilesToModels(
  files: readonly ChangedFile[],
  models: readonly ModelInfo[],
  projectDir: string
): FileMapping[] {
  const byPath = new Map<string, { kind: 'model' | 'seed' | 'external'; models: string[] }>()
  const remember = (path: string | null, kind: 'model' | 'seed' | 'external', name: string): void => {
    if (!path) return
    const entry = byPath.get(path) ?? { kind, models: [] }
    entry.models.push(name)
    byPath.set(path, entry)
  }
  for (const model of models) {
    remember(model.path, model.isExternal ? 'external' : 'model', model.name)
    remember(model.seedPath, 'seed', model.name)
  }
  return files.map(file => {
    const entry = byPath.get(file.path)
    if (entry) return { file, role: { kind: entry.kind, models: [...entry.models].sort() } }
    if (!isInside(file.path, projectDir)) return { file, role: { kind: 'outside' } }
    return { file, role: { kind: 'project', category: categorize(relativeTo(file.path, projectDir)) } }
  })
}

/** Combines the file view and the fingerprint view into the change set the report shows. */
export function buildChangeSet(
  mappings: readonly FileMapping[],
  fingerprints: FingerprintChanges,
  graph: ModelGraph
): ChangeSet {
  const byFiles = new Set<string>()
  for (const { role } of mappings) {
    if ('models' in role) role.models.forEach(name => byFiles.add(name))
  }
  const byFingerprint = new Set([...fingerprints.directlyModified, ...fingerprints.added])
  // Without a prod environment there is nothing to compare fingerprints against: trust the files.
  const semantic = fingerprints.environmentExists ? byFingerprint : new Set([...byFiles, ...byFingerprint])
  const noSemanticChange = [...byFiles].filter(name => !semantic.has(name) && graph.has(name))
  const changedIndirectlyByFiles = [...byFingerprint].filter(name => !byFiles.has(name))
  return {
    changed: graph.topologicalOrder(semantic),
    noSemanticChange: noSemanticChange.sort(),
    changedIndirectlyByFiles: changedIndirectlyByFiles.sort(),
    added: [...fingerprints.added].sort(),
    removed: [...fingerprints.removed].sort(),
    projectFiles: mappings.filter(({ role }) => role.kind === 'project').map(({ file }) => file),
    mappings
  }
}

function categorize(relativePath: string): 'macro' | 'config' | 'test' | 'audit' | 'other' {
  const [top] = relativePath.split('/')
  if (top === 'macros') return 'macro'
  if (top === 'tests') return 'test'
  if (top === 'audits') return 'audit'
  if (/^config\.(ya?ml|py)$/.test(relativePath) || relativePath === 'external_models.yaml') return 'config'
  return 'other'
}

function isInside(path: string, dir: string): boolean {
  return dir === '' || dir === '.' || path.startsWith(`${dir.replace(/\/$/, '')}/`)
}

function relativeTo(path: string, dir: string): string {
  return dir === '' || dir === '.' ? path : path.slice(dir.replace(/\/$/, '').length + 1)
}

/** A list of changed files cut at GitHub's cap: how many it listed, and GitHub's own count when known. */
export interface FileListCap {
  readonly listed: number
  readonly total: number | null
}

/** GitHub's REST API lists at most this many files of a pull request; git has them all. */
export const REST_FILES_CAP = 3000

/**
 * Whether the REST list of a pull request's files is known to be incomplete: GitHub listed fewer entries than its
 * own count of changed files, or stopped at its cap (GitHub does not say whether a list of exactly 3,000 is whole).
 */
export function restListCapped(listed: number, total: number | null): boolean {
  return listed >= REST_FILES_CAP || (total !== null && total > listed)
}

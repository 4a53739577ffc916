// Git, for the files a change touches. Runs git with argument arrays (never a shell) and LC_ALL=C so that its
// messages can be matched.

import * as exec from '@actions/exec'
import type { ChangedFile } from '../core/types.js'

export class Git {
  constructor(private readonly cwd: string) {}

  async topLevel(): Promise<string> {
    return (await this.run(['rev-parse', '--show-toplevel'])).stdout.trim()
  }

  /** The commit the working tree is at, with its parents. */
  async checkedOut(): Promise<{ sha: string; parents: string[] }> {
    // split always returns at least one element ('' for no output).
    const [sha, ...parents] = (await this.run(['rev-list', '--parents', '-n', '1', 'HEAD'])).stdout.trim().split(/\s+/)
    return { sha, parents }
  }

  async hasCommit(sha: string): Promise<boolean> {
    return (await this.run(['cat-file', '-e', `${sha}^{commit}`], true)).code === 0
  }

  async mergeBase(a: string, b: string): Promise<string | null> {
    const result = await this.run(['merge-base', a, b], true)
    return result.code === 0 ? result.stdout.trim() : null
  }

  /**
   * The merge base of base and head, fetching more history when the clone is shallow (actions/checkout fetches one
   * commit by default). Returns null when it cannot be found; the caller then falls back to the REST API.
   */
  async findMergeBase(base: string, head: string, log: (message: string) => void): Promise<string | null> {
    const found = (await this.hasCommit(base)) && (await this.hasCommit(head)) ? await this.mergeBase(base, head) : null
    if (found) return found
    for (const depth of [50, 200, 1000, 5000]) {
      log(`Merge base of ${base.slice(0, 7)} and ${head.slice(0, 7)} not found; fetching ${depth} more commits.`)
      const fetched = await this.run(['fetch', '--no-tags', '--quiet', `--deepen=${depth}`, 'origin', base, head], true)
      if (fetched.code !== 0) {
        const direct = await this.run(['fetch', '--no-tags', '--quiet', `--depth=${depth}`, 'origin', base, head], true)
        if (direct.code !== 0) return null
      }
      const mergeBase = await this.mergeBase(base, head)
      if (mergeBase) return mergeBase
    }
    return null
  }

  /** The first parent of a commit, fetching one more commit of history in a shallow clone; null for a root commit. */
  async parentOf(sha: string): Promise<string | null> {
    const parent = async (): Promise<string | null> => {
      const result = await this.run(['rev-parse', '--verify', '--quiet', `${sha}^`], true)
      return result.code === 0 ? result.stdout.trim() : null
    }
    const found = await parent()
    if (found) return found
    await this.run(['fetch', '--no-tags', '--quiet', '--deepen=1', 'origin', sha], true)
    return parent()
  }

  /** Files changed from `from` to `to`; renames come out as a delete plus an add. */
  async changedFiles(from: string, to: string): Promise<ChangedFile[]> {
    const { stdout } = await this.run([
      '-c',
      'core.quotepath=off',
      'diff',
      '--name-status',
      '-z',
      '--no-renames',
      from,
      to
    ])
    return parseNameStatus(stdout)
  }

  private async run(args: string[], allowFailure = false): Promise<{ code: number; stdout: string; stderr: string }> {
    const result = await exec.getExecOutput('git', args, {
      cwd: this.cwd,
      ignoreReturnCode: true,
      silent: true,
      env: { ...stringEnv(process.env), LC_ALL: 'C' }
    })
    if (result.exitCode !== 0 && !allowFailure) {
      throw new Error(`git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`)
    }
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }
}

/** Parses `git diff --name-status -z --no-renames`: status NUL path NUL, repeated. */
export function parseNameStatus(output: string): ChangedFile[] {
  const parts = output.split('\0').filter(part => part !== '')
  const files: ChangedFile[] = []
  for (let index = 0; index + 1 < parts.length; index += 2) {
    const status = parts[index].charAt(0)
    const path = parts[index + 1]
    files.push({ path, status: status === 'A' ? 'added' : status === 'D' ? 'removed' : 'modified' })
  }
  return files
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

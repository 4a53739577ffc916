// The one place that talks to GitHub's REST API. Returns small domain types, not raw responses.

import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import type { ChangedFile } from '../core/types.js'
import type { RepoRef } from './event.js'

type Octokit = ReturnType<typeof getOctokit>

export interface StickyComment {
  readonly id: number
  readonly url: string
  readonly created: boolean
}

export interface StickyIssue {
  readonly number: number
  readonly url: string
  readonly state: 'open' | 'closed'
}

export class GitHub {
  private readonly octokit: Octokit

  constructor(
    token: string,
    private readonly repo: RepoRef
  ) {
    // 5xx answers are retried with backoff (plugin-retry); primary and secondary rate limits wait as GitHub asks
    // (plugin-throttling), a few times, then give up with GitHub's own error.
    this.octokit = getOctokit(
      token,
      {
        throttle: {
          onRateLimit: (retryAfter: number, _options: object, _octokit: object, retryCount: number) =>
            waitOrGiveUp('rate limit', retryAfter, retryCount),
          onSecondaryRateLimit: (retryAfter: number, _options: object, _octokit: object, retryCount: number) =>
            waitOrGiveUp('secondary rate limit', retryAfter, retryCount)
        }
      },
      retry,
      throttling
    )
  }

  /**
   * The files of a pull request from the REST API (renames as delete + add); GitHub lists at most 3,000. `listed` is
   * how many entries GitHub listed, `total` its own count of changed files (`changed_files`), asked for when unknown.
   */
  async pullRequestFiles(
    number: number,
    total: number | null
  ): Promise<{ files: ChangedFile[]; listed: number; total: number | null }> {
    const listed = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, {
      ...this.repo,
      pull_number: number,
      per_page: 100
    })
    const files = listed.flatMap((file): ChangedFile[] => {
      if (file.status === 'renamed' && file.previous_filename) {
        return [
          { path: file.previous_filename, status: 'removed' },
          { path: file.filename, status: 'added' }
        ]
      }
      const status = file.status === 'added' ? 'added' : file.status === 'removed' ? 'removed' : 'modified'
      return [{ path: file.filename, status }]
    })
    return { files, listed: listed.length, total: total ?? (await this.changedFileCount(number)) }
  }

  /** GitHub's count of the files a pull request changes; null when it cannot be read (the list is then judged alone). */
  private async changedFileCount(number: number): Promise<number | null> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: number })
      return data.changed_files
    } catch (error) {
      core.info(
        `Could not read the pull request's count of changed files: ${error instanceof Error ? error.message : String(error)}`
      )
      return null
    }
  }

  /** The pull request a commit came from (GitHub's "pull requests associated with a commit"), merged ones first. */
  async pullRequestForCommit(sha: string): Promise<number | null> {
    const { data } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...this.repo,
      commit_sha: sha
    })
    const merged = data.find(pr => pr.merge_commit_sha === sha) ?? data.find(pr => pr.merged_at) ?? data.at(0)
    return merged ? merged.number : null
  }

  /**
   * Creates or updates the one comment that carries `marker` and was written by `author`. A comment with the marker
   * from anyone else (say, a person who quoted it) is left alone.
   */
  async upsertComment(issue: number, marker: string, author: string, body: string): Promise<StickyComment> {
    const existing = (await this.ourComments(issue, marker, author)).at(0)
    if (existing) {
      const { data } = await this.octokit.rest.issues.updateComment({ ...this.repo, comment_id: existing.id, body })
      return { id: data.id, url: data.html_url, created: false }
    }
    const { data } = await this.octokit.rest.issues.createComment({ ...this.repo, issue_number: issue, body })
    return this.settleDuplicates(issue, marker, author, body, { id: data.id, url: data.html_url, created: true })
  }

  /** The body of our comment with the marker, if there is one. */
  async findComment(issue: number, marker: string, author: string): Promise<string | null> {
    return (await this.ourComments(issue, marker, author))[0]?.body ?? null
  }

  /** The oldest issue `author` opened that carries `marker`, open or closed; null when there is none. */
  async findIssue(marker: string, author: string): Promise<StickyIssue | null> {
    const issues = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
      ...this.repo,
      state: 'all',
      creator: author,
      per_page: 100
    })
    const ours = issues
      .filter(issue => !issue.pull_request && issue.user?.login === author && (issue.body ?? '').includes(marker))
      .sort((a, b) => a.number - b.number)
      .at(0)
    return ours ? { number: ours.number, url: ours.html_url, state: ours.state === 'closed' ? 'closed' : 'open' } : null
  }

  async createIssue(title: string, body: string): Promise<StickyIssue> {
    const { data } = await this.octokit.rest.issues.create({ ...this.repo, title, body })
    return { number: data.number, url: data.html_url, state: 'open' }
  }

  async updateIssue(number: number, body: string, state: 'open' | 'closed'): Promise<StickyIssue> {
    const { data } = await this.octokit.rest.issues.update({ ...this.repo, issue_number: number, body, state })
    return { number: data.number, url: data.html_url, state: data.state === 'closed' ? 'closed' : 'open' }
  }

  /** Our comments carrying the marker, oldest first. */
  private async ourComments(
    issue: number,
    marker: string,
    author: string
  ): Promise<{ id: number; body: string; url: string }[]> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.repo,
      issue_number: issue,
      per_page: 100
    })
    return comments
      .filter(comment => comment.user?.login === author && (comment.body ?? '').includes(marker))
      .map(comment => ({ id: comment.id, body: comment.body ?? '', url: comment.html_url }))
      .sort((a, b) => a.id - b.id)
  }

  /**
   * Two runs on one pull request at once can both find no comment and both create one. After creating, the oldest
   * of ours is kept (with this run's body) and the others are deleted, so the pull request ends with one comment.
   */
  private async settleDuplicates(
    issue: number,
    marker: string,
    author: string,
    body: string,
    created: StickyComment
  ): Promise<StickyComment> {
    const ours = await this.ourComments(issue, marker, author)
    const keep = ours.at(0)
    if (!keep || ours.length === 1) return created
    for (const extra of ours.slice(1)) {
      await this.octokit.rest.issues.deleteComment({ ...this.repo, comment_id: extra.id }).catch(() => undefined)
    }
    if (keep.id === created.id) return created
    const { data } = await this.octokit.rest.issues.updateComment({ ...this.repo, comment_id: keep.id, body })
    return { id: data.id, url: data.html_url, created: false }
  }
}

function waitOrGiveUp(limit: string, retryAfter: number, retryCount: number): boolean {
  if (retryCount >= 3) {
    core.warning(`GitHub ${limit} hit ${retryCount + 1} times; giving up.`)
    return false
  }
  core.info(`GitHub ${limit} hit; retrying after ${retryAfter}s.`)
  return true
}

/** GitHub refused the token this (403): a read-only token on a fork's pull request, or a missing permission. */
export function isForbidden(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: number }).status === 403
}

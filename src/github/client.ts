// The one place that talks to GitHub's REST API. Returns small domain types, not raw responses.

import { getOctokit } from '@actions/github'
import type { ChangedFile } from '../core/types.js'
import type { RepoRef } from './event.js'

type Octokit = ReturnType<typeof getOctokit>

/** Files past this many are not listed by the REST API; git has them all. */
export const REST_FILES_CAP = 3000

export interface StickyComment {
  readonly id: number
  readonly url: string
  readonly created: boolean
}

export class GitHub {
  private readonly octokit: Octokit

  constructor(
    token: string,
    private readonly repo: RepoRef
  ) {
    this.octokit = getOctokit(token)
  }

  /** The files of a pull request from the REST API (renames as delete + add); capped at 3,000 by GitHub. */
  async pullRequestFiles(number: number): Promise<{ files: ChangedFile[]; capped: boolean }> {
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
    return { files, capped: listed.length >= REST_FILES_CAP }
  }

  /** The pull request a commit came from (GitHub's "pull requests associated with a commit"), merged ones first. */
  async pullRequestForCommit(sha: string): Promise<number | null> {
    const { data } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...this.repo, commit_sha: sha })
    const merged = data.find(pr => pr.merge_commit_sha === sha) ?? data.find(pr => pr.merged_at) ?? data[0]
    return merged ? merged.number : null
  }

  /**
   * Creates or updates the one comment that carries `marker` and was written by `author`. A comment with the marker
   * from anyone else (say, a person who quoted it) is left alone.
   */
  async upsertComment(issue: number, marker: string, author: string, body: string): Promise<StickyComment> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.repo,
      issue_number: issue,
      per_page: 100
    })
    const ours = comments.filter(comment => comment.user?.login === author && (comment.body ?? '').includes(marker))
    const existing = ours[0]
    if (existing) {
      const { data } = await this.octokit.rest.issues.updateComment({ ...this.repo, comment_id: existing.id, body })
      return { id: data.id, url: data.html_url, created: false }
    }
    const { data } = await this.octokit.rest.issues.createComment({ ...this.repo, issue_number: issue, body })
    return { id: data.id, url: data.html_url, created: true }
  }
}

// Reads the workflow event the runner hands the action (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH) into small typed shapes.

import { readFileSync } from 'node:fs'

export interface RepoRef {
  readonly owner: string
  readonly repo: string
}

export interface PullRequestEvent {
  readonly name: string
  readonly action: string
  readonly number: number
  readonly baseSha: string
  readonly baseRef: string
  readonly headSha: string
  readonly headRef: string
  readonly merged: boolean
  /** The merge commit GitHub made (`merge_commit_sha`); null before the pull request is merged or when absent. */
  readonly mergeCommitSha: string | null
  /** The head lives in another repository (a fork). */
  readonly fromFork: boolean
  /** GitHub's count of the files the pull request changes (`changed_files`), when the event carries it. */
  readonly changedFiles: number | null
}

export interface WorkflowEvent {
  readonly name: string
  readonly repo: RepoRef
  readonly payload: Record<string, unknown>
  readonly runUrl: string
}

export function readWorkflowEvent(env: NodeJS.ProcessEnv): WorkflowEvent {
  const name = env.GITHUB_EVENT_NAME ?? ''
  const path = env.GITHUB_EVENT_PATH
  const payload = path ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {}
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  const runUrl = `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`
  return { name, repo: { owner, repo }, payload, runUrl }
}

/** The pull request of a `pull_request` / `pull_request_target` event, or null for other events. */
export function pullRequestOf(event: WorkflowEvent): PullRequestEvent | null {
  const pr = record(event.payload.pull_request)
  if (!pr) return null
  const base = record(pr.base) ?? {}
  const head = record(pr.head) ?? {}
  const baseRepo = record(base.repo)
  const headRepo = record(head.repo)
  return {
    name: event.name,
    action: payloadText(event.payload.action),
    number: Number(pr.number ?? event.payload.number),
    baseSha: payloadText(base.sha),
    baseRef: payloadText(base.ref),
    headSha: payloadText(head.sha),
    headRef: payloadText(head.ref),
    merged: pr.merged === true,
    mergeCommitSha: typeof pr.merge_commit_sha === 'string' ? pr.merge_commit_sha : null,
    // A head repository GitHub no longer knows (a deleted fork) counts as a fork: its code is still someone else's.
    fromFork: !headRepo || Boolean(baseRepo && headRepo.full_name !== baseRepo.full_name),
    changedFiles: typeof pr.changed_files === 'number' ? pr.changed_files : null
  }
}

/** A payload field GitHub sends as a string (an action, a ref, a sha); '' when it is absent or not a string. */
export function payloadText(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
}

// Type declarations for github-server.mjs, a local stand-in for the GitHub REST API used by
// integration tests and the demo. Keep in sync with the JSDoc typedefs in the .mjs file.

export interface StartOptions {
  owner: string
  repo: string
  /** token -> login of the account it authenticates as, e.g. `{ ghs_test: 'github-actions[bot]' }` */
  tokens: Record<string, string>
  /** 0 (default) picks an ephemeral port */
  port?: number
}

export interface RecordedRequest {
  method: string
  /** path without the query string */
  path: string
  /** a parameter the request did not send is undefined */
  query: Partial<Record<string, string>>
  /** header names are lower-case */
  headers: Record<string, string>
  /** parsed JSON, the raw text when it is not JSON, undefined when empty */
  body: unknown
}

export type PullRequestFileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'

export interface PullRequestFileInput {
  filename: string
  /** defaults to 'modified' */
  status?: PullRequestFileStatus
  previous_filename?: string
  additions?: number
  deletions?: number
  /** defaults to additions + deletions */
  changes?: number
}

export interface BranchInput {
  ref: string
  sha: string
  /** full_name of the repository the branch lives in (forks); defaults to owner/repo */
  repo?: string
}

export interface PullRequestInput {
  number: number
  title?: string
  head: BranchInput
  base: BranchInput
  /** defaults to 'closed' when merged, else 'open' */
  state?: 'open' | 'closed'
  merged?: boolean
  merge_commit_sha?: string | null
  /** login of the author; defaults to 'octocat' */
  user?: string
  files?: PullRequestFileInput[]
}

/** GitHub's simple-user object (its URL fields are there too, as on GitHub). */
export interface GitHubUser {
  login: string
  id: number
  node_id: string
  avatar_url: string
  html_url: string
  url: string
  type: 'User' | 'Bot'
  site_admin: boolean
  [url: `${string}_url`]: string
}

export interface IssueComment {
  id: number
  node_id: string
  url: string
  html_url: string
  issue_url: string
  body: string
  user: GitHubUser
  created_at: string
  updated_at: string
  author_association: string
}

export interface FaultMatch {
  /** case-insensitive; any method when omitted */
  method?: string
  /** tested against the path without query string; any path when omitted */
  pathPattern?: RegExp
}

export interface FaultResponse {
  status: number
  /** sent as JSON when given */
  body?: unknown
  headers?: Record<string, string>
}

export interface GitHubServer {
  /** e.g. 'http://127.0.0.1:43121', suitable for GITHUB_API_URL */
  readonly url: string
  /** every request received, in order (live array) */
  readonly requests: RecordedRequest[]
  /** adds or replaces a pull request */
  addPullRequest(pr: PullRequestInput): void
  /** throws when the pull request was not added */
  setPullRequestFiles(number: number, files: PullRequestFileInput[]): void
  /** PRs returned by GET /repos/{o}/{r}/commits/{sha}/pulls (replaces earlier associations of sha) */
  associateCommit(sha: string, prNumbers: number[]): void
  /** current comments of an issue / pull request, oldest first (copies) */
  comments(issueNumber: number): IssueComment[]
  /** the plain issues the action opened (GET/POST/PATCH /issues), oldest first */
  issues(): {
    number: number
    title: string
    body: string
    state: 'open' | 'closed'
    user: { login: string }
    html_url: string
  }[]
  /** seeds a comment as any login, without validation */
  addComment(issueNumber: number, body: string, login: string): IssueComment
  /** the next `times` (default 1) matching requests get `response` instead of being served; rules apply in the order added */
  failNext(match: FaultMatch, response: FaultResponse, times?: number): void
  /** What GitHub's renderer (cmark-gfm) would get wrong in the comments the action posted. */
  readonly renderProblems: string[]
  /** Requests GitHub has no operation for, and responses its OpenAPI description does not allow (live array). */
  readonly apiProblems: string[]
  /** operationIds of the requests served, e.g. 'issues/create-comment' (live set). */
  readonly operations: Set<string>
  /** Rejects, after closing, when a comment the action posted does not render right, or a request or response strayed
   * from GitHub's OpenAPI description. */
  close(): Promise<void>
}

export function startGitHubServer(options: StartOptions): Promise<GitHubServer>

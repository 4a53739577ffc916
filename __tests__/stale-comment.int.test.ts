// The pull-request comment through a draft's life (issue 17 §4), on GitHub's real webhook payloads
// (@octokit/webhooks-examples), with the bundled action, real SQLMesh on DuckDB and the local GitHub API server.
// Under skip-drafts a push to a draft is not diffed, but the comment's "✅ No semantic change" for an older commit
// must not stand while the new push drops rows; a retargeted pull request is diffed again against its new base.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createProjectRepo, EXAMPLE, runAction, type ActionRun, type Repo } from '../support/scenario.mjs'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { summaryRow, verdictLine } from './fixtures/comment.js'
import { tearDown } from './fixtures/scenario.js'
import { commentOrigin } from '../src/report/pr-report.js'

interface WebhookEvent {
  readonly name: string
  readonly examples: readonly Record<string, unknown>[]
}

const EVENTS = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as WebhookEvent[]
const REPOSITORY = 'Codertocat/Hello-World'
const TOKEN = 'ghs_stale_comment'
const NUMBER = 5
const BRANCH = 'feature-drafts'

/** GitHub's example payload for a pull_request action, as plain data to adapt. */
function example(action: string): Record<string, unknown> {
  const found = EVENTS.find(event => event.name === 'pull_request')?.examples.find(payload => payload.action === action)
  if (!found) throw new Error(`No pull_request ${action} example`)
  return structuredClone(found)
}

/** Postponed games in the raw feed: the rows a filter on status = 'final' drops from stg_games. */
function postponedGames(): number {
  const lines = readFileSync(join(EXAMPLE, 'seeds', 'games.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
  return lines.filter(line => line.split(',')[7] === 'postponed').length
}

describe('a pull request that goes back to draft under skip-drafts, on duckdb', () => {
  let repo: Repo
  let server: GitHubServer
  let base: string
  let first: string

  /** The action on GitHub's example payload for `action`, adapted to this repository's pull request and head. */
  async function deliver(
    action: string,
    options: { draft: boolean; baseRef?: string; changes?: Record<string, unknown> }
  ): Promise<ActionRun> {
    const payload = example(action === 'edited' ? 'synchronize' : action)
    const baseRef = options.baseRef ?? 'main'
    const head = repo.head()
    const pr = payload.pull_request as Record<string, Record<string, unknown>>
    payload.action = action
    payload.number = NUMBER
    if (options.changes) payload.changes = options.changes
    payload.pull_request = {
      ...pr,
      number: NUMBER,
      draft: options.draft,
      head: { ...pr.head, ref: BRANCH, sha: head },
      base: { ...pr.base, ref: baseRef, sha: base }
    }
    server.addPullRequest({ number: NUMBER, head: { ref: BRANCH, sha: head }, base: { ref: baseRef, sha: base } })
    return runAction({
      repoDir: repo.dir,
      eventName: 'pull_request',
      payload,
      inputs: {
        ...repo.actionInputs(),
        'project-path': 'analytics',
        'github-token': TOKEN,
        'environment-start': '2026-01-01',
        'skip-drafts': 'true'
      },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    })
  }

  const comment = (): string => server.comments(NUMBER)[0]?.body ?? ''

  beforeAll(async () => {
    server = await startGitHubServer({
      owner: 'Codertocat',
      repo: 'Hello-World',
      tokens: { [TOKEN]: 'github-actions[bot]' }
    })
    repo = createProjectRepo({ prefix: 'stale-comment-', gateway: 'duckdb' })
    repo.buildProd()
    base = repo.head()
    repo.git(['branch', 'release', base])
    repo.git(['checkout', '-q', '-b', BRANCH, 'main'])
    const model = repo.read('models/staging/stg_games.sql')
    repo.write('models/staging/stg_games.sql', `-- Reviewed.\n${model}`)
    first = repo.commitAll('Document the games model')
  })

  afterAll(() => tearDown({ server, repo }))

  it('opened: a comment-only edit reads "✅ No semantic change" for its commit', async () => {
    const run = await deliver('opened', { draft: false })
    expect(run.code).toBe(0)
    expect(verdictLine(comment())).toMatch(/^\*\*✅ No semantic change/)
    expect(commentOrigin(comment())).toEqual({ commit: first, base: 'main' })
  })

  it('converted_to_draft: the comment is for the head commit, so it stays, and SQLMesh is not started', async () => {
    const before = comment()
    const run = await deliver('converted_to_draft', { draft: true })
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain('Load the SQLMesh project')
    expect(run.stdout).toContain(
      `::notice::#${NUMBER} is a draft and skip-drafts is true: not diffed at commit ${first.slice(0, 7)}; the diff runs when it is marked ready for review. Its comment already says so, or its results are for this commit.`
    )
    expect(comment()).toBe(before)
  })

  it('synchronize on the draft: the ✅ for the older commit no longer stands, though nothing was diffed', async () => {
    const model = repo.read('models/staging/stg_games.sql')
    repo.write(
      'models/staging/stg_games.sql',
      model.replace('FROM raw.games', "FROM raw.games\nWHERE status = 'final'")
    )
    const second = repo.commitAll('Drop postponed games')
    const patches = server.requests.filter(request => request.method === 'PATCH').length
    const run = await deliver('synchronize', { draft: true })
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain('Load the SQLMesh project')
    const body = comment()
    expect(verdictLine(body)).toBe(
      `**⏸️ Draft: not diffed at commit \`${second.slice(0, 7)}\`; the results below were for commit \`${first.slice(0, 7)}\`.** skip-drafts is true: the diff runs again when the pull request is marked ready for review.`
    )
    expect(body.split('\n').filter(line => line.startsWith('**✅'))).toEqual([])
    expect(body).toContain('~~**✅ No semantic change')
    expect(server.comments(NUMBER)).toHaveLength(1)
    expect(server.requests.filter(request => request.method === 'PATCH')).toHaveLength(patches + 1)
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/)
  })

  it('ready_for_review: the diff runs and the comment shows the rows the push drops', async () => {
    const run = await deliver('ready_for_review', { draft: false })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Load the SQLMesh project')
    const body = comment()
    expect(body).not.toContain('⏸️')
    expect(summaryRow(body, 'staging.stg_games')[1]).toBe(String(postponedGames()))
    expect(commentOrigin(body)).toEqual({ commit: repo.head(), base: 'main' })
  })

  it('edited with changes.base: retargeted to another branch, the pull request is diffed again', async () => {
    const run = await deliver('edited', {
      draft: false,
      baseRef: 'release',
      changes: { base: { ref: { from: 'main' }, sha: { from: base } } }
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Load the SQLMesh project')
    expect(commentOrigin(comment())).toEqual({ commit: repo.head(), base: 'release' })
    expect(summaryRow(comment(), 'staging.stg_games')[1]).toBe(String(postponedGames()))
  })
})

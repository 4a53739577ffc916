// The local GitHub server is held to GitHub's own OpenAPI description (@octokit/openapi): this walks every operation
// the action calls (found in src/github/client.ts), through the action's own client, and fails on any drift between
// what the server accepts or answers and what GitHub documents. Every other integration test gets the same checks:
// the server's close() rejects when a request or a response strayed.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { operationById, responseProblems } from '../support/openapi.mjs'

const TOKEN = 'ghs_api_test'
const BOT = 'github-actions[bot]'
const MARKER = '<!-- sqlmesh-action:api-test -->'
const HEAD = 'a'.repeat(40)
const BASE = 'b'.repeat(40)
const MERGE = 'c'.repeat(40)

/** operationIds of the Octokit methods the action calls: `rest.issues.listComments` -> 'issues/list-comments'. */
function operationsTheActionUses(): string[] {
  const source = readFileSync(new URL('../src/github/client.ts', import.meta.url), 'utf8')
  const ids = [...source.matchAll(/\brest\.(\w+)\.(\w+)\b/g)].map(
    ([, scope, method]) => `${scope}/${method.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`
  )
  return [...new Set(ids)].sort()
}

let server: GitHubServer
let github: import('../src/github/client.js').GitHub

beforeAll(async () => {
  server = await startGitHubServer({ owner: 'acme', repo: 'hoops', tokens: { [TOKEN]: BOT } })
  // @actions/github reads GITHUB_API_URL when it is first imported.
  process.env.GITHUB_API_URL = server.url
  const { GitHub } = await import('../src/github/client.js')
  github = new GitHub(TOKEN, { owner: 'acme', repo: 'hoops' })
  server.addPullRequest({
    number: 7,
    head: { ref: 'feature', sha: HEAD },
    base: { ref: 'main', sha: BASE },
    merged: true,
    merge_commit_sha: MERGE,
    files: [
      { filename: 'models/a.sql', additions: 2 },
      { filename: 'models/b.sql', status: 'renamed', previous_filename: 'models/old_b.sql' }
    ]
  })
  server.associateCommit(MERGE, [7])
})

afterAll(async () => {
  await server.close()
})

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined }
}

describe("the GitHub server against GitHub's OpenAPI description", () => {
  it('knows every operation the action calls, with the method and path the server serves', () => {
    const used = operationsTheActionUses()
    expect(used).toEqual([
      'issues/create',
      'issues/create-comment',
      'issues/delete-comment',
      'issues/list-comments',
      'issues/list-for-repo',
      'issues/update',
      'issues/update-comment',
      'pulls/get',
      'pulls/list-files',
      'repos/list-pull-requests-associated-with-commit'
    ])
    for (const id of used)
      expect([id, operationById(id)?.template.startsWith('/repos/{owner}/{repo}/')]).toEqual([id, true])
  })

  it('walks every operation through the action client with no request refused and every response as documented', async () => {
    // No count given: the client asks GitHub for the pull request's own count of changed files.
    const listing = await github.pullRequestFiles(7, null)
    expect(listing.files).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'models/a.sql' })]))
    // Two entries listed, and GitHub's own count (pulls/get) agrees: a rename is one entry, read as two files.
    expect([listing.listed, listing.total, listing.files.length]).toEqual([2, 2, 3])
    expect(await github.pullRequestForCommit(MERGE)).toBe(7)
    const created = await github.upsertComment(7, MARKER, BOT, `${MARKER}\nfirst`)
    expect(created.created).toBe(true)
    const updated = await github.upsertComment(7, MARKER, BOT, `${MARKER}\nsecond`)
    expect(updated).toEqual({ id: created.id, url: created.url, created: false })
    expect(await github.findComment(7, MARKER, BOT)).toBe(`${MARKER}\nsecond`)
    // Two runs at once: this run lists no comment, creates one, then finds the other run's and deletes its own.
    server.failNext({ method: 'GET', pathPattern: /\/issues\/7\/comments$/ }, { status: 200, body: [] })
    const raced = await github.upsertComment(7, MARKER, BOT, `${MARKER}\nthird`)
    expect(raced).toEqual({ id: created.id, url: created.url, created: false })
    expect(server.comments(7).map(comment => comment.body)).toEqual([`${MARKER}\nthird`])

    // The watch mode's sticky issue: none yet, opened, found again by its marker, closed.
    expect(await github.findIssue(MARKER, BOT)).toBeNull()
    const issue = await github.createIssue('Stale data', `${MARKER}\nstale`)
    expect(issue.state).toBe('open')
    expect(await github.findIssue(MARKER, BOT)).toEqual(issue)
    expect(await github.updateIssue(issue.number, `${MARKER}\nclear`, 'closed')).toEqual({ ...issue, state: 'closed' })

    expect([...server.operations].sort()).toEqual(operationsTheActionUses())
    expect(server.apiProblems).toEqual([])
  })

  it('refuses a comment whose body is not a string, as GitHub does (422)', async () => {
    const reply = await call('POST', '/repos/acme/hoops/issues/7/comments', { body: 42 })
    expect(reply).toEqual({
      status: 422,
      body: expect.objectContaining({ message: 'Invalid request.\n\n/body must be string' }) as unknown
    })
  })

  it('refuses a comment update without a body (422)', async () => {
    const [comment] = server.comments(7)
    const reply = await call('PATCH', `/repos/acme/hoops/issues/comments/${comment.id}`, { text: 'no body' })
    expect(reply.status).toBe(422)
    expect(JSON.stringify(reply.body)).toContain("must have required property 'body'")
  })

  it('answers 404 for a pull request number that is not a number', async () => {
    expect((await call('GET', '/repos/acme/hoops/pulls/seven/files')).status).toBe(404)
  })

  it('answers 404 for a route GitHub does not have, and names it as drift', async () => {
    expect((await call('GET', '/repos/acme/hoops/pulls/7/not-a-route')).status).toBe(404)
    expect(server.apiProblems).toEqual([
      "GET /repos/acme/hoops/pulls/7/not-a-route: GitHub's REST API has no such operation"
    ])
    server.apiProblems.length = 0
  })

  it('finds a response that GitHub would never send: a missing field, an undocumented status', () => {
    const operation = operationById('issues/create-comment')
    if (!operation) throw new Error('issues/create-comment is not in the description')
    const [comment] = server.comments(7)
    const withoutUser: Partial<typeof comment> = { ...comment }
    delete withoutUser.user
    expect(responseProblems(operation, 201, comment)).toEqual([])
    expect(responseProblems(operation, 201, withoutUser)).toEqual([
      "issues/create-comment 201: (body) must have required property 'user'"
    ])
    expect(responseProblems(operation, 200, comment)).toEqual([
      'issues/create-comment: status 200 is not one GitHub documents (201, 403, 404, 410, 422)'
    ])
  })
})

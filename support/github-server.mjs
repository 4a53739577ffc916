// @ts-check
/**
 * A local stand-in for the slice of the GitHub REST API this action uses.
 *
 * Integration tests and the demo point `GITHUB_API_URL` at it, so @actions/github's Octokit
 * talks to it over real HTTP. It mimics GitHub's paths, status codes, JSON shapes, pagination
 * (Link headers, per_page limits, the 3000-file cap on PR files) and its permission quirks, and it
 * records every request so tests can assert on what the action sent.
 *
 * It is held to GitHub's own OpenAPI description (support/openapi.mjs, from @octokit/openapi): a request to a route
 * GitHub does not have, or with path parameters, query or body that the operation's schema rejects, gets the 404 or
 * 422 GitHub would give; every response it sends is validated against the operation's documented response, and
 * close() rejects when one was not (a drift between this stand-in and GitHub).
 *
 * Plain ESM with only Node built-ins, so it runs from tests, scripts and the demo without a build.
 * Types for TypeScript callers live in github-server.d.mts; keep the two in sync.
 */
import { renderingProblems } from './rendering.mjs'
import { findOperation, refusal, responseProblems } from './openapi.mjs'
import http from 'node:http'
import { createHash } from 'node:crypto'
import { buffer } from 'node:stream/consumers'

/** Body GitHub returns for unknown routes and for resources the token cannot see. */
const NOT_FOUND_BODY = Object.freeze({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
const BAD_CREDENTIALS_BODY = Object.freeze({ message: 'Bad credentials' })
const NOT_ACCESSIBLE_BODY = Object.freeze({ message: 'Resource not accessible by integration' })

const MAX_COMMENT_CHARS = 65536
/** GitHub lists at most 3000 files of a pull request, whatever the pagination. */
const MAX_LISTED_PR_FILES = 3000
const DEFAULT_PER_PAGE = 30
const MAX_PER_PAGE = 100
const FIRST_COMMENT_ID = 1000
const RATE_LIMIT = 5000

/**
 * @typedef {object} StartOptions
 * @property {string} owner
 * @property {string} repo
 * @property {Record<string, string>} tokens token -> login of the account it authenticates as
 * @property {number} [port] 0 (default) picks an ephemeral port
 *
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path path without the query string
 * @property {Partial<Record<string, string>>} query a parameter the request did not send is undefined
 * @property {Record<string, string>} headers lower-cased names
 * @property {unknown} body parsed JSON, the raw text when it is not JSON, undefined when empty
 *
 * @typedef {object} PullRequestFileInput
 * @property {string} filename
 * @property {string} [status] 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'
 * @property {string} [previous_filename]
 * @property {number} [additions]
 * @property {number} [deletions]
 * @property {number} [changes] defaults to additions + deletions
 *
 * @typedef {object} BranchInput
 * @property {string} ref
 * @property {string} sha
 * @property {string} [repo] full_name of the repository the branch lives in (forks); defaults to owner/repo
 *
 * @typedef {object} PullRequestInput
 * @property {number} number
 * @property {string} [title]
 * @property {BranchInput} head
 * @property {BranchInput} base
 * @property {'open' | 'closed'} [state] defaults to 'closed' when merged, else 'open'
 * @property {boolean} [merged]
 * @property {string | null} [merge_commit_sha]
 * @property {string} [user] login of the author
 * @property {PullRequestFileInput[]} [files]
 *
 * @typedef {object} FaultMatch
 * @property {string} [method] case-insensitive; any method when omitted
 * @property {RegExp} [pathPattern] tested against the path without query; any path when omitted
 *
 * @typedef {object} FaultResponse
 * @property {number} status
 * @property {unknown} [body] sent as JSON when given
 * @property {Record<string, string>} [headers]
 *
 * @typedef {object} GitHubServer
 * @property {string} url
 * @property {RecordedRequest[]} requests
 * @property {(pr: PullRequestInput) => void} addPullRequest
 * @property {(number: number, files: PullRequestFileInput[]) => void} setPullRequestFiles
 * @property {(sha: string, prNumbers: number[]) => void} associateCommit
 * @property {(issueNumber: number) => IssueComment[]} comments
 * @property {() => Array<{number: number, title: string, body: string, state: 'open' | 'closed', user: GitHubUser,
 *   html_url: string}>} issues the plain issues the action opened (GET/POST/PATCH /issues), oldest first
 * @property {(issueNumber: number, body: string, login: string) => IssueComment} addComment
 * @property {(match: FaultMatch, response: FaultResponse, times?: number) => void} failNext
 * @property {string[]} renderProblems what GitHub's renderer would get wrong in the comments the action posted
 * @property {string[]} apiProblems requests GitHub has no operation for, and responses its description does not allow
 * @property {Set<string>} operations operationIds of the requests served, e.g. 'issues/create-comment'
 * @property {() => Promise<void>} close rejects, after closing, when a posted comment does not render right or a
 *   request or response strayed from GitHub's OpenAPI description
 */

/**
 * @typedef {{login: string, id: number, node_id: string, type: 'User' | 'Bot', site_admin: boolean,
 *   [field: string]: string | number | boolean}} GitHubUser its URL fields too, as on GitHub
 *
 * @typedef {object} IssueComment
 * @property {number} id
 * @property {string} node_id
 * @property {string} url
 * @property {string} html_url
 * @property {string} issue_url
 * @property {string} body
 * @property {GitHubUser} user
 * @property {string} created_at
 * @property {string} updated_at
 * @property {string} author_association
 *
 * @typedef {{filename: string, status: string, previous_filename?: string, additions: number, deletions: number, changes: number}} StoredFile
 * @typedef {{ref: string, sha: string, repoFullName: string}} StoredBranch
 * @typedef {{number: number, title: string, head: StoredBranch, base: StoredBranch, state: 'open' | 'closed', merged: boolean,
 *   mergeCommitSha: string | null, login: string, files: StoredFile[], createdAt: string}} StoredPull
 * @typedef {{id: number, issueNumber: number, body: string, login: string, createdAt: string, updatedAt: string}} StoredComment
 * @typedef {{number: number, title: string, body: string, state: 'open' | 'closed', login: string, createdAt: string,
 *   updatedAt: string, closedAt: string | null}} StoredIssue
 * @typedef {{match: FaultMatch, response: FaultResponse, remaining: number}} Fault
 *
 * @typedef {object} State
 * @property {string} owner
 * @property {string} repo
 * @property {Record<string, string>} tokens
 * @property {string} url filled in once the server listens
 * @property {RecordedRequest[]} requests
 * @property {Map<number, StoredPull>} pulls
 * @property {Map<string, number[]>} commitPulls lower-cased sha -> PR numbers
 * @property {Map<number, StoredComment>} comments insertion order = creation order
 * @property {number} nextCommentId
 * @property {Map<number, StoredIssue>} issues plain issues (not pull requests), numbered from 1000
 * @property {Fault[]} faults
 * @property {number} rateLimitReset epoch seconds
 * @property {string[]} renderProblems
 * @property {string[]} apiProblems
 * @property {Set<string>} operations
 *
 * @typedef {{status: number, body?: unknown, headers?: Record<string, string>}} Reply
 * @typedef {{state: State, request: RecordedRequest, login: string, param: string}} RouteContext
 * @typedef {(ctx: RouteContext) => Reply} RouteHandler
 */

/**
 * Starts the stub on 127.0.0.1 and resolves once it accepts connections.
 * @param {StartOptions} options
 * @returns {Promise<GitHubServer>}
 */
export async function startGitHubServer(options) {
  const state = createState(options)
  const server = http.createServer((req, res) => {
    handleRequest(state, req, res).catch((/** @type {unknown} */ error) => sendInternalError(res, error))
  })
  const port = await listen(server, options.port ?? 0)
  state.url = `http://127.0.0.1:${port}`

  return {
    url: state.url,
    requests: state.requests,
    addPullRequest: pr => addPullRequest(state, pr),
    setPullRequestFiles: (number, files) => {
      requirePull(state, number).files = files.map(normalizeFile)
    },
    associateCommit: (sha, prNumbers) => {
      state.commitPulls.set(sha.toLowerCase(), [...prNumbers])
    },
    comments: issueNumber => commentsOfIssue(state, issueNumber).map(comment => serializeComment(state, comment)),
    issues: () => [...state.issues.values()].map(issue => serializeIssue(state, issue)),
    addComment: (issueNumber, body, login) => serializeComment(state, storeComment(state, issueNumber, body, login)),
    failNext: (match, response, times = 1) => addFault(state, match, response, times),
    renderProblems: state.renderProblems,
    apiProblems: state.apiProblems,
    operations: state.operations,
    close: async () => {
      await closeServer(server)
      // Every comment any test makes the action post is checked with GitHub's own parser (support/rendering.mjs).
      if (state.renderProblems.length > 0)
        throw new Error(`Comments that do not render right on GitHub:\n${state.renderProblems.join('\n')}`)
      if (state.apiProblems.length > 0)
        throw new Error(
          `Requests or responses that GitHub's OpenAPI description does not allow:\n${state.apiProblems.join('\n')}`
        )
    }
  }
}

// ---------------------------------------------------------------------------------------------
// State and seeding helpers

/**
 * @param {StartOptions} options
 * @returns {State}
 */
function createState(options) {
  if (!options.owner || !options.repo) throw new TypeError('startGitHubServer needs owner and repo')
  return {
    owner: options.owner,
    repo: options.repo,
    tokens: { ...options.tokens },
    url: '',
    requests: [],
    pulls: new Map(),
    commitPulls: new Map(),
    renderProblems: [],
    apiProblems: [],
    operations: new Set(),
    comments: new Map(),
    nextCommentId: FIRST_COMMENT_ID,
    issues: new Map(),
    faults: [],
    rateLimitReset: Math.floor(Date.now() / 1000) + 3600
  }
}

/**
 * Adds (or replaces) a pull request. A merged PR defaults to state 'closed', like on GitHub.
 * @param {State} state
 * @param {PullRequestInput} pr
 */
function addPullRequest(state, pr) {
  if (!Number.isInteger(pr.number) || pr.number < 1)
    throw new TypeError('addPullRequest: number must be a positive integer')
  const merged = pr.merged ?? false
  state.pulls.set(pr.number, {
    number: pr.number,
    title: pr.title ?? `Pull request #${pr.number}`,
    head: normalizeBranch(state, pr.head, 'head'),
    base: normalizeBranch(state, pr.base, 'base'),
    state: pr.state ?? (merged ? 'closed' : 'open'),
    merged,
    mergeCommitSha: pr.merge_commit_sha ?? null,
    login: pr.user ?? 'octocat',
    files: (pr.files ?? []).map(normalizeFile),
    createdAt: timestamp()
  })
}

/**
 * @param {State} state
 * @param {BranchInput} branch
 * @param {string} which for the error message
 * @returns {StoredBranch}
 */
function normalizeBranch(state, branch, which) {
  if (!branch.ref || !branch.sha) throw new TypeError(`addPullRequest: ${which} needs ref and sha`)
  return { ref: branch.ref, sha: branch.sha, repoFullName: branch.repo ?? `${state.owner}/${state.repo}` }
}

/**
 * @param {PullRequestFileInput} file
 * @returns {StoredFile}
 */
function normalizeFile(file) {
  if (!file.filename) throw new TypeError('pull request files need a filename')
  const additions = file.additions ?? 0
  const deletions = file.deletions ?? 0
  /** @type {StoredFile} */
  const stored = {
    filename: file.filename,
    status: file.status ?? 'modified',
    additions,
    deletions,
    changes: file.changes ?? additions + deletions
  }
  if (file.previous_filename !== undefined) stored.previous_filename = file.previous_filename
  return stored
}

/**
 * @param {State} state
 * @param {number} number
 */
function requirePull(state, number) {
  const pull = state.pulls.get(number)
  if (!pull) throw new Error(`no pull request #${number}; call addPullRequest first`)
  return pull
}

/**
 * Stores a comment without validation, so tests can seed anything (e.g. a human's comment).
 * @param {State} state
 * @param {number} issueNumber
 * @param {string} body
 * @param {string} login
 * @returns {StoredComment}
 */
function storeComment(state, issueNumber, body, login) {
  const now = timestamp()
  const comment = { id: state.nextCommentId++, issueNumber, body, login, createdAt: now, updatedAt: now }
  state.comments.set(comment.id, comment)
  return comment
}

/**
 * @param {State} state
 * @param {number} issueNumber
 */
function commentsOfIssue(state, issueNumber) {
  return [...state.comments.values()].filter(comment => comment.issueNumber === issueNumber)
}

/**
 * @param {State} state
 * @param {FaultMatch} match
 * @param {FaultResponse} response
 * @param {number} times
 */
function addFault(state, match, response, times) {
  if (!Number.isInteger(times) || times < 1) throw new TypeError('failNext: times must be a positive integer')
  if (!Number.isInteger(response.status)) throw new TypeError('failNext: response.status is required')
  state.faults.push({ match, response, remaining: times })
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

/**
 * @param {http.Server} server
 * @param {number} port
 * @returns {Promise<number>}
 */
function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('unexpected server address'))
      else resolve(address.port)
    })
  })
}

/**
 * Octokit's fetch keeps connections alive, so idle sockets are dropped explicitly;
 * otherwise close() would wait for the keep-alive timeout.
 * @param {http.Server} server
 * @returns {Promise<void>}
 */
function closeServer(server) {
  return new Promise((resolve, reject) => {
    server.close(error => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

/**
 * Records the request, then answers it with an injected fault or the regular route.
 * @param {State} state
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 */
async function handleRequest(state, req, res) {
  const url = new URL(req.url ?? '/', state.url)
  const rawBody = await readBody(req)
  const parsed = parseJson(rawBody)
  /** @type {RecordedRequest} */
  const request = {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: flattenHeaders(req.headers),
    body: parsed.ok ? parsed.value : rawBody
  }
  state.requests.push(request)

  const fault = takeFault(state, request)
  // Injected faults are deliberately what GitHub sends only when it fails (502, a missing field…): not checked.
  const reply = fault ?? checkedServe(state, request, parsed.ok || rawBody === '')
  sendReply(state, res, reply)
}

/**
 * @param {http.IncomingMessage} req
 * @returns {Promise<string>}
 */
async function readBody(req) {
  return (await buffer(req)).toString('utf8')
}

/**
 * @param {string} text
 * @returns {{ok: true, value: unknown} | {ok: false}}
 */
function parseJson(text) {
  if (text === '') return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/**
 * @param {http.IncomingHttpHeaders} headers
 * @returns {Record<string, string>}
 */
function flattenHeaders(headers) {
  /** @type {Record<string, string>} */
  const flat = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

/**
 * Returns the reply of the first queued fault that matches, consuming one use of it.
 * @param {State} state
 * @param {RecordedRequest} request
 * @returns {Reply | undefined}
 */
function takeFault(state, request) {
  const index = state.faults.findIndex(({ match }) => faultMatches(match, request))
  if (index === -1) return undefined
  const fault = state.faults[index]
  fault.remaining -= 1
  if (fault.remaining === 0) state.faults.splice(index, 1)
  return { status: fault.response.status, body: fault.response.body, headers: fault.response.headers }
}

/**
 * @param {FaultMatch} match
 * @param {RecordedRequest} request
 */
function faultMatches(match, request) {
  if (match.method && match.method.toUpperCase() !== request.method) return false
  // search() ignores lastIndex, so a /g pattern does not alternate between matching and not.
  if (match.pathPattern && request.path.search(match.pathPattern) === -1) return false
  return true
}

/**
 * Writes a reply with the headers GitHub always sends. 204 has neither body nor content type.
 * @param {State} state
 * @param {http.ServerResponse} res
 * @param {Reply} reply
 */
function sendReply(state, res, reply) {
  const hasBody = reply.body !== undefined && reply.status !== 204 && reply.status !== 304
  const payload = hasBody ? JSON.stringify(reply.body) : ''
  /** @type {Record<string, string>} */
  const headers = {
    ...standardHeaders(state),
    ...(hasBody ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(payload))
  }
  // Injected headers win, with names lower-cased so 'Retry-After' replaces rather than duplicates.
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value
  res.writeHead(reply.status, headers)
  res.end(payload)
}

/** @param {State} state */
function standardHeaders(state) {
  const used = Math.min(state.requests.length, RATE_LIMIT)
  return {
    'x-github-request-id': requestId(state.requests.length),
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': 'github.v3; format=json',
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(RATE_LIMIT - used),
    'x-ratelimit-used': String(used),
    'x-ratelimit-reset': String(state.rateLimitReset),
    'x-ratelimit-resource': 'core'
  }
}

/**
 * GitHub-looking request id (e.g. "0B7E:3F2A:00000007:6A1C9D3E:65F0A1B2"), unique per request.
 * @param {number} sequence
 */
function requestId(sequence) {
  const hex = (/** @type {number} */ n, /** @type {number} */ width) =>
    n.toString(16).toUpperCase().padStart(width, '0')
  const random = () => Math.floor(Math.random() * 0x10000)
  return [
    hex(random(), 4),
    hex(random(), 4),
    hex(sequence, 8),
    hex(random() * 0x10000, 8),
    hex(Math.floor(Date.now() / 1000), 8)
  ].join(':')
}

/**
 * Last-resort answer when a handler throws, so a stub bug shows up as a 500 instead of a hang.
 * @param {http.ServerResponse} res
 * @param {unknown} error
 */
function sendInternalError(res, error) {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const payload = JSON.stringify({
    message: `github-server stub error: ${error instanceof Error ? error.message : String(error)}`
  })
  res.writeHead(500, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload))
  })
  res.end(payload)
}

// ---------------------------------------------------------------------------------------------
// Routing

/** @type {Array<[method: string, pattern: RegExp, handler: RouteHandler]>} */
const ROUTES = [
  ['GET', /^\/pulls\/(\d+)$/, getPull],
  ['GET', /^\/pulls\/(\d+)\/files$/, listPullFiles],
  ['GET', /^\/issues\/(\d+)\/comments$/, listComments],
  ['POST', /^\/issues\/(\d+)\/comments$/, createComment],
  ['PATCH', /^\/issues\/comments\/(\d+)$/, updateComment],
  ['DELETE', /^\/issues\/comments\/(\d+)$/, deleteComment],
  ['GET', /^\/commits\/([^/]+)\/pulls$/, listCommitPulls],
  ['GET', /^\/issues()$/, listIssues],
  ['POST', /^\/issues()$/, createIssue],
  ['PATCH', /^\/issues\/(\d+)$/, updateIssue]
]

/**
 * Serves a request held to GitHub's OpenAPI description: the operation must exist and accept the request (else the
 * 404 or 422 GitHub answers), and the reply must be one the operation documents.
 * @param {State} state
 * @param {RecordedRequest} request
 * @param {boolean} bodyIsValidJson
 * @returns {Reply}
 */
function checkedServe(state, request, bodyIsValidJson) {
  const found = findOperation(request.method, request.path)
  if (!found) {
    state.apiProblems.push(`${request.method} ${request.path}: GitHub's REST API has no such operation`)
    return notFound()
  }
  state.operations.add(found.operation.id)
  const refused =
    bodyIsValidJson && authenticate(state, request.headers.authorization) !== undefined
      ? refusal(found.operation, found.params, request.query, request.body)
      : undefined
  const reply = refused ?? serve(state, request, bodyIsValidJson)
  for (const problem of responseProblems(found.operation, reply.status, reply.body)) {
    state.apiProblems.push(`${request.method} ${request.path}: ${problem}`)
  }
  return reply
}

/**
 * Authenticates, then dispatches to the route for /repos/{owner}/{repo}/... .
 * Authentication comes first because GitHub answers 401 before it looks at the path.
 * @param {State} state
 * @param {RecordedRequest} request
 * @param {boolean} bodyIsValidJson
 * @returns {Reply}
 */
function serve(state, request, bodyIsValidJson) {
  const login = authenticate(state, request.headers.authorization)
  if (login === undefined) return { status: 401, body: BAD_CREDENTIALS_BODY }
  if (!bodyIsValidJson)
    return {
      status: 400,
      body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' }
    }

  const subPath = repoSubPath(state, request.path)
  if (subPath === undefined) return notFound()
  for (const [method, pattern, handler] of ROUTES) {
    const match = method === request.method ? pattern.exec(subPath) : null
    if (match) return handler({ state, request, login, param: decodeURIComponent(match[1]) })
  }
  return notFound()
}

/**
 * @param {State} state
 * @param {string | undefined} authorization
 * @returns {string | undefined} login of the token's account
 */
function authenticate(state, authorization) {
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(authorization ?? '')
  if (!match || !Object.hasOwn(state.tokens, match[1])) return undefined
  return state.tokens[match[1]]
}

/**
 * The part of the path after /repos/{owner}/{repo}, or undefined when it targets another repository.
 * Owner and repo compare case-insensitively, as on GitHub.
 * @param {State} state
 * @param {string} path
 */
function repoSubPath(state, path) {
  const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path)
  if (!match) return undefined
  const sameOwner = decodeURIComponent(match[1]).toLowerCase() === state.owner.toLowerCase()
  const sameRepo = decodeURIComponent(match[2]).toLowerCase() === state.repo.toLowerCase()
  return sameOwner && sameRepo ? match[3] : undefined
}

/** @returns {Reply} */
function notFound() {
  return { status: 404, body: NOT_FOUND_BODY }
}

// ---------------------------------------------------------------------------------------------
// Route handlers

/** @type {RouteHandler} */
function getPull({ state, param }) {
  const pull = state.pulls.get(Number(param))
  return pull ? { status: 200, body: serializePull(state, pull, true) } : notFound()
}

/** @type {RouteHandler} */
function listPullFiles({ state, request, param }) {
  const pull = state.pulls.get(Number(param))
  if (!pull) return notFound()
  const listed = pull.files.slice(0, MAX_LISTED_PR_FILES).map(file => serializeFile(state, file))
  return paginate(state, request, listed)
}

/** @type {RouteHandler} */
function listComments({ state, request, param }) {
  // Comments work on any issue number: plain issues exist on GitHub without being pull requests.
  const since = request.query.since ? Date.parse(request.query.since) : NaN
  const comments = commentsOfIssue(state, Number(param)).filter(
    comment => Number.isNaN(since) || Date.parse(comment.updatedAt) >= since
  )
  return paginate(
    state,
    request,
    comments.map(comment => serializeComment(state, comment))
  )
}

/**
 * @param {State} state
 * @param {number} issueNumber
 * @param {string} body
 */
function checkRendering(state, issueNumber, body) {
  for (const problem of renderingProblems(body, { issueNumber }))
    state.renderProblems.push(`#${issueNumber}: ${problem}`)
}

/** GET /issues: plain issues only here (the stub lists no pull requests), `state` (default open) and `creator` filters. @type {RouteHandler} */
function listIssues({ state, request }) {
  const wanted = request.query.state ?? 'open'
  const issues = [...state.issues.values()]
    .filter(issue => wanted === 'all' || issue.state === wanted)
    .filter(issue => !request.query.creator || issue.login === request.query.creator)
    .sort((a, b) => b.number - a.number)
  return paginate(
    state,
    request,
    issues.map(issue => serializeIssue(state, issue))
  )
}

/** @type {RouteHandler} */
function createIssue({ state, request, login }) {
  const input = /** @type {{title?: unknown, body?: unknown}} */ (request.body ?? {})
  if (typeof input.title !== 'string' || input.title === '')
    return { status: 422, body: { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] } }
  const number = 1000 + state.issues.size
  const body = typeof input.body === 'string' ? input.body : ''
  checkRendering(state, number, body)
  const now = timestamp()
  /** @type {StoredIssue} */
  const issue = {
    number,
    title: input.title,
    body,
    state: 'open',
    login,
    createdAt: now,
    updatedAt: now,
    closedAt: null
  }
  state.issues.set(number, issue)
  return { status: 201, body: serializeIssue(state, issue) }
}

/** @type {RouteHandler} */
function updateIssue({ state, request, param }) {
  const issue = state.issues.get(Number(param))
  if (!issue) return notFound()
  const input = /** @type {{title?: unknown, body?: unknown, state?: unknown}} */ (request.body ?? {})
  if (typeof input.body === 'string') {
    issue.body = input.body
    checkRendering(state, issue.number, issue.body)
  }
  if (typeof input.title === 'string') issue.title = input.title
  if (input.state === 'open' || input.state === 'closed') {
    if (input.state !== issue.state) issue.closedAt = input.state === 'closed' ? timestamp() : null
    issue.state = input.state
  }
  issue.updatedAt = timestamp()
  return { status: 200, body: serializeIssue(state, issue) }
}

/** @param {State} state @param {StoredIssue} issue */
function serializeIssue(state, issue) {
  const repository = `${state.url}/repos/${state.owner}/${state.repo}`
  const url = `${repository}/issues/${issue.number}`
  const user = serializeUser(state, issue.login)
  const id = stableId(`issue:${issue.number}`)
  return {
    id,
    node_id: `I_${toBase64Url(`Issue${id}`)}`,
    url,
    repository_url: repository,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `https://github.com/${state.owner}/${state.repo}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    title: issue.title,
    body: issue.body,
    user,
    labels: [],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    comments: [...state.comments.values()].filter(comment => comment.issueNumber === issue.number).length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: user.type === 'Bot' ? 'NONE' : 'OWNER'
  }
}

/** @type {RouteHandler} */
function createComment({ state, request, login, param }) {
  const invalid = validateCommentBody(request.body)
  if (invalid) return invalid
  const body = /** @type {{body: string}} */ (request.body).body
  checkRendering(state, Number(param), body)
  return { status: 201, body: serializeComment(state, storeComment(state, Number(param), body, login)) }
}

/** @type {RouteHandler} */
function updateComment({ state, request, login, param }) {
  const comment = state.comments.get(Number(param))
  if (!comment) return notFound()
  // Integration tokens can only edit their own comments; GitHub checks that before validating.
  if (comment.login !== login) return { status: 403, body: NOT_ACCESSIBLE_BODY }
  const invalid = validateCommentBody(request.body)
  if (invalid) return invalid
  comment.body = /** @type {{body: string}} */ (request.body).body
  checkRendering(state, comment.issueNumber, comment.body)
  comment.updatedAt = timestamp()
  return { status: 200, body: serializeComment(state, comment) }
}

/** @type {RouteHandler} */
function deleteComment({ state, param }) {
  return state.comments.delete(Number(param)) ? { status: 204 } : notFound()
}

/** @type {RouteHandler} */
function listCommitPulls({ state, request, param }) {
  const numbers = state.commitPulls.get(param.toLowerCase()) ?? []
  const pulls = numbers.flatMap(number => {
    const pull = state.pulls.get(number)
    return pull ? [serializePull(state, pull, false)] : []
  })
  return paginate(state, request, pulls)
}

/**
 * Validates {body} of a comment create/update the way GitHub does; undefined when valid.
 * The length limit counts characters (code points), not UTF-16 units or bytes.
 * @param {unknown} payload
 * @returns {Reply | undefined}
 */
function validateCommentBody(payload) {
  const body =
    payload !== null && typeof payload === 'object' ? /** @type {Record<string, unknown>} */ (payload).body : undefined
  if (body === undefined) return invalidRequest('"body" wasn\'t supplied.')
  if (typeof body !== 'string') return invalidRequest(`For 'properties/body', ${JSON.stringify(body)} is not a string.`)
  if (Array.from(body).length <= MAX_COMMENT_CHARS) return undefined
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: `body is too long (maximum is ${MAX_COMMENT_CHARS} characters)`
        }
      ]
    }
  }
}

/**
 * @param {string} detail
 * @returns {Reply}
 */
function invalidRequest(detail) {
  return {
    status: 422,
    body: { message: `Invalid request.\n\n${detail}`, documentation_url: 'https://docs.github.com/rest' }
  }
}

// ---------------------------------------------------------------------------------------------
// Pagination

/**
 * Slices `items` by per_page/page and adds GitHub's Link header.
 * Pages past the end are empty 200s, as on GitHub.
 * @param {State} state
 * @param {RecordedRequest} request
 * @param {unknown[]} items
 * @returns {Reply}
 */
function paginate(state, request, items) {
  const perPage = clampPerPage(request.query.per_page)
  const page = positiveIntOr(request.query.page, 1)
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  const body = items.slice((page - 1) * perPage, page * perPage)
  const link = linkHeader(state, request, page, lastPage)
  return { status: 200, body, headers: link ? { link } : {} }
}

/** @param {string | undefined} value */
function clampPerPage(value) {
  return Math.min(positiveIntOr(value, DEFAULT_PER_PAGE), MAX_PER_PAGE)
}

/**
 * @param {string | undefined} value
 * @param {number} fallback used when missing, not a number or below 1
 */
function positiveIntOr(value, fallback) {
  const parsed = Number.parseInt(value ?? '', 10)
  return Number.isInteger(parsed) && parsed >= 1 ? parsed : fallback
}

/**
 * Builds `<url>; rel="prev", <url>; rel="next", <url>; rel="last", <url>; rel="first"` (GitHub's order),
 * leaving out relations that do not apply. Undefined when everything fits on the first page.
 * @param {State} state
 * @param {RecordedRequest} request
 * @param {number} page
 * @param {number} lastPage
 */
function linkHeader(state, request, page, lastPage) {
  /** @type {Array<[string, number]>} */
  const relations = []
  if (page > 1) relations.push(['prev', page - 1])
  if (page < lastPage) relations.push(['next', page + 1], ['last', lastPage])
  if (page > 1) relations.push(['first', 1])
  if (relations.length === 0) return undefined
  return relations.map(([rel, target]) => `<${pageUrl(state, request, target)}>; rel="${rel}"`).join(', ')
}

/**
 * Absolute URL of another page of the same listing, keeping the other query parameters.
 * @param {State} state
 * @param {RecordedRequest} request
 * @param {number} page
 */
function pageUrl(state, request, page) {
  const url = new URL(request.path, state.url)
  for (const [name, value] of Object.entries(request.query)) if (value !== undefined) url.searchParams.set(name, value)
  url.searchParams.set('page', String(page))
  return url.toString()
}

// ---------------------------------------------------------------------------------------------
// Serialization to GitHub's JSON shapes

/**
 * GitHub's simple-user object. Bots live under /users/<name>[bot] like anyone else.
 * @param {State} state
 * @param {string} login
 * @returns {GitHubUser}
 */
function serializeUser(state, login) {
  const id = stableId(`user:${login}`)
  const bot = login.endsWith('[bot]')
  const api = `${state.url}/users/${encodeURIComponent(login)}`
  return {
    login,
    id,
    node_id: `${bot ? 'BOT' : 'U'}_${toBase64Url(`User${id}`)}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `https://github.com/${bot ? 'apps/' + login.replace(/\[bot\]$/, '') : login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: bot ? 'Bot' : 'User',
    site_admin: false
  }
}

/**
 * @param {State} state
 * @param {StoredComment} comment
 * @returns {IssueComment}
 */
function serializeComment(state, comment) {
  const api = `${state.url}/repos/${state.owner}/${state.repo}`
  // GitHub links comments on pull requests under /pull/, plain issues under /issues/.
  const kind = state.pulls.has(comment.issueNumber) ? 'pull' : 'issues'
  const user = serializeUser(state, comment.login)
  return {
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${state.owner}/${state.repo}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${comment.issueNumber}`,
    id: comment.id,
    node_id: `IC_${toBase64Url(`IssueComment${comment.id}`)}`,
    user,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    body: comment.body
  }
}

/**
 * The full object of GET /pulls/{n}, or the "simple" one of list endpoints, which lacks
 * `merged` and the counters (code must use merged_at there, as against the real API).
 * @param {State} state
 * @param {StoredPull} pull
 * @param {boolean} full
 */
function serializePull(state, pull, full) {
  const api = `${state.url}/repos/${state.owner}/${state.repo}`
  const html = `https://github.com/${state.owner}/${state.repo}/pull/${pull.number}`
  const closedAt = pull.state === 'closed' ? pull.createdAt : null
  const id = stableId(`pull:${pull.number}`)
  const simple = {
    url: `${api}/pulls/${pull.number}`,
    id,
    node_id: `PR_${toBase64Url(`PullRequest${id}`)}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: serializeUser(state, pull.login),
    body: null,
    labels: [],
    milestone: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    created_at: pull.createdAt,
    updated_at: pull.createdAt,
    closed_at: closedAt,
    merged_at: pull.merged ? closedAt : null,
    merge_commit_sha: pull.mergeCommitSha,
    draft: false,
    commits_url: `${api}/pulls/${pull.number}/commits`,
    review_comments_url: `${api}/pulls/${pull.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.head.sha}`,
    head: serializeBranch(state, pull.head),
    base: serializeBranch(state, pull.base),
    _links: {
      self: { href: `${api}/pulls/${pull.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${pull.number}` },
      comments: { href: `${api}/issues/${pull.number}/comments` },
      review_comments: { href: `${api}/pulls/${pull.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${pull.number}/commits` },
      statuses: { href: `${api}/statuses/${pull.head.sha}` }
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null
  }
  if (!full) return simple
  return {
    ...simple,
    merged: pull.merged,
    mergeable: pull.state === 'open' ? true : null,
    mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
    merged_by: pull.merged ? serializeUser(state, pull.login) : null,
    maintainer_can_modify: false,
    comments: commentsOfIssue(state, pull.number).length,
    review_comments: 0,
    commits: 1,
    // changed_files is the real count even past the 3000 files the files endpoint lists.
    changed_files: pull.files.length,
    additions: pull.files.reduce((sum, file) => sum + file.additions, 0),
    deletions: pull.files.reduce((sum, file) => sum + file.deletions, 0)
  }
}

/**
 * @param {State} state
 * @param {StoredBranch} branch
 */
function serializeBranch(state, branch) {
  const [owner] = branch.repoFullName.split('/')
  const ownerUser = serializeUser(state, owner)
  return {
    label: `${owner}:${branch.ref}`,
    ref: branch.ref,
    sha: branch.sha,
    user: ownerUser,
    repo: serializeRepository(state, branch.repoFullName, ownerUser)
  }
}

/** The hypermedia URLs of a repository object: name -> path under /repos/{owner}/{repo}, as GitHub spells them. */
const REPOSITORY_URLS = {
  forks_url: '/forks',
  keys_url: '/keys{/key_id}',
  collaborators_url: '/collaborators{/collaborator}',
  teams_url: '/teams',
  hooks_url: '/hooks',
  issue_events_url: '/issues/events{/number}',
  events_url: '/events',
  assignees_url: '/assignees{/user}',
  branches_url: '/branches{/branch}',
  tags_url: '/tags',
  blobs_url: '/git/blobs{/sha}',
  git_tags_url: '/git/tags{/sha}',
  git_refs_url: '/git/refs{/sha}',
  trees_url: '/git/trees{/sha}',
  statuses_url: '/statuses/{sha}',
  languages_url: '/languages',
  stargazers_url: '/stargazers',
  contributors_url: '/contributors',
  subscribers_url: '/subscribers',
  subscription_url: '/subscription',
  commits_url: '/commits{/sha}',
  git_commits_url: '/git/commits{/sha}',
  comments_url: '/comments{/number}',
  issue_comment_url: '/issues/comments{/number}',
  contents_url: '/contents/{+path}',
  compare_url: '/compare/{base}...{head}',
  merges_url: '/merges',
  archive_url: '/{archive_format}{/ref}',
  downloads_url: '/downloads',
  issues_url: '/issues{/number}',
  pulls_url: '/pulls{/number}',
  milestones_url: '/milestones{/number}',
  notifications_url: '/notifications{?since,all,participating}',
  labels_url: '/labels{/name}',
  releases_url: '/releases{/id}',
  deployments_url: '/deployments'
}

/**
 * GitHub's repository object (head.repo and base.repo of a pull request).
 * @param {State} state
 * @param {string} fullName
 * @param {GitHubUser} owner
 */
function serializeRepository(state, fullName, owner) {
  const api = `${state.url}/repos/${fullName}`
  const id = stableId(`repo:${fullName}`)
  const created = '2024-01-01T00:00:00Z'
  return {
    id,
    node_id: `R_${toBase64Url(`Repository${id}`)}`,
    name: fullName.split('/')[1],
    full_name: fullName,
    owner,
    private: false,
    html_url: `https://github.com/${fullName}`,
    description: null,
    fork: fullName !== `${state.owner}/${state.repo}`,
    url: api,
    ...Object.fromEntries(Object.entries(REPOSITORY_URLS).map(([name, path]) => [name, `${api}${path}`])),
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    clone_url: `https://github.com/${fullName}.git`,
    svn_url: `https://github.com/${fullName}`,
    mirror_url: null,
    homepage: null,
    language: 'Python',
    size: 0,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    open_issues: 0,
    open_issues_count: 0,
    default_branch: 'main',
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: created,
    created_at: created,
    updated_at: created
  }
}

/**
 * @param {State} state
 * @param {StoredFile} file
 */
function serializeFile(state, file) {
  // A made-up but stable blob sha; callers only need it to be 40 hex digits.
  const sha = createHash('sha1').update(`${file.status}:${file.filename}`).digest('hex')
  return {
    sha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    blob_url: `https://github.com/${state.owner}/${state.repo}/blob/${sha}/${file.filename}`,
    raw_url: `https://github.com/${state.owner}/${state.repo}/raw/${sha}/${file.filename}`,
    contents_url: `${state.url}/repos/${state.owner}/${state.repo}/contents/${file.filename}?ref=${sha}`,
    ...(file.previous_filename !== undefined ? { previous_filename: file.previous_filename } : {})
  }
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
function timestamp() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * A stable positive integer id derived from a key, so the same login always gets the same id.
 * @param {string} key
 */
function stableId(key) {
  return (createHash('sha1').update(key).digest().readUInt32BE(0) % 100_000_000) + 1
}

/** @param {string} text */
function toBase64Url(text) {
  return Buffer.from(text).toString('base64url')
}

// Bad input and faults, end to end (issue 4): the bundled action (dist/index.js) run as a runner runs it, in real git
// repositories with real SQLMesh, against the local GitHub API server. Each case checks what the user reads (the
// `::error::` / `::warning::` workflow command the runner turns into an annotation), the exit code, and that nothing was
// half-applied (no PR environment in SQLMesh's state, prod's state and tables untouched, no comment that reads as a
// result: a pull-request run that fails after starting replaces the action's comment with the failure). DuckDB unless
// the case needs PostgreSQL (an unreachable database, a connection password). docs/FAULTS.md lists every case and quotes
// the messages.
//
// FAULTS_LOG=<file> appends, per run, the pull request or inputs, the exit code, the error/warning/notice lines and a
// few log lines (retries, comment cuts): what docs/FAULTS.md quotes.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createProjectRepo, pullRequestPayload, runAction, type ActionRun, type Repo } from '../support/scenario.mjs'
import { startGitHubServer, type GitHubServer, type PullRequestFileInput } from '../support/github-server.mjs'
import { tearDown } from './fixtures/scenario.js'

const OWNER = 'acme'
const NAME = 'hoops'
const REPOSITORY = `${OWNER}/${NAME}`
const TOKEN = 'ghs_faults_7Qx2mZk9token'
const BOT = 'github-actions[bot]'
const WINDOW_START = '2026-01-01'
const BACKFILL_START = '2026-01-01'
const CHAIN = [
  'staging.stg_games',
  'staging.stg_team_games',
  'features_dev.game_features',
  'marts.mart_game_features',
  'marts.team_standings'
]
const COMMENTS_PATH = /^\/repos\/acme\/hoops\/issues\/\d+\/comments$/

// ---------------------------------------------------------------------------------------------------------------------
// What the user sees

/** The message of each workflow command of a kind (error, warning, notice), decoded as the runner decodes it. */
function commands(run: ActionRun, kind: 'error' | 'warning' | 'notice'): string[] {
  return run.stdout
    .split('\n')
    .filter(line => line.startsWith(`::${kind}`))
    .map(line => line.replace(/^::[a-z]+( [^:]*)?::/, ''))
    .map(value => value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'))
}

/** The job's error: the last `::error::` line, written by main.ts's core.setFailed (the one place that fails the job). */
function failure(run: ActionRun): string {
  const errors = commands(run, 'error')
  expect(errors.length).toBeGreaterThanOrEqual(1)
  return errors[errors.length - 1]
}

function record(run: ActionRun, context: object = {}): ActionRun {
  const file = process.env.FAULTS_LOG
  if (file) {
    const info = run.stdout
      .split('\n')
      .filter(line => /^(GitHub .*rate limit|Comment cut to fit|Created |Updated )/.test(line))
    const entry = {
      ...context,
      code: run.code,
      seconds: run.seconds,
      errors: commands(run, 'error'),
      warnings: commands(run, 'warning'),
      notices: commands(run, 'notice'),
      info
    }
    appendFileSync(file, `${JSON.stringify(entry)}\n`)
  }
  return run
}

// ---------------------------------------------------------------------------------------------------------------------
// SQLMesh's state and prod

function environments(repo: Repo): string[] {
  return repo.query('SELECT name FROM sqlmesh._environments ORDER BY name').map(row => String(row.name))
}

/** Everything a backfill or a plan would change: environments (with their plan) and the intervals SQLMesh holds. */
function stateOf(repo: Repo): string {
  return JSON.stringify({
    environments: repo.query('SELECT name, plan_id FROM sqlmesh._environments ORDER BY name'),
    intervals: repo.query('SELECT COUNT(*) AS n, MAX(created_ts) AS latest FROM sqlmesh._intervals')
  })
}

function count(repo: Repo, sql: string): number {
  return Number(repo.query(sql)[0]?.n)
}

// ---------------------------------------------------------------------------------------------------------------------
// Runs

interface PullRequestOptions {
  number: number
  /** Edits the project on the pull request's branch (cut from main); nothing when omitted. */
  change?: () => void
  inputs?: Record<string, string>
  env?: Record<string, string>
  eventName?: string
  /** The head's repository (a fork when it differs from acme/hoops). */
  headRepository?: string
  /** The base sha the event payload names (defaults to main). */
  baseSha?: string
  /** The files GitHub's REST API lists for the pull request. */
  files?: PullRequestFileInput[]
  /** Runs after the pull request is registered, before the action (inject faults, seed comments). */
  before?: () => void
  /** Where the action runs (defaults to the repository); for concurrent runs in separate checkouts. */
  workspace?: string
}

function newServer(): Promise<GitHubServer> {
  return startGitHubServer({ owner: OWNER, repo: NAME, tokens: { [TOKEN]: BOT, ghs_someone_else: 'octocat' } })
}

/** Commits the change on branch pr-<number> (left checked out, as actions/checkout leaves the PR's code). */
function preparePullRequest(
  repo: Repo,
  server: GitHubServer,
  options: PullRequestOptions
): { base: string; head: string } {
  repo.git(['checkout', '-q', 'main'])
  const base = repo.head()
  repo.git(['checkout', '-q', '-b', `pr-${options.number}`])
  options.change?.()
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '--allow-empty', '-m', `Pull request #${options.number}`])
  const head = repo.head()
  server.addPullRequest({
    number: options.number,
    head: { ref: `pr-${options.number}`, sha: head, repo: options.headRepository },
    base: { ref: 'main', sha: base },
    files: options.files
  })
  return { base, head }
}

function runPullRequest(
  repo: Repo,
  server: GitHubServer,
  options: PullRequestOptions,
  shas: { base: string; head: string },
  apiUrl = server.url
): Promise<ActionRun> {
  options.before?.()
  return runAction({
    repoDir: options.workspace ?? repo.dir,
    eventName: options.eventName ?? 'pull_request',
    payload: pullRequestPayload({
      number: options.number,
      baseSha: options.baseSha ?? shas.base,
      headSha: shas.head,
      headRef: `pr-${options.number}`,
      repository: REPOSITORY,
      headRepository: options.headRepository
    }),
    inputs: {
      'project-path': 'analytics',
      'github-token': TOKEN,
      'environment-start': WINDOW_START,
      ...repo.actionInputs(),
      ...options.inputs
    },
    apiUrl,
    repository: REPOSITORY,
    env: { ...repo.env, ...options.env }
  }).then(run => record(run, { pullRequest: options.number }))
}

async function openPullRequest(repo: Repo, server: GitHubServer, options: PullRequestOptions): Promise<ActionRun> {
  return runPullRequest(repo, server, options, preparePullRequest(repo, server, options))
}

function dispatch(
  repo: Repo,
  server: GitHubServer,
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<ActionRun> {
  repo.git(['checkout', '-q', 'main'])
  return runAction({
    repoDir: repo.dir,
    eventName: 'workflow_dispatch',
    payload: { inputs, ref: 'refs/heads/main', repository: { full_name: REPOSITORY } },
    inputs: { 'project-path': 'analytics', 'github-token': TOKEN, ...repo.actionInputs(), ...inputs },
    apiUrl: server.url,
    repository: REPOSITORY,
    env: { ...repo.env, ...env }
  }).then(run => record(run, { inputs }))
}

/** The pull request's comments written by the action's login. */
function botComments(server: GitHubServer, number: number): ReturnType<GitHubServer['comments']> {
  return server.comments(number).filter(comment => comment.user.login === BOT)
}

/**
 * A pull-request run that fails replaces the action's comment with the failure, so that an earlier push's results never
 * read as this one's: the one comment by the action must say the diff could not run (naming the commit of the results it
 * replaces, when there were some), quote the error, and show no results.
 */
function expectFailureComment(server: GitHubServer, number: number, run: ActionRun): void {
  const ours = botComments(server, number)
  expect(ours).toHaveLength(1)
  const body = ours[0]?.body ?? ''
  expect(body).toMatch(
    /^<!-- sqlmesh-action:diff -->\n## SQLMesh diff: `pr_\d+` vs `prod`\n\n\*\*❌ The diff could not run for commit `[0-9a-f]{7}`\.\*\*( The results posted for commit `[0-9a-f]{7}` no longer apply\.)? The log: /
  )
  expect(body).toContain(failure(run).split('\n')[0].slice(0, 120))
  expect(body).not.toContain('| Model |')
}

/** Requests the action made to the GitHub API about one pull request (comments, files, the PR itself). */
function requestsAbout(server: GitHubServer, number: number, from = 0): GitHubServer['requests'] {
  return server.requests.slice(from).filter(request => new RegExp(`/(issues|pulls)/${number}(/|$)`).test(request.path))
}

// Model edits used by several cases.
const dropPostponedGames = (repo: Repo) => (): void =>
  repo.write(
    'models/staging/stg_games.sql',
    repo.read('models/staging/stg_games.sql').replace('FROM raw.games', "FROM raw.games\nWHERE status = 'final'")
  )

/** A not_null audit on `winner`, and a change that leaves the winner of a tie (every 0-0 postponed game) null. */
const nullWinnersUnderAudit = (repo: Repo) => (): void =>
  repo.write(
    'models/staging/stg_games.sql',
    repo
      .read('models/staging/stg_games.sql')
      .replace('  grain game_id\n', '  grain game_id,\n  audits (not_null(columns := (winner)))\n')
      .replace('ELSE away_team END AS winner', 'WHEN home_points < away_points THEN away_team END AS winner')
  )

/** A Python (venv) without SQLMesh, made once per test file. */
function pythonWithoutSqlMesh(dir: string): string {
  const system = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
  execFileSync(system, ['-m', 'venv', '--without-pip', join(dir, 'venv')])
  const python = join(dir, 'venv', 'bin', 'python')
  expect(() =>
    execFileSync(python, ['-c', 'import sqlmesh'], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } })
  ).toThrow()
  return python
}

// =====================================================================================================================

describe('bad input and faults on DuckDB', () => {
  let repo: Repo
  let server: GitHubServer
  let scratch: string

  beforeAll(async () => {
    repo = createProjectRepo({ prefix: 'faults-' })
    repo.buildProd()
    server = await newServer()
    scratch = mkdtempSync(join(tmpdir(), 'faults-scratch-'))
  })

  afterAll(async () => {
    await tearDown({ server, repo })
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  // -------------------------------------------------------------------------------------------------------------------
  describe('inputs', () => {
    /** A manual backfill that must stop before restating anything. */
    async function badBackfill(inputs: Record<string, string>): Promise<ActionRun> {
      const before = stateOf(repo)
      const games = count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games')
      const run = await dispatch(repo, server, {
        mode: 'backfill',
        models: 'staging.stg_games',
        'backfill-start': BACKFILL_START,
        ...inputs
      })
      expect(run.code).toBe(1)
      expect(stateOf(repo)).toBe(before)
      expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games')).toBe(games)
      expect(run.outputs['backfilled-models']).toBeUndefined()
      return run
    }

    it("an unparseable 'backfill-start' is named, with the forms it takes, and nothing is restated", async () => {
      const run = await badBackfill({ 'backfill-start': 'not a date' })
      expect(failure(run)).toMatch(
        /^Input 'backfill-start' is 'not a date', which is not a date or a relative time SQLMesh understands/
      )
      expect(failure(run)).toContain("Use a date such as '2024-10-01' or a relative time such as '3 months ago'.")
    })

    it("a 'backfill-start' in the future is refused, and nothing is restated", async () => {
      const run = await badBackfill({ 'backfill-start': '2099-01-01' })
      expect(failure(run)).toBe(
        "Input 'backfill-start' is '2099-01-01', which is in the future: nothing can be backfilled from there."
      )
    })

    it("a 'backfill-end' before the start is refused, naming both, and nothing is restated", async () => {
      const run = await badBackfill({ 'backfill-start': '2026-02-01', 'backfill-end': '2026-01-01' })
      expect(failure(run)).toBe("Input 'backfill-end' ('2026-01-01') is not after 'backfill-start' ('2026-02-01').")
    })

    it("unknown names in 'models' are all listed, with the closest known models, and nothing is restated", async () => {
      const run = await badBackfill({ models: 'staging.stg_games, staging.stg_gams marts.nope\nstg_team_games' })
      expect(failure(run)).toBe(
        "Input 'models' names models this project does not have: 'staging.stg_gams', 'marts.nope', 'stg_team_games' (did you mean staging.stg_team_games?)."
      )
    })

    it("an empty 'mode' on workflow_dispatch asks for 'backfill' or 'diff' before loading anything", async () => {
      const run = await dispatch(repo, server, {
        mode: '',
        models: 'staging.stg_games',
        'backfill-start': BACKFILL_START
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe(
        "On 'workflow_dispatch' the event does not say what to do: set input 'mode' to 'backfill', 'diff' or 'watch' in this workflow's step. (Mode 'auto' acts by itself on pull_request, pull_request_target, push and schedule.)"
      )
      expect(run.stdout).not.toContain('Load the SQLMesh project')
    })

    it("a mistyped 'mode' is named with the modes there are, before loading anything", async () => {
      const run = await dispatch(repo, server, {
        mode: 'backfil',
        models: 'staging.stg_games',
        'backfill-start': BACKFILL_START
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe(
        "Input 'mode' is 'backfil'; expected one of: auto, pull-request, merge, backfill, diff, watch."
      )
      expect(run.stdout).not.toContain('Load the SQLMesh project')
    })

    it("a 'project-path' without a SQLMesh config is named, with the files looked for", async () => {
      const run = await dispatch(repo, server, {
        mode: 'backfill',
        models: 'staging.stg_games',
        'backfill-start': BACKFILL_START,
        'project-path': 'analytcs'
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toMatch(
        /^Input 'project-path' is 'analytcs', but \/.*\/analytcs has no SQLMesh config \(config\.yaml, config\.yml, config\.py, sqlmesh\.yaml, sqlmesh\.yml\)\. Point it at the folder of your SQLMesh project\.$/
      )
      expect(run.stdout).not.toMatch(/^Python: /m)
    })

    describe("a 'gateway' the config does not define", () => {
      let run: ActionRun
      let before: string
      beforeAll(async () => {
        before = stateOf(repo)
        run = await dispatch(repo, server, {
          mode: 'backfill',
          models: 'staging.stg_games',
          'backfill-start': BACKFILL_START,
          gateway: 'snowflake'
        })
      })

      it('fails before touching anything', () => {
        expect(run.code).toBe(1)
        expect(failure(run)).toContain("'snowflake'")
        expect(stateOf(repo)).toBe(before)
      })

      it("names the input 'gateway' and lists the gateways the config defines", () => {
        expect(failure(run)).toBe(
          "Input 'gateway': gateway 'snowflake' is not defined in the SQLMesh config; defined gateways: duckdb, postgres."
        )
      })
    })

    it('a boolean that is not true or false is named, and a dry run that cannot be read applies nothing', async () => {
      const run = await badBackfill({ 'dry-run': 'yes please' })
      expect(failure(run)).toBe("Input 'dry-run' must be true or false, got 'yes please'.")
      expect(run.stdout).not.toContain('Load the SQLMesh project')
    })

    it("a bad 'fail-on' on a pull request is named with the policies; no comment, no environment", async () => {
      const from = server.requests.length
      const run = await openPullRequest(repo, server, {
        number: 11,
        change: dropPostponedGames(repo),
        inputs: { 'fail-on': 'sometimes' }
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe(
        "Input 'fail-on' is 'sometimes'; expected one of: never, schema-change, removed-rows, any-diff."
      )
      expect(requestsAbout(server, 11, from)).toEqual([])
      expect(environments(repo)).not.toContain('pr_11')
    })

    it("a bad 'sample-rows' on a pull request is named with the range; no comment, no environment", async () => {
      const from = server.requests.length
      const run = await openPullRequest(repo, server, {
        number: 12,
        change: dropPostponedGames(repo),
        inputs: { 'sample-rows': 'lots' }
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe("Input 'sample-rows' is 'lots'; expected a whole number from 0 to 100.")
      expect(requestsAbout(server, 12, from)).toEqual([])
      expect(environments(repo)).not.toContain('pr_12')
    })
  })

  // -------------------------------------------------------------------------------------------------------------------
  describe('environment', () => {
    it('a Python without SQLMesh: the message names the interpreter and gives the install command; nothing is built', async () => {
      const python = pythonWithoutSqlMesh(join(scratch, 'no-sqlmesh'))
      const run = await openPullRequest(repo, server, {
        number: 21,
        change: dropPostponedGames(repo),
        inputs: { python }
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe(
        `SQLMesh could not be started with the Python interpreter '${python}': SQLMesh is not importable by ${python}: No module named 'sqlmesh'. ` +
          `Install it in a step before this action (pip install "sqlmesh>=0.236.0"), or set the 'python' input to the interpreter that has it.`
      )
      expectFailureComment(server, 21, run)
      expect(environments(repo)).not.toContain('pr_21')
    })

    it('SQLMesh older than 0.236: the message gives the version found and the upgrade command; nothing is built', async () => {
      const python = pythonWithoutSqlMesh(join(scratch, 'old-sqlmesh'))
      const fake = join(scratch, 'old-sqlmesh', 'site')
      mkdirSync(join(fake, 'sqlmesh'), { recursive: true })
      writeFileSync(join(fake, 'sqlmesh', '__init__.py'), '__version__ = "0.100.0"\n')
      const run = await openPullRequest(repo, server, {
        number: 22,
        change: dropPostponedGames(repo),
        inputs: { python },
        env: { PYTHONPATH: fake }
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe(
        `SQLMesh 0.100.0 (in ${python}) is too old: this action needs 0.236.0 or newer. Upgrade it in a step before this action: pip install "sqlmesh>=0.236.0"`
      )
      expectFailureComment(server, 22, run)
      expect(environments(repo)).not.toContain('pr_22')
    })

    describe('a project that fails to load (a syntax error in a model on the pull request)', () => {
      let run: ActionRun
      beforeAll(async () => {
        run = await openPullRequest(repo, server, {
          number: 23,
          change: () =>
            repo.write(
              'models/staging/stg_games.sql',
              repo.read('models/staging/stg_games.sql').replace('FROM raw.games', 'FROM raw.games WHERE (')
            ),
          files: [{ filename: 'analytics/models/staging/stg_games.sql' }]
        })
      })

      it('fails naming the file and what to do; the comment says the diff could not run; no environment', () => {
        expect(run.code).toBe(1)
        const message = failure(run)
        expect(message).toMatch(
          /^SQLMesh could not load the project in \/.*\/analytics: ConfigError: Failed to load model from file '\/.*\/analytics\/models\/staging\/stg_games\.sql'/
        )
        expect(message).toContain("Fix the file it names (run 'sqlmesh plan' locally to check), then push again.")
        expectFailureComment(server, 23, run)
        expect(environments(repo)).not.toContain('pr_23')
      })

      it('shows the message without terminal colour codes (an annotation is plain text)', () => {
        // eslint-disable-next-line no-control-regex
        expect(failure(run)).not.toMatch(/\u001b\[[0-9;]*m/)
      })
    })

    describe('a failing SQLMesh unit test added by the pull request', () => {
      let run: ActionRun
      beforeAll(async () => {
        const row =
          "{game_id: 1, game_date: 2026-01-01, season: '2025-26', home_team: BOS, away_team: NYK, home_points: 100, away_points: 90, status: final"
        run = await openPullRequest(repo, server, {
          number: 24,
          change: () => {
            const model = repo.read('models/staging/stg_games.sql')
            repo.write(
              'models/staging/stg_games.sql',
              model.replace(
                'home_points + away_points AS total_points',
                'home_points + away_points + 1 AS total_points'
              )
            )
            repo.write(
              'tests/test_stg_games.yaml',
              `test_total_points:\n  model: staging.stg_games\n  inputs:\n    raw.games:\n      rows:\n        - ${row}}\n  outputs:\n    query:\n      rows:\n        - ${row}, total_points: 190, winner: BOS}\n`
            )
          }
        })
      })

      it('fails the job; the comment says the diff could not run; no environment', () => {
        expect(run.code).toBe(1)
        expect(failure(run)).toContain('failing test')
        expectFailureComment(server, 24, run)
        expect(environments(repo)).not.toContain('pr_24')
      })

      it('names the failing test and its model', () => {
        expect(failure(run)).toContain('test_total_points')
        expect(failure(run)).toContain('staging.stg_games')
      })
    })

    describe('a failing audit (not_null on a column the pull request makes null), environment built over each model’s own start', () => {
      let run: ActionRun
      beforeAll(async () => {
        run = await openPullRequest(repo, server, {
          number: 25,
          change: nullWinnersUnderAudit(repo),
          inputs: { 'environment-start': '' }
        })
      })

      it('fails the job; the comment says the diff could not run; no environment', () => {
        expect(run.code).toBe(1)
        expectFailureComment(server, 25, run)
        expect(environments(repo)).not.toContain('pr_25')
      })

      it('names the audit and the model', () => {
        expect(failure(run)).toContain('not_null')
        expect(failure(run)).toContain('staging.stg_games')
      })
    })

    describe("a failing audit in a windowed environment (the default 'environment-start', where SQLMesh makes audits non-blocking)", () => {
      let run: ActionRun
      beforeAll(async () => {
        run = await openPullRequest(repo, server, { number: 26, change: nullWinnersUnderAudit(repo) })
      })

      it('SQLMesh finds the failing rows (its warning is in the log)', () => {
        expect(run.stdout).toContain("'not_null' audit error: 34 rows failed")
      })

      it('fails the job naming the audit and the model, and no comment reads as a clean diff', () => {
        expect(run.code).toBe(1)
        expect(failure(run)).toContain('not_null')
        expect(failure(run)).toContain('staging.stg_games')
        for (const comment of server.comments(26)) expect(comment.body).toContain('not_null')
      })
    })

    it('a shallow clone without the base commit: falls back to the REST list of files with a warning and posts the right comment', async () => {
      const missing = '0badc0de'.repeat(5)
      const run = await openPullRequest(repo, server, {
        number: 27,
        change: dropPostponedGames(repo),
        baseSha: missing,
        files: [{ filename: 'analytics/models/staging/stg_games.sql', additions: 1 }]
      })
      expect(run.code).toBe(0)
      expect(commands(run, 'warning')).toContain(
        'The merge base is not in the clone and could not be fetched; listing the files through the GitHub API instead.'
      )
      expect(
        server.requests.some(request => request.method === 'GET' && request.path === '/repos/acme/hoops/pulls/27/files')
      ).toBe(true)
      expect(run.stdout).toContain('Changed by files: staging.stg_games')
      const comments = botComments(server, 27)
      expect(comments).toHaveLength(1)
      const body = comments[0]?.body ?? ''
      expect(body).toContain('## SQLMesh diff: `pr_27` vs `prod`')
      expect(body).toMatch(/\| ✏️\u00a0`staging\.stg_games` \| 34 \| 0 \| 0 \| 2,380 → 2,346 rows · all rows \|/)
      expect(JSON.parse(run.outputs['affected-models'] ?? '[]')).toEqual(CHAIN)
    })

    it('a shallow clone (fetch-depth 1) of a 3,401-file pull request: fetches the history from origin and lists the files with git, not the capped REST list', async () => {
      const pages = Array.from({ length: 3400 }, (_, index) => ({
        filename: `docs/page-${String(index).padStart(4, '0')}.md`,
        status: 'added' as const
      }))
      const options: PullRequestOptions = {
        number: 29,
        change: dropPostponedGames(repo),
        files: [...pages, { filename: 'analytics/models/staging/stg_games.sql' }]
      }
      const shas = preparePullRequest(repo, server, options)
      // What actions/checkout leaves by default: one commit of the pull request's head, origin pointing at GitHub.
      const clone = join(scratch, 'shallow-checkout')
      execFileSync('git', ['clone', '-q', '--depth=1', '--branch', 'pr-29', `file://${repo.dir}`, clone])
      expect(
        execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: clone, encoding: 'utf8' }).trim()
      ).toBe('true')
      expect(() =>
        execFileSync('git', ['cat-file', '-e', `${shas.base}^{commit}`], { cwd: clone, stdio: 'ignore' })
      ).toThrow()
      cpSync(join(repo.projectDir, repo.duckdbFile), join(clone, 'analytics', repo.duckdbFile))
      const from = server.requests.length
      const run = await runPullRequest(repo, server, { ...options, workspace: clone }, shas)
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(
        `Merge base of ${shas.base.slice(0, 7)} and ${shas.head.slice(0, 7)} not found; fetching 50 more commits.`
      )
      expect(run.stdout).toMatch(/git: 1 files changed since the merge base [0-9a-f]{7}/)
      expect(server.requests.slice(from).some(request => request.path === '/repos/acme/hoops/pulls/29/files')).toBe(
        false
      )
      const body = botComments(server, 29)[0]?.body ?? ''
      expect(body).not.toContain('list of changed files is incomplete')
      expect(body).toMatch(/\| ✏️\u00a0`staging\.stg_games` \| 34 \| 0 \| 0 \| 2,380 → 2,346 rows · all rows \|/)
    })

    it('a pull request with 3,401 files, its model sorted after 3,400 docs pages, and no base commit: the comment and summary say the list was capped and claim nothing from it', async () => {
      const pages = Array.from({ length: 3400 }, (_, index) => ({
        filename: `docs/page-${String(index).padStart(4, '0')}.md`,
        status: 'added' as const
      }))
      const run = await openPullRequest(repo, server, {
        number: 28,
        change: dropPostponedGames(repo),
        baseSha: '0badc0de'.repeat(5),
        files: [...pages, { filename: 'analytics/models/staging/stg_games.sql' }]
      })
      expect(run.code).toBe(0)
      expect(commands(run, 'warning')).toContain(
        'GitHub lists at most 3,000 files of a pull request; use actions/checkout with fetch-depth: 0 so git can see them all.'
      )
      // GitHub's own paging: 30 pages of 100, and nothing past the 3,000th file.
      const pagesAsked = server.requests.filter(
        request => request.method === 'GET' && request.path === '/repos/acme/hoops/pulls/28/files'
      )
      expect(pagesAsked).toHaveLength(30)
      // The log: a count, and the names inside a collapsed group, not 3,000 lines at info level.
      expect(run.stdout).toContain('GitHub API: 3000 files listed of 3401 changed')
      expect(run.stdout).toMatch(
        /^::group::The 3000 changed files\n( {2}added {4}docs\/page-\d{4}\.md\n){3000}::endgroup::$/m
      )
      expect(run.stdout).toContain('Changed by files: none')
      const comments = botComments(server, 28)
      expect(comments).toHaveLength(1)
      const note = "GitHub's API listed only 3,000 of 3,401 files (its cap)"
      for (const report of [comments[0]?.body ?? '', run.summary]) {
        expect(report).toContain(note)
        // staging.stg_games changed through its own file, which is past the cap: no claim that it changed without one.
        expect(report).not.toContain('Changed without an edit')
        expect(report).toMatch(/\| ✏️\u00a0`staging\.stg_games` \| 34 \| 0 \| 0 \| 2,380 → 2,346 rows · all rows \|/)
      }
      expect(JSON.parse(run.outputs['changed-models'] ?? '[]')).toEqual(['staging.stg_games'])
    })
  })

  // -------------------------------------------------------------------------------------------------------------------
  describe('GitHub', () => {
    const CREATE_COMMENT = { method: 'POST', pathPattern: COMMENTS_PATH }

    it('502 twice on creating the comment: retried with backoff, the comment is posted, exit 0', async () => {
      const run = await openPullRequest(repo, server, {
        number: 31,
        change: dropPostponedGames(repo),
        before: () => server.failNext(CREATE_COMMENT, { status: 502, body: { message: 'Server Error' } }, 2)
      })
      expect(run.code).toBe(0)
      const posts = server.requests.filter(
        request => request.method === 'POST' && request.path === '/repos/acme/hoops/issues/31/comments'
      )
      expect(posts).toHaveLength(3)
      expect(botComments(server, 31)).toHaveLength(1)
      expect(run.outputs['comment-url']).toContain('/pull/31#issuecomment-')
    })

    it('a secondary rate limit (403, retry-after: 1): waits as GitHub asks, says so, and posts the comment', async () => {
      const run = await openPullRequest(repo, server, {
        number: 32,
        change: dropPostponedGames(repo),
        before: () =>
          server.failNext(CREATE_COMMENT, {
            status: 403,
            headers: { 'retry-after': '1' },
            body: {
              message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
              documentation_url:
                'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
            }
          })
      })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('GitHub secondary rate limit hit; retrying after 1s.')
      expect(botComments(server, 32)).toHaveLength(1)
    })

    it('403 "Resource not accessible by integration" on a fork’s pull request: a warning, the report in the job summary, exit 0', async () => {
      const run = await openPullRequest(repo, server, {
        number: 33,
        change: dropPostponedGames(repo),
        headRepository: 'stranger/hoops',
        before: () =>
          server.failNext(CREATE_COMMENT, {
            status: 403,
            body: {
              message: 'Resource not accessible by integration',
              documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment'
            }
          })
      })
      expect(run.code).toBe(0)
      expect(commands(run, 'warning')).toContain(
        'The token may not comment on this pull request (403; a pull request from a fork gets a read-only token). The report is in the job summary.'
      )
      expect(server.comments(33)).toEqual([])
      expect(run.summary).toContain('## SQLMesh diff: `pr_33` vs `prod`')
      expect(run.summary).toMatch(/\| ✏️\u00a0`staging\.stg_games` \| 34 \| 0 \| 0 \| 2,380 → 2,346 rows/)
      expect(JSON.parse(run.outputs['diff-results'] ?? '[]')).toHaveLength(CHAIN.length)
    })

    it('a comment with the marker written by someone else is left alone; the action writes its own', async () => {
      let theirs: ReturnType<GitHubServer['addComment']> | undefined
      const from = server.requests.length
      const run = await openPullRequest(repo, server, {
        number: 34,
        change: dropPostponedGames(repo),
        before: () => {
          theirs = server.addComment(
            34,
            '<!-- sqlmesh-action:diff -->\nQuoting the bot: this looked wrong to me.',
            'octocat'
          )
        }
      })
      expect(run.code).toBe(0)
      const comments = server.comments(34)
      expect(comments).toHaveLength(2)
      expect(comments.find(comment => comment.id === theirs?.id)).toEqual(theirs)
      const ours = botComments(server, 34)
      expect(ours).toHaveLength(1)
      expect(ours[0]?.body).toContain('## SQLMesh diff: `pr_34` vs `prod`')
      // Nothing was sent to their comment (no edit, no delete).
      expect(
        server.requests
          .slice(from)
          .filter(request => request.path === `/repos/acme/hoops/issues/comments/${theirs?.id}`)
      ).toEqual([])
    })

    it('two runs on the same pull request at once end with exactly one comment by the action', async () => {
      const options: PullRequestOptions = { number: 35, change: dropPostponedGames(repo) }
      const shas = preparePullRequest(repo, server, options)
      // Two runners, two checkouts (each with its own copy of the DuckDB warehouse, so that only GitHub is shared).
      const second = join(scratch, 'second-checkout')
      cpSync(repo.dir, second, { recursive: true })
      // Both runs list the comments before either creates one: the race the action has to settle.
      const barrier = await startListingBarrier(server.url, /\/issues\/35\/comments(\?|$)/, 2)
      try {
        const from = server.requests.length
        const runs = await Promise.all([
          runPullRequest(repo, server, options, shas, barrier.url),
          runPullRequest(repo, server, { ...options, workspace: second }, shas, barrier.url)
        ])
        expect(runs.map(run => run.code)).toEqual([0, 0])
        expect(barrier.held()).toBe(2)
        const posts = server.requests
          .slice(from)
          .filter(request => request.method === 'POST' && request.path.endsWith('/issues/35/comments'))
        expect(posts).toHaveLength(2)
        const ours = botComments(server, 35)
        expect(ours).toHaveLength(1)
        expect(ours[0]?.body).toContain('## SQLMesh diff: `pr_35` vs `prod`')
        expect(runs.map(run => run.outputs['comment-url'])).toEqual([ours[0]?.html_url, ours[0]?.html_url])
      } finally {
        await barrier.close()
        rmSync(second, { recursive: true, force: true })
      }
    })
  })

  // -------------------------------------------------------------------------------------------------------------------
  describe('security', () => {
    it('under pull_request_target a fork’s pull request is refused, naming allow-untrusted-code, without loading the project', async () => {
      const from = server.requests.length
      const run = await openPullRequest(repo, server, {
        number: 41,
        change: dropPostponedGames(repo),
        eventName: 'pull_request_target',
        headRepository: 'stranger/hoops'
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toBe(
        "Refusing to load a SQLMesh project from a fork under 'pull_request_target': loading it runs the fork's Python with this workflow's secrets. " +
          "Run the diff on 'pull_request' (fork-safe, read-only token) and hand results to a privileged job as an artifact, or set 'allow-untrusted-code: true' if you accept the risk."
      )
      expect(run.stdout).not.toContain('Load the SQLMesh project')
      expect(run.stdout).not.toMatch(/^Python: /m)
      expect(requestsAbout(server, 41, from)).toEqual([])
      expect(environments(repo)).not.toContain('pr_41')
    })

    it("with 'allow-untrusted-code: true' the same pull request is diffed", async () => {
      const run = await openPullRequest(repo, server, {
        number: 42,
        change: dropPostponedGames(repo),
        eventName: 'pull_request_target',
        headRepository: 'stranger/hoops',
        inputs: { 'allow-untrusted-code': 'true' }
      })
      expect(run.code).toBe(0)
      expect(environments(repo)).toContain('pr_42')
      expect(botComments(server, 42)[0]?.body).toContain('## SQLMesh diff: `pr_42` vs `prod`')
    })

    describe('a model renamed to contain @octocat and data values with | and <script>, with sample-rows set', () => {
      const VALUE = '<script>alert(1)</script> | @octocat'
      let run: ActionRun
      let body: string
      beforeAll(async () => {
        run = await openPullRequest(repo, server, {
          number: 43,
          inputs: { 'sample-rows': '3' },
          change: () => {
            const standings = repo.read('models/marts/team_standings.sql')
            rmSync(join(repo.projectDir, 'models/marts/team_standings.sql'))
            repo.write(
              'models/marts/standings_octocat.sql',
              standings.replace('name marts.team_standings', 'name marts."standings_@octocat"')
            )
            const games = repo.read('models/staging/stg_games.sql')
            repo.write(
              'models/staging/stg_games.sql',
              games.replace('CASE WHEN home_points', `CASE WHEN home_team = 'BOS' THEN '${VALUE}' WHEN home_points`)
            )
          }
        })
        body = botComments(server, 43)[0]?.body ?? ''
      })

      it('posts the comment with the samples', () => {
        expect(run.code).toBe(0)
        expect(body).toContain('Sample changed rows:')
      })

      it('escapes HTML and table pipes in data values and breaks the @mention in them', () => {
        expect(body).not.toContain('<script>')
        expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; \\| @\u200boctocat')
      })

      it('never writes a raw @octocat, not even in a model name (code spans included)', () => {
        expect(body).toContain('standings_@\u200boctocat')
        expect(body).not.toContain('@octocat')
        expect(run.summary).not.toContain('@octocat')
      })

      it('never prints the GitHub token: only the runner’s ::add-mask:: command carries it', () => {
        const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter(line => line.includes(TOKEN))
        expect(lines).toEqual([`::add-mask::${TOKEN}`])
      })
    })
  })
})

// =====================================================================================================================

describe('merge re-run on DuckDB', () => {
  let repo: Repo
  let server: GitHubServer
  let merge: { base: string; merge: string }

  beforeAll(async () => {
    repo = createProjectRepo({ prefix: 'faults-merge-' })
    repo.buildProd()
    server = await newServer()
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', 'pr-51'])
    repo.write(
      'models/staging/stg_games.sql',
      `-- Rebuild from 2026: the league re-sent games.\n${repo.read('models/staging/stg_games.sql')}`
    )
    const head = repo.commitAll('Pull request #51')
    repo.git(['checkout', '-q', 'main'])
    repo.git(['merge', '-q', '--no-ff', '-m', 'Merge #51', 'pr-51'])
    merge = { base, merge: repo.head() }
    server.addPullRequest({
      number: 51,
      head: { ref: 'pr-51', sha: head },
      base: { ref: 'main', sha: base },
      state: 'closed',
      merged: true,
      merge_commit_sha: merge.merge
    })
    server.associateCommit(merge.merge, [51])
  })

  afterAll(() => tearDown({ server, repo }))

  function push(inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runAction({
      repoDir: repo.dir,
      eventName: 'push',
      payload: {
        ref: 'refs/heads/main',
        before: merge.base,
        after: merge.merge,
        forced: false,
        repository: { full_name: REPOSITORY }
      },
      inputs: { 'project-path': 'analytics', 'github-token': TOKEN, 'backfill-start': BACKFILL_START, ...inputs },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    }).then(run => record(run, { push: inputs }))
  }

  let state: string

  it('the first run backfills the chain of the merged change', async () => {
    const first = await push()
    expect(first.code).toBe(0)
    expect(JSON.parse(first.outputs['backfilled-models'] ?? '')).toEqual(CHAIN)
    state = stateOf(repo)
  })

  it('a second run for the same merge commit rebuilds nothing, says so, and leaves prod’s state as it was', async () => {
    const second = await push()
    expect(second.code).toBe(0)
    expect(commands(second, 'notice')).toEqual([
      `Commit ${merge.merge.slice(0, 7)} was already backfilled (see #51); nothing rebuilt. Set 'force: true' to backfill again.`
    ])
    expect(second.outputs['backfilled-models']).toBe('[]')
    expect(second.outputs['backfill-results']).toBe('[]')
    expect(second.stdout).not.toContain('Load the SQLMesh project')
    expect(stateOf(repo)).toBe(state)
    expect(botComments(server, 51)).toHaveLength(1)
  })

  it("with 'force: true' the same merge commit is backfilled again", async () => {
    const forced = await push({ force: 'true' })
    expect(forced.code).toBe(0)
    expect(JSON.parse(forced.outputs['backfilled-models'] ?? '')).toEqual(CHAIN)
    expect(stateOf(repo)).not.toBe(state)
    expect(botComments(server, 51)).toHaveLength(1)
  })
})

// =====================================================================================================================

describe('faults on PostgreSQL', () => {
  let repo: Repo
  let server: GitHubServer
  const PASSWORD = `pg-Secret-${Math.random().toString(36).slice(2)}-x`

  beforeAll(async () => {
    repo = createProjectRepo({ prefix: 'faults-pg-', gateway: 'postgres' })
    // The example config names port 5432 outright; this project reads it from PGPORT like libpq does, so that a run
    // can point it at a closed port.
    repo.write('config.yaml', repo.read('config.yaml').replace('port: 5432', `port: "{{ env_var('PGPORT', '5432') }}"`))
    repo.commitAll('Read the PostgreSQL port from PGPORT')
    repo.buildProd()
    server = await newServer()
  })

  afterAll(() => tearDown({ server, repo }))

  describe('the database unreachable (PGPORT=1)', () => {
    let run: ActionRun
    beforeAll(async () => {
      run = await openPullRequest(repo, server, { number: 61, change: dropPostponedGames(repo), env: { PGPORT: '1' } })
    })

    it('fails with the connection error; the comment says the diff could not run; no environment', () => {
      expect(run.code).toBe(1)
      expect(failure(run)).toContain('connection to server at "127.0.0.1", port 1 failed: Connection refused')
      expectFailureComment(server, 61, run)
      expect(environments(repo)).not.toContain('pr_61')
    })

    it('names the gateway it could not reach', () => {
      expect(failure(run)).toMatch(/gateway 'postgres'/)
    })
  })

  it('a connection password from the SQLMesh config is masked: only ::add-mask:: carries it', async () => {
    const run = await openPullRequest(repo, server, {
      number: 62,
      change: dropPostponedGames(repo),
      env: { PGPASSWORD: PASSWORD }
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`::add-mask::${PASSWORD}`)
    const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter(line => line.includes(PASSWORD))
    expect(lines).toEqual([`::add-mask::${PASSWORD}`])
    expect(JSON.stringify(server.requests)).not.toContain(PASSWORD)
    expect(run.summary).not.toContain(PASSWORD)
  })
})

// =====================================================================================================================

describe('size: a chain of 400 models on DuckDB', () => {
  const LENGTH = 400
  let repo: Repo
  let server: GitHubServer
  let run: ActionRun
  let body: string

  const name = (index: number): string => `generated.chain_${String(index).padStart(3, '0')}`

  beforeAll(async () => {
    repo = createProjectRepo({ prefix: 'faults-size-' })
    for (let index = 1; index <= LENGTH; index++) {
      // The first model describes each game in a long text value; every next one selects from the one before.
      const select =
        index === 1
          ? "SELECT game_id, total_points, winner, home_team || ' hosted ' || away_team || ' on ' || game_date || ' in the ' || season || ' regular season' AS description FROM staging.stg_games"
          : `SELECT game_id, total_points, winner, description FROM ${name(index - 1)}`
      repo.write(
        `models/generated/chain_${String(index).padStart(3, '0')}.sql`,
        `MODEL (name ${name(index)}, kind FULL, grain game_id);\n\n${select}\n`
      )
    }
    repo.commitAll(`A chain of ${LENGTH} models`)
    repo.buildProd()
    server = await newServer()
    run = await openPullRequest(repo, server, {
      number: 71,
      inputs: { 'sample-rows': '5' },
      change: () =>
        repo.write(
          'models/generated/chain_001.sql',
          repo
            .read('models/generated/chain_001.sql')
            .replace('FROM staging.stg_games', "FROM staging.stg_games WHERE status = 'final'")
        )
    })
    body = botComments(server, 71)[0]?.body ?? ''
    // Building 400 models with the SQLMesh CLI, then the action's run, take minutes on a busy 2-core machine.
  }, 900_000)

  afterAll(() => tearDown({ server, repo }))

  it('diffs the whole chain and posts one comment', () => {
    expect(run.code).toBe(0)
    expect(JSON.parse(run.outputs['affected-models'] ?? '[]')).toHaveLength(LENGTH)
    expect(botComments(server, 71)).toHaveLength(1)
  })

  it('diffs the chain in worker processes that attach the DuckDB file read only, with the counts an independent query gives', () => {
    expect(run.stdout).toContain('Table diffs run in 4 worker processes, each reading the DuckDB file read only')
    const results = JSON.parse(run.outputs['diff-results'] ?? '[]') as {
      model: string
      coverage: string
      rows?: { onlyInProd: number }
    }[]
    expect(results.filter(result => result.coverage === 'compared')).toHaveLength(LENGTH)
    for (const index of [1, 200, LENGTH]) {
      const table = `chain_${String(index).padStart(3, '0')}`
      const removed = Number(
        repo.query(
          `SELECT COUNT(*) AS n FROM generated.${table} WHERE game_id NOT IN (SELECT game_id FROM generated__pr_71.${table})`
        )[0]?.n
      )
      expect(removed).toBeGreaterThan(0)
      expect(results.find(result => result.model === name(index))?.rows?.onlyInProd).toBe(removed)
    }
  })

  it('keeps the comment under 65,536 characters by leaving out whole sections, says so and points to the job summary', () => {
    expect(Array.from(body).length).toBeLessThanOrEqual(65_536)
    expect(body).toMatch(
      /> ✂️ [\d,]+ sections? left out to stay under GitHub's size limit\. The full report is in the job summary: https:\/\/github\.com\/acme\/hoops\/actions\/runs\/4242/
    )
    // Whole sections: every <details> that is opened is closed.
    expect(body.split('<details>').length).toBe(body.split('</details>').length)
    expect(body).toMatch(/\n<sub>sqlmesh-action \d+\.\d+\.\d+ · SQLMesh [^\n]* · commit `[0-9a-f]{7}`[^\n]*<\/sub>$/)
  })

  it('counts every model once in the table: the changed one and those that differ by name, the rest grouped by outcome', () => {
    const rows = body.split('\n').filter(line => /^\| (✏️|↳|\*\*)/.test(line))
    const counted = rows.reduce(
      (total, line) => total + Number(/^\| \*\*([\d,]+) models?\*\*/.exec(line)?.[1]?.replace(/,/g, '') ?? 1),
      0
    )
    expect(counted).toBe(LENGTH)
    expect(rows[0]).toMatch(/^\| ✏️\u00a0`generated\.chain_001` \| [1-9]/)
    expect(rows.length).toBeLessThan(40)
  })

  it("draws a lineage GitHub's Mermaid accepts in the comment, and the whole chain in the job summary", () => {
    const diagram = (markdown: string): string => /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? ''
    const edges = (text: string): number => text.split('\n').filter(line => line.includes('-->')).length
    expect(edges(diagram(body))).toBeGreaterThan(0)
    expect(edges(diagram(body))).toBeLessThanOrEqual(500)
    expect(diagram(body).length).toBeLessThanOrEqual(50_000)
    expect(diagram(body)).toContain('["generated.chain_001"]')
    expect(diagram(body)).toMatch(/\(\["#43;\d+ more downstream"\]\)/)
    expect(body).toContain('the job summary draws the whole graph')
    expect(edges(diagram(run.summary))).toBe(LENGTH - 1)
  })

  it('keeps the job summary under 1 MiB, with more of the report than the comment', () => {
    expect(Buffer.byteLength(run.summary, 'utf8')).toBeLessThanOrEqual(1_048_576)
    expect(run.summary.length).toBeGreaterThan(body.length)
    expect(run.summary).toContain(`<code>${name(LENGTH)}</code>`)
  })
})

// ---------------------------------------------------------------------------------------------------------------------

/**
 * A proxy in front of the GitHub stand-in that holds the first `parties` listings matching `pattern` until all of them
 * have arrived (or 20 s pass), so that concurrent runs all see the pull request without a comment.
 */
async function startListingBarrier(
  target: string,
  pattern: RegExp,
  parties: number
): Promise<{ url: string; held(): number; close(): Promise<void> }> {
  let held = 0
  const waiting: (() => void)[] = []
  const release = (): void => waiting.splice(0).forEach(resolve => resolve())
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', chunk => chunks.push(chunk as Buffer))
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET' && pattern.test(req.url ?? '') && held < parties) {
          held++
          await new Promise<void>(resolve => {
            waiting.push(resolve)
            if (waiting.length >= parties) release()
            setTimeout(resolve, 20_000).unref()
          })
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            (entry): entry is [string, string] =>
              typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0])
          )
        )
        const body = Buffer.concat(chunks)
        const upstream = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method,
          headers,
          body: body.length > 0 ? body : undefined
        })
        const text = Buffer.from(await upstream.arrayBuffer())
        const passed = [...upstream.headers].filter(
          ([key]) =>
            !['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding'].includes(key)
        )
        res.writeHead(upstream.status, Object.fromEntries(passed))
        res.end(text)
      })().catch((error: unknown) => {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ message: `barrier proxy: ${String(error)}` }))
      })
    })
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address()
  if (address === null || typeof address === 'string') throw new Error('unexpected proxy address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    held: () => held,
    close: () =>
      new Promise<void>((resolve, reject) => {
        release()
        proxy.close(error => (error ? reject(error) : resolve()))
        proxy.closeAllConnections()
      })
  }
}

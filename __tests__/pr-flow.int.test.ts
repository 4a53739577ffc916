// The pull-request flow end to end: the bundled action (dist/index.js) run as a runner runs it, in a real git
// repository, with real SQLMesh, against a local GitHub API server. Everything runs once per gateway: DuckDB (the
// project's default, a file in the repository) and PostgreSQL (a fresh database per run, SQLMesh's state in it too).

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createProjectRepo,
  EXAMPLE,
  GATEWAYS,
  runPullRequest,
  type ActionRun,
  type Gateway,
  type Repo
} from '../support/scenario.mjs'
import { summaryRow } from './fixtures/comment.js'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { tearDown } from './fixtures/scenario.js'

const OWNER = 'acme'
const NAME = 'hoops'
const REPOSITORY = `${OWNER}/${NAME}`
const TOKEN = 'ghs_pr_flow_token'
const WINDOW_START = '2026-01-01'

/** The raw feed's games, read from the seed itself so that the test follows the data. */
function seedGames(): { date: string; status: string }[] {
  const lines = readFileSync(join(EXAMPLE, 'seeds', 'games.csv'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
  return lines.map(line => line.split(',')).map(cells => ({ date: cells[1], status: cells[7] }))
}

const count = (value: number): string => value.toLocaleString('en-US')

describe.each(GATEWAYS)('pull request on %s', (gateway: Gateway) => {
  let repo: Repo
  let server: GitHubServer
  let base: string

  beforeAll(async () => {
    repo = createProjectRepo({ prefix: `pr-flow-${gateway}-`, gateway })
    repo.buildProd()
    base = repo.head()
    server = await startGitHubServer({
      owner: OWNER,
      repo: NAME,
      tokens: { [TOKEN]: 'github-actions[bot]', ghs_human: 'octocat' }
    })
  })

  afterAll(() => tearDown({ server, repo }))

  function openPullRequest(number: number, action = 'opened', inputs: Record<string, string> = {}): Promise<ActionRun> {
    const defaults = { 'project-path': 'analytics', 'github-token': TOKEN, 'environment-start': WINDOW_START }
    return runPullRequest({
      repo,
      server,
      number,
      base,
      action,
      ref: `feature-${number}`,
      repository: REPOSITORY,
      inputs: { ...defaults, ...inputs }
    })
  }

  describe('a filter that drops the postponed games', () => {
    let run: ActionRun
    let body: string
    const games = seedGames()
    const postponed = games.filter(game => game.status === 'postponed')
    const inWindow = postponed.filter(game => game.date >= WINDOW_START).length

    beforeAll(async () => {
      repo.git(['checkout', '-q', '-b', 'feature-7', 'main'])
      const model = repo.read('models/staging/stg_games.sql')
      repo.write(
        'models/staging/stg_games.sql',
        model.replace('FROM raw.games', "FROM raw.games\nWHERE status = 'final'")
      )
      repo.commitAll('Drop postponed games')
      run = await openPullRequest(7)
      body = server.comments(7)[0]?.body ?? ''
    })

    it('succeeds and posts one comment', () => {
      expect(run.code).toBe(0)
      expect(server.comments(7)).toHaveLength(1)
      expect(body.split('\n')[0]).toBe('<!-- sqlmesh-action:diff -->')
    })

    it('says how many rows the filter removes from the changed model', () => {
      expect(postponed.length).toBeGreaterThan(0)
      const row = summaryRow(body, 'staging.stg_games')
      expect(row[0]).toMatch(/^✏️/)
      expect(row[4]).toMatch(new RegExp(`^${count(games.length)} → ${count(games.length - postponed.length)} rows · `))
      expect(row[1]).toBe(String(postponed.length))
      expect(row[2]).toBe('0')
      expect(row[3]).toBe('0')
    })

    it('carries the same removals downstream: two team rows per game, over all of history once rebuilt from the start', () => {
      expect(inWindow).toBeLessThan(postponed.length)
      expect(summaryRow(body, 'staging.stg_team_games')[1]).toBe(String(2 * postponed.length))
      expect(summaryRow(body, 'features_dev.game_features')[1]).toBe(String(2 * postponed.length))
      expect(summaryRow(body, 'marts.mart_game_features')[1]).toBe(String(postponed.length))
      expect(summaryRow(body, 'features_dev.game_features')[4]).toMatch(
        / rows · 2024-10-01 – .* · rebuilt from its start$/
      )
    })

    it('rebuilds the windowed parent of a full rebuild from its start, so the full rebuild compares like for like', () => {
      expect(summaryRow(body, 'marts.team_standings')[4]).toMatch(/ rows · all rows · rebuilt from its start$/)
      expect(body).not.toContain('partial upstream')
      expect(body).toContain('Rebuilt from their own start in the PR environment')
      expect(body).toContain('5 of 5 affected models compared')
    })

    it('shows the lineage of the affected chain with the changed model marked', () => {
      expect(body).toContain('```mermaid')
      expect(body).toMatch(/m0\["staging\.stg_games"\]/)
      expect(body).toContain('class m0 changed')
      expect(body).toContain('m0 --> m1')
    })

    it('sets the outputs: changed and affected models in dependency order, and the diff results', () => {
      expect(JSON.parse(run.outputs['changed-models'] ?? '')).toEqual(['staging.stg_games'])
      expect(JSON.parse(run.outputs['affected-models'] ?? '')).toEqual([
        'staging.stg_games',
        'staging.stg_team_games',
        'features_dev.game_features',
        'marts.mart_game_features',
        'marts.team_standings'
      ])
      const results = JSON.parse(run.outputs['diff-results'] ?? '') as {
        model: string
        rows?: { onlyInProd: number }
      }[]
      expect(results.find(result => result.model === 'staging.stg_games')?.rows?.onlyInProd).toBe(postponed.length)
    })

    it('writes the full report to the job summary', () => {
      expect(run.summary).toContain('## SQLMesh diff: `pr_7` vs `prod`')
      expect(run.summary).toContain(`| ${postponed.length} |`)
    })

    it('updates the same comment on the next push instead of adding one', async () => {
      const first = server.comments(7).at(0)
      const model = repo.read('models/staging/stg_games.sql')
      repo.write(
        'models/staging/stg_games.sql',
        model.replace('  status,\n', "  status,\n  season = '2025-26' AS is_current_season,\n")
      )
      const head = repo.commitAll('Flag the current season')
      const second = await openPullRequest(7, 'synchronize')
      expect(second.code).toBe(0)
      const comments = server.comments(7)
      expect(comments).toHaveLength(1)
      expect(comments[0]?.id).toBe(first?.id)
      expect(comments[0]?.body).toContain(head.slice(0, 7))
      expect(summaryRow(comments[0]?.body ?? '', 'staging.stg_games')[4]).toMatch(/^\+1 col · /)
      const patches = server.requests.filter(request => request.method === 'PATCH')
      expect(patches).toHaveLength(1)
    })
  })

  describe('a comment-only edit', () => {
    it('reports no semantic change and builds nothing', async () => {
      repo.git(['checkout', '-q', '-b', 'feature-8', 'main'])
      const model = repo.read('models/staging/stg_team_games.sql')
      repo.write('models/staging/stg_team_games.sql', `-- Reviewed by the data team.\n${model}`)
      repo.commitAll('Document the team games model')
      const run = await openPullRequest(8)
      expect(run.code).toBe(0)
      const body = server.comments(8)[0]?.body ?? ''
      expect(body).toContain('No semantic change')
      expect(body).toContain('`staging.stg_team_games`')
      expect(JSON.parse(run.outputs['affected-models'] ?? '')).toEqual([])
      expect(run.stdout).not.toContain('Plan and apply environment')
    })
  })

  describe('a macro change', () => {
    it('finds the models through their fingerprints and names the macro file', async () => {
      repo.git(['checkout', '-q', '-b', 'feature-9', 'main'])
      const macro = repo.read('macros/basketball.py')
      repo.write(
        'macros/basketball.py',
        macro.replace('exp.Sub(this=points, expression=allowed)', 'exp.Sub(this=points, expression=allowed) * 2')
      )
      repo.commitAll('Double the margin')
      const run = await openPullRequest(9)
      expect(run.code).toBe(0)
      const body = server.comments(9)[0]?.body ?? ''
      expect(JSON.parse(run.outputs['changed-models'] ?? '')).toEqual(['features_dev.game_features'])
      expect(body).toContain('`analytics/macros/basketball.py`')
      const row = summaryRow(body, 'features_dev.game_features')
      expect(row[1]).toBe('0')
      expect(Number(row[3]?.replace(/,/g, ''))).toBeGreaterThan(0)
      // Doubling a margin changes every row but the 0-0 postponed games.
      const rows = Number(row[4]?.split(' → ')[0]?.replace(/,/g, ''))
      // The chain is rebuilt from its start (a full rebuild reads it), so every postponed game is in the comparison.
      const postponedRows = 2 * seedGames().filter(game => game.status === 'postponed').length
      expect(row[3]).toBe(count(rows - postponedRows))
      expect(body).toContain(`| \`margin\` | ${((100 * postponedRows) / rows).toFixed(2)}% |`)
    })
  })

  describe('fail-on', () => {
    it('fails the job after posting the comment, naming the models that remove rows', async () => {
      repo.git(['checkout', '-q', '-b', 'feature-10', 'main'])
      const model = repo.read('models/staging/stg_games.sql')
      repo.write(
        'models/staging/stg_games.sql',
        model.replace('FROM raw.games', "FROM raw.games\nWHERE home_team <> 'BOS'")
      )
      repo.commitAll('Drop Boston home games')
      const run = await openPullRequest(10, 'opened', { 'fail-on': 'removed-rows', 'diff-scope': 'changed' })
      expect(run.code).toBe(1)
      expect(server.comments(10)).toHaveLength(1)
      expect(run.stdout).toMatch(/::error title=SQLMesh diff::fail-on 'removed-rows': staging\.stg_games/)
      const body = server.comments(10)[0]?.body ?? ''
      expect(summaryRow(body, 'staging.stg_team_games')).toContain('⚠️ not compared (diff-scope)')
      // The gate fails closed on the models diff-scope left out too (on-uncompared defaults to fail).
      expect(run.stdout).toMatch(/Not compared \(on-uncompared 'fail'\): staging\.stg_team_games/)
    })
  })
})

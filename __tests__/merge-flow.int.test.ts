// The merge flow, the manual modes and pull-request close, end to end: the bundled action run as a runner runs it, in
// real git repositories, with real SQLMesh on DuckDB and on PostgreSQL, against a local GitHub API server.

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createProjectRepo,
  GATEWAYS,
  pullRequestPayload,
  runAction,
  type ActionRun,
  type Gateway,
  type Repo
} from '../support/scenario.mjs'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { firstValue, tearDown } from './fixtures/scenario.js'

const OWNER = 'acme'
const NAME = 'hoops'
const REPOSITORY = `${OWNER}/${NAME}`
const TOKEN = 'ghs_merge_flow_token'
const BACKFILL_START = '2026-01-01'
const CHAIN = [
  'staging.stg_games',
  'staging.stg_team_games',
  'features_dev.game_features',
  'marts.mart_game_features',
  'marts.team_standings'
]

interface BackfillResult {
  model: string
  status: string
  rowsBefore: number | null
  rowsAfter: number | null
  note: string
  error: string | null
  interval: { start: number; end: number } | null
}

/** New games the league sends after prod was built, written straight into the seed's physical table. */
const LATE_GAMES = [
  [99001, '2026-03-01', 'BOS', 'NYK', 110, 100],
  [99002, '2026-03-02', 'LAL', 'GSW', 101, 99],
  [99003, '2026-03-03', 'MIA', 'ORL', 97, 104]
] as const

function insertLateGames(repo: Repo): void {
  const tables = repo.query(
    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'sqlmesh__raw' AND table_name LIKE 'raw__games__%'"
  )
  const values = LATE_GAMES.map(
    ([id, date, home, away, hp, ap]) =>
      `(${id}, DATE '${date}', '2025-26', '${home}', '${away}', ${hp}, ${ap}, 'final')`
  )
  repo.execute(
    `INSERT INTO ${firstValue(tables, 'table_schema')}.${firstValue(tables, 'table_name')} VALUES ${values.join(', ')}`
  )
}

function count(repo: Repo, sql: string): number {
  return Number(repo.query(sql)[0]?.n)
}

function results(run: ActionRun): BackfillResult[] {
  return JSON.parse(run.outputs['backfill-results'] ?? '[]') as BackfillResult[]
}

function row(body: string, model: string): string[] {
  const line = body.split('\n').find(candidate => candidate.startsWith(`| \`${model}\``))
  if (!line) throw new Error(`No row for ${model} in:\n${body}`)
  return line.split(' | ').map(cell => cell.replace(/^\| |\s\|$/g, '').trim())
}

describe.each(GATEWAYS)('merge flow on %s', (gateway: Gateway) => {
  let server: GitHubServer
  const repos: Repo[] = []

  beforeAll(async () => {
    server = await startGitHubServer({ owner: OWNER, repo: NAME, tokens: { [TOKEN]: 'github-actions[bot]' } })
  })
  afterAll(() => tearDown({ server }))
  afterEach(() => {
    repos.splice(0).forEach(repo => repo.remove())
  })

  function newRepo(): Repo {
    const repo = createProjectRepo({ prefix: 'merge-flow-', gateway })
    repos.push(repo)
    return repo
  }

  /** Commits a change on a branch, merges it into main (a merge commit, or a squash) and registers the PR. */
  function mergePullRequest(
    repo: Repo,
    number: number,
    change: () => void,
    squash = false
  ): { base: string; head: string; merge: string } {
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', `pr-${number}`])
    change()
    const head = repo.commitAll(`Pull request #${number}`)
    repo.git(['checkout', '-q', 'main'])
    if (squash) {
      repo.git(['merge', '-q', '--squash', `pr-${number}`])
      repo.git(['commit', '-q', '-m', `Squashed #${number}`])
    } else {
      repo.git(['merge', '-q', '--no-ff', '-m', `Merge #${number}`, `pr-${number}`])
    }
    const merge = repo.head()
    server.addPullRequest({
      number,
      head: { ref: `pr-${number}`, sha: head },
      base: { ref: 'main', sha: base },
      state: 'closed',
      merged: true,
      merge_commit_sha: merge
    })
    server.associateCommit(merge, [number])
    return { base, head, merge }
  }

  function push(repo: Repo, before: string, after: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runAction({
      repoDir: repo.dir,
      eventName: 'push',
      payload: { ref: 'refs/heads/main', before, after, forced: false, repository: { full_name: REPOSITORY } },
      inputs: {
        'project-path': 'analytics',
        'github-token': TOKEN,
        'backfill-start': BACKFILL_START,
        ...repo.actionInputs(),
        ...inputs
      },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    })
  }

  /** A pull_request event (opened, closed...) with the PR environment built from BACKFILL_START. */
  function pullRequestEvent(repo: Repo, payload: object, inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runAction({
      repoDir: repo.dir,
      eventName: 'pull_request',
      payload,
      inputs: {
        'project-path': 'analytics',
        'github-token': TOKEN,
        'environment-start': BACKFILL_START,
        ...repo.actionInputs(),
        ...inputs
      },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    })
  }

  /** Opens pull request `number` that drops postponed games from staging.stg_games. */
  function openFilterPullRequest(repo: Repo, number: number): { base: string; head: string } {
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', `pr-${number}`])
    repo.write(
      'models/staging/stg_games.sql',
      repo.read('models/staging/stg_games.sql').replace('FROM raw.games', "FROM raw.games\nWHERE status = 'final'")
    )
    const head = repo.commitAll('Drop postponed games')
    server.addPullRequest({ number, head: { ref: `pr-${number}`, sha: head }, base: { ref: 'main', sha: base } })
    return { base, head }
  }

  function dispatch(repo: Repo, inputs: Record<string, string>): Promise<ActionRun> {
    return runAction({
      repoDir: repo.dir,
      eventName: 'workflow_dispatch',
      payload: { inputs, ref: 'refs/heads/main', repository: { full_name: REPOSITORY } },
      inputs: { 'project-path': 'analytics', 'github-token': TOKEN, ...repo.actionInputs(), ...inputs },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    })
  }

  it('rebuilds the chain after rows arrived behind SQLMesh’s back, once a pull request touching the upstream model merges', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    insertLateGames(repo)
    // SQLMesh sees no change: the code is the same, so prod stays stale.
    expect(repo.buildProd(repo.env)).toContain('No changes to plan')
    expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games WHERE game_id > 99000')).toBe(0)
    const before = {
      games: count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games'),
      standings: count(repo, "SELECT SUM(games) AS n FROM marts.team_standings WHERE season = '2025-26'")
    }

    const { base, merge } = mergePullRequest(repo, 21, () => {
      repo.write(
        'models/staging/stg_games.sql',
        `-- The league re-sent March games: rebuild from 2026.\n${repo.read('models/staging/stg_games.sql')}`
      )
    })
    const run = await push(repo, base, merge)

    expect(run.code).toBe(0)
    // The downstream tables now hold the new games.
    expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games WHERE game_id > 99000')).toBe(3)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_team_games WHERE game_id > 99000')).toBe(6)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM features_dev.game_features WHERE game_id > 99000')).toBe(6)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id > 99000')).toBe(3)
    expect(count(repo, "SELECT SUM(games) AS n FROM marts.team_standings WHERE season = '2025-26'")).toBe(
      before.standings + 6
    )

    // The report's counts match the tables.
    const byModel = new Map(results(run).map(result => [result.model, result]))
    expect([...byModel.keys()]).toEqual(CHAIN)
    expect(byModel.get('staging.stg_games')).toMatchObject({
      status: 'rebuilt',
      rowsBefore: before.games,
      rowsAfter: before.games + 3
    })
    expect(byModel.get('marts.mart_game_features')?.rowsAfter).toBe(
      count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features')
    )
    expect(byModel.get('features_dev.game_features')?.interval?.start).toBe(Date.parse(`${BACKFILL_START}T00:00:00Z`))
    expect(byModel.get('staging.stg_games')?.note).toContain('widened')
    expect(JSON.parse(run.outputs['backfilled-models'] ?? '')).toEqual(CHAIN)

    // Said on the merged pull request, in its own sticky comment.
    const comments = server.comments(21)
    expect(comments).toHaveLength(1)
    const body = comments[0]?.body ?? ''
    expect(body.split('\n')[0]).toBe('<!-- sqlmesh-action:backfill -->')
    expect(body).toContain('✅ 5 models rebuilt from 2026-01-01')
    expect(row(body, 'staging.stg_games')[4]).toBe(
      `${before.games.toLocaleString('en-US')} → ${(before.games + 3).toLocaleString('en-US')}`
    )
    expect(run.summary).toContain('SQLMesh backfill after')
  })

  it('clamps the range to a model’s own start, on a pull_request closed-and-merged event', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    const { base, head, merge } = mergePullRequest(repo, 22, () => {
      const mart = repo.read('models/marts/mart_game_features.sql')
      repo.write(
        'models/marts/mart_game_features.sql',
        mart.replace('  grain game_id\n', "  grain game_id,\n  start '2026-02-01'\n")
      )
    })
    const payload = pullRequestPayload({
      number: 22,
      action: 'closed',
      merged: true,
      baseSha: base,
      headSha: head,
      repository: REPOSITORY
    }) as {
      pull_request: Record<string, unknown>
    }
    payload.pull_request.merge_commit_sha = merge
    const run = await pullRequestEvent(repo, payload, { 'backfill-start': BACKFILL_START })
    expect(run.code).toBe(0)
    const mart = results(run).find(result => result.model === 'marts.mart_game_features')
    expect(mart?.status).toBe('rebuilt')
    expect(mart?.note).toBe("clamped to the model's own start (2026-02-01)")
    expect(mart?.interval?.start).toBe(Date.parse('2026-02-01T00:00:00Z'))
    expect(row(server.comments(22)[0]?.body ?? '', 'marts.mart_game_features')[2]).toMatch(/^2026-02-01 – /)
  })

  it('stops what depends on a model that fails mid-chain, fails the job and says what was rebuilt', async () => {
    const repo = newRepo()
    // A model that breaks on bad data: the late games carry ids it cannot handle.
    repo.write(
      'models/marts/team_game_check.sql',
      'MODEL (name marts.team_game_check, kind FULL, grain (game_id, team));\n\nSELECT game_id, team, CASE WHEN game_id > 99000 THEN CAST(team AS INT) ELSE game_id END AS checked FROM staging.stg_team_games\n'
    )
    repo.write(
      'models/marts/team_game_report.sql',
      'MODEL (name marts.team_game_report, kind FULL, grain game_id);\n\nSELECT DISTINCT game_id FROM marts.team_game_check\n'
    )
    repo.commitAll('Add the checked team games')
    repo.buildProd(repo.env)
    insertLateGames(repo)
    const { base, merge } = mergePullRequest(repo, 23, () => {
      repo.write(
        'models/staging/stg_games.sql',
        `-- Rebuild for the late games.\n${repo.read('models/staging/stg_games.sql')}`
      )
    })
    const run = await push(repo, base, merge)

    expect(run.code).toBe(1)
    const byModel = new Map(results(run).map(result => [result.model, result]))
    expect(byModel.get('staging.stg_team_games')?.status).toBe('rebuilt')
    expect(byModel.get('marts.team_game_check')?.status).toBe('failed')
    expect(byModel.get('marts.team_game_check')?.error).toMatch(/convert|invalid input syntax|Conversion/i)
    expect(byModel.get('marts.team_game_report')?.status).toBe('not-attempted')
    expect(run.stdout).toMatch(
      /::error title=SQLMesh backfill::Backfill failed for marts\.team_game_check; not attempted: marts\.team_game_report/
    )
    const body = server.comments(23)[0]?.body ?? ''
    expect(body).toContain('❌ Backfill failed')
    expect(row(body, 'marts.team_game_report')[1]).toBe('⏭️ not attempted')
    expect(body).toContain('**`marts.team_game_check` failed:**')
    // What was rebuilt holds the new rows.
    expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_team_games WHERE game_id > 99000')).toBe(6)
  })

  it('restates the children of a seed whose CSV changed (SQLMesh never restates a seed), after a squash merge', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    const games = count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games')
    const { base, merge } = mergePullRequest(
      repo,
      24,
      () =>
        repo.write(
          'seeds/games.csv',
          `${repo.read('seeds/games.csv')}99101,2026-03-05,2025-26,DEN,UTA,120,111,final\r\n`
        ),
      true
    )
    const run = await push(repo, base, merge)
    expect(run.code).toBe(0)
    const byModel = new Map(results(run).map(result => [result.model, result]))
    expect(byModel.get('raw.games')).toMatchObject({ status: 'skipped' })
    expect(byModel.get('raw.games')?.note).toContain('seed')
    expect(byModel.get('staging.stg_games')).toMatchObject({ status: 'rebuilt', rowsAfter: games + 1 })
    expect(byModel.get('marts.mart_game_features')?.status).toBe('rebuilt')
    expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id = 99101')).toBe(1)
  })

  it('backfills models given downstream first in the manual mode, upstream first', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    insertLateGames(repo)
    const run = await dispatch(repo, {
      mode: 'backfill',
      models: 'marts.team_standings, staging.stg_games',
      'backfill-start': BACKFILL_START
    })
    expect(run.code).toBe(0)
    const rows = results(run)
    expect(rows.map(result => result.model)).toEqual(CHAIN)
    expect(rows.every(result => result.status === 'rebuilt')).toBe(true)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id > 99000')).toBe(3)
    expect(run.summary).toContain('## SQLMesh backfill of `staging.stg_games`, `marts.team_standings`')
  })

  it('applies nothing on a dry run: tables and state stay as they were', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    insertLateGames(repo)
    const intervals = count(repo, 'SELECT COUNT(*) AS n FROM sqlmesh._intervals')
    const { base, merge } = mergePullRequest(repo, 26, () => {
      repo.write('models/staging/stg_games.sql', `-- Rebuild.\n${repo.read('models/staging/stg_games.sql')}`)
    })
    const run = await push(repo, base, merge, { 'dry-run': 'true' })
    expect(run.code).toBe(0)
    expect(results(run).map(result => result.status)).toEqual(CHAIN.map(() => 'planned'))
    expect(run.summary).toContain('Dry run: 5 models would be rebuilt from 2026-01-01; nothing was applied.')
    expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games WHERE game_id > 99000')).toBe(0)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM sqlmesh._intervals')).toBe(intervals)
    expect(server.comments(26)).toHaveLength(0)
  })

  it('previews the merge’s backfill in the pull-request comment', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', 'pr-27'])
    const mart = repo.read('models/marts/mart_game_features.sql')
    repo.write(
      'models/marts/mart_game_features.sql',
      mart.replace('  grain game_id\n', "  grain game_id,\n  start '2026-02-01'\n")
    )
    const head = repo.commitAll('Start the mart in February')
    server.addPullRequest({ number: 27, head: { ref: 'pr-27', sha: head }, base: { ref: 'main', sha: base } })
    const run = await pullRequestEvent(
      repo,
      pullRequestPayload({ number: 27, baseSha: base, headSha: head, repository: REPOSITORY }),
      {
        'backfill-start': BACKFILL_START
      }
    )
    expect(run.code).toBe(0)
    const body = server.comments(27)[0]?.body ?? ''
    expect(body).toContain('<b>On merge this will backfill</b> 1 model in prod from 2026-01-01')
    expect(row(body.slice(body.indexOf('On merge')), 'marts.mart_game_features')[2]).toContain('clamped')
  })

  it('invalidates the environment of a pull request closed without merging', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    const { base, head } = openFilterPullRequest(repo, 28)
    expect(
      (
        await pullRequestEvent(
          repo,
          pullRequestPayload({ number: 28, baseSha: base, headSha: head, repository: REPOSITORY })
        )
      ).code
    ).toBe(0)
    const expiresAt = (): number =>
      Number(repo.query("SELECT expiration_ts AS n FROM sqlmesh._environments WHERE name = 'pr_28'")[0]?.n)
    expect(expiresAt()).toBeGreaterThan(Date.now())
    const closed = await pullRequestEvent(
      repo,
      pullRequestPayload({
        number: 28,
        action: 'closed',
        merged: false,
        baseSha: base,
        headSha: head,
        repository: REPOSITORY
      })
    )
    expect(closed.code).toBe(0)
    expect(closed.outputs['invalidated-environment']).toBe('pr_28')
    const expired = expiresAt()
    expect(expired).toBeLessThanOrEqual(Date.now())
    // Closed again (a re-run, or a second 'closed' event): idempotent, and said so.
    const again = await pullRequestEvent(
      repo,
      pullRequestPayload({
        number: 28,
        action: 'closed',
        merged: false,
        baseSha: base,
        headSha: head,
        repository: REPOSITORY
      })
    )
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(
      'Environment pr_28 was already invalidated (the pull request was closed before); nothing to do.'
    )
    expect(again.outputs['invalidated-environment']).toBe('')
    expect(expiresAt()).toBe(expired)
  })

  it('compares a new branch’s first push (all-zero before) with the commit’s parent', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    repo.write('models/staging/stg_games.sql', `-- Rebuild.\n${repo.read('models/staging/stg_games.sql')}`)
    const after = repo.commitAll('Touch the staging model')
    const run = await push(repo, '0000000000000000000000000000000000000000', after)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/git: 1 files changed in [0-9a-f]{7}\.\.[0-9a-f]{7}/)
    expect(JSON.parse(run.outputs['backfilled-models'] ?? '')).toEqual(CHAIN)
  })

  it('uses the merge base after a force push whose before is no longer an ancestor', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', 'rewritten'])
    repo.write(
      'models/marts/team_standings.sql',
      `-- Old history, force-pushed away.\n${repo.read('models/marts/team_standings.sql')}`
    )
    const abandoned = repo.commitAll('A commit the force push drops')
    repo.git(['checkout', '-q', 'main'])
    repo.write(
      'models/marts/mart_game_features.sql',
      `-- Rebuild.\n${repo.read('models/marts/mart_game_features.sql')}`
    )
    const after = repo.commitAll('Touch the mart')
    expect(repo.git(['merge-base', abandoned, after])).toBe(base)
    const run = await push(repo, abandoned, after)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Force push')
    expect(JSON.parse(run.outputs['backfilled-models'] ?? '')).toEqual(['marts.mart_game_features'])
  })

  it('gives a model its own start from backfill.yaml, and keeps a model marked backfill: false out', async () => {
    const repo = newRepo()
    repo.write(
      'backfill.yaml',
      [
        'models:',
        '  features_dev.game_features:',
        "    backfill_start_date: '2026-03-01'",
        '  staging.stg_games:',
        '    backfill: false',
        ''
      ].join('\n')
    )
    repo.commitAll('Backfill settings')
    repo.buildProd(repo.env)
    const { base, merge } = mergePullRequest(repo, 29, () => {
      repo.write(
        'models/staging/stg_games.sql',
        `-- Touched, but never backfilled automatically.\n${repo.read('models/staging/stg_games.sql')}`
      )
      repo.write(
        'models/features/game_features.sql',
        `-- Rebuild from March.\n${repo.read('models/features/game_features.sql')}`
      )
    })
    const run = await push(repo, base, merge)
    expect(run.code).toBe(0)
    const byModel = new Map(results(run).map(result => [result.model, result]))
    expect(byModel.get('staging.stg_games')).toMatchObject({
      status: 'skipped',
      note: 'backfill: false in the backfill settings file'
    })
    expect(byModel.get('features_dev.game_features')?.status).toBe('rebuilt')
    expect(byModel.get('features_dev.game_features')?.interval?.start).toBe(Date.parse('2026-03-01T00:00:00Z'))
    expect(byModel.get('marts.mart_game_features')?.interval?.start).toBe(Date.parse('2026-03-01T00:00:00Z'))
  })

  it('diffs named models between two environments in the manual diff mode', async () => {
    const repo = newRepo()
    repo.buildProd(repo.env)
    const { base, head } = openFilterPullRequest(repo, 31)
    const opened = await pullRequestEvent(
      repo,
      pullRequestPayload({ number: 31, baseSha: base, headSha: head, repository: REPOSITORY })
    )
    expect(opened.code).toBe(0)
    const run = await dispatch(repo, {
      mode: 'diff',
      models: 'staging.stg_team_games staging.stg_games',
      'target-environment': 'pr_31'
    })
    expect(run.code).toBe(0)
    const postponed = count(repo, "SELECT COUNT(*) AS n FROM raw.games WHERE status = 'postponed'")
    const diffs = JSON.parse(run.outputs['diff-results'] ?? '[]') as {
      model: string
      rows: { onlyInProd: number }
    }[]
    expect(diffs.map(diff => diff.model)).toEqual(['staging.stg_games', 'staging.stg_team_games'])
    expect(diffs.map(diff => diff.rows.onlyInProd)).toEqual([postponed, 2 * postponed])
    expect(run.summary).toContain('## SQLMesh diff: `pr_31` vs `prod`')
  })
})

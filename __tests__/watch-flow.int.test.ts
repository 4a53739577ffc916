// Watch mode end to end: the bundled action run on a `schedule` event, with real SQLMesh on DuckDB and on PostgreSQL,
// in a real git repository. Rows change behind SQLMesh's back (late games, a corrected score, a deleted game, a team
// moving conference); SQLMesh's own plan sees nothing; watch finds the changed buckets and restates exactly them.

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createProjectRepo,
  GATEWAYS,
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
const TOKEN = 'ghs_watch_flow_token'
const DAY = 86_400_000

interface BackfillResult {
  model: string
  status: string
  rowsBefore: number | null
  rowsAfter: number | null
  note: string
  error: string | null
  interval: { start: number; end: number } | null
}

interface ChangedSource {
  source: string
  buckets: { bucket: string; change: string; rowsBefore: number | null; rowsAfter: number | null }[]
  range: { start: string; end: string } | null
}

/** Late games for two days of March: one on the 1st, two on the 2nd. */
const LATE_GAMES = [
  [99001, '2026-03-01', 'BOS', 'NYK', 110, 100],
  [99002, '2026-03-02', 'LAL', 'GSW', 101, 99],
  [99003, '2026-03-02', 'MIA', 'ORL', 97, 104]
] as const

const WATCH_YAML = ['sources:', '  raw.games:', '    time_column: game_date', '    bucket: day', ''].join('\n')
const EXTERNAL_MODELS = ['- name: landing.team_info', '  columns:', '    team: text', '    conference: text', ''].join(
  '\n'
)
const TEAM_CONFERENCE = [
  'MODEL (name marts.team_conference, kind FULL, grain (season, team));',
  '',
  'SELECT s.season, s.team, i.conference, s.wins FROM marts.team_standings AS s LEFT JOIN landing.team_info AS i ON s.team = i.team',
  ''
].join('\n')

/**
 * The basketball project plus what watch needs: an external table of team conferences (no time column) read by a
 * FULL mart, and watch.yaml adding the games seed with its time column.
 */
function setUpProject(repo: Repo, extra: () => void = () => undefined): void {
  const teams = [
    ...new Set(
      repo
        .read('seeds/games.csv')
        .split('\n')
        .slice(1)
        .flatMap(line => line.split(',').slice(3, 5))
        .filter(Boolean)
    )
  ].sort()
  repo.execute('CREATE SCHEMA landing')
  repo.execute('CREATE TABLE landing.team_info (team TEXT, conference TEXT)')
  repo.execute(
    `INSERT INTO landing.team_info VALUES ${teams.map((team, index) => `('${team}', '${index % 2 === 0 ? 'East' : 'West'}')`).join(', ')}`
  )
  repo.write('external_models.yaml', EXTERNAL_MODELS)
  repo.write('models/marts/team_conference.sql', TEAM_CONFERENCE)
  repo.write('watch.yaml', WATCH_YAML)
  extra()
  repo.commitAll('Watch the games and the team conferences')
  repo.buildProd(repo.env)
}

function seedTable(repo: Repo): string {
  const tables = repo.query(
    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'sqlmesh__raw' AND table_name LIKE 'raw__games__%'"
  )
  return `${firstValue(tables, 'table_schema')}.${firstValue(tables, 'table_name')}`
}

function insertGames(repo: Repo, games: readonly (readonly [number, string, string, string, number, number])[]): void {
  const values = games.map(
    ([id, date, home, away, hp, ap]) =>
      `(${id}, DATE '${date}', '2025-26', '${home}', '${away}', ${hp}, ${ap}, 'final')`
  )
  repo.execute(`INSERT INTO ${seedTable(repo)} VALUES ${values.join(', ')}`)
}

function count(repo: Repo, sql: string): number {
  return Number(repo.query(sql)[0]?.n)
}

function results(run: ActionRun): BackfillResult[] {
  return JSON.parse(run.outputs['backfill-results'] ?? '[]') as BackfillResult[]
}

function changedSources(run: ActionRun): ChangedSource[] {
  return JSON.parse(run.outputs['changed-sources'] ?? 'null') as ChangedSource[]
}

function fingerprints(repo: Repo): Record<string, unknown>[] {
  return repo.query(
    'SELECT source, bucket, row_count, content_hash FROM sqlmesh_action.watch_fingerprints ORDER BY source, bucket'
  )
}

/** Rows per day of the games seed, counted independently of the action. */
function gamesOn(repo: Repo, day: string): number {
  return count(repo, `SELECT COUNT(*) AS n FROM raw.games WHERE game_date = DATE '${day}'`)
}

/** Every downstream table of the games against an independent query on the source. */
function expectDownstreamMatchesSource(repo: Repo): void {
  const games = count(repo, 'SELECT COUNT(*) AS n FROM raw.games')
  expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_games')).toBe(games)
  expect(count(repo, 'SELECT COUNT(*) AS n FROM staging.stg_team_games')).toBe(2 * games)
  expect(count(repo, 'SELECT COUNT(*) AS n FROM features_dev.game_features')).toBe(2 * games)
  expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features')).toBe(games)
  // Points as the source has them, through every layer.
  const points = count(repo, 'SELECT SUM(home_points + away_points) AS n FROM raw.games')
  expect(count(repo, 'SELECT SUM(total_points) AS n FROM staging.stg_games')).toBe(points)
  expect(count(repo, 'SELECT SUM(points) AS n FROM features_dev.game_features')).toBe(points)
  expect(count(repo, 'SELECT SUM(home_points + away_points) AS n FROM marts.mart_game_features')).toBe(points)
  const independent = repo.query(
    'SELECT season, team, COUNT(*) AS games, SUM(CASE WHEN won THEN 1 ELSE 0 END) AS wins FROM (' +
      'SELECT season, home_team AS team, home_points > away_points AS won FROM raw.games UNION ALL ' +
      'SELECT season, away_team AS team, away_points > home_points AS won FROM raw.games) AS sides GROUP BY season, team ORDER BY season, team'
  )
  expect(repo.query('SELECT season, team, games, wins FROM marts.team_standings ORDER BY season, team')).toEqual(
    independent
  )
  expect(repo.query('SELECT season, team, wins FROM marts.team_conference ORDER BY season, team')).toEqual(
    independent.map(row => ({ season: row.season, team: row.team, wins: row.wins }))
  )
}

describe.each(GATEWAYS)('watch flow on %s', (gateway: Gateway) => {
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
    const repo = createProjectRepo({ prefix: 'watch-flow-', gateway })
    repos.push(repo)
    return repo
  }

  /** The nightly run: mode 'auto' on a schedule event. */
  function watch(repo: Repo, inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runAction({
      repoDir: repo.dir,
      eventName: 'schedule',
      payload: { schedule: '0 4 * * *', repository: { full_name: REPOSITORY } },
      inputs: { 'project-path': 'analytics', 'github-token': TOKEN, ...repo.actionInputs(), ...inputs },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    })
  }

  it('restates exactly the two days of March where late games arrived behind SQLMesh’s back, then nothing on the next night', async () => {
    const repo = newRepo()
    setUpProject(repo)

    const baseline = await watch(repo)
    expect(baseline.code).toBe(0)
    expect(baseline.summary).toContain('📌 Baseline recorded for 2 sources; nothing rebuilt')
    expect(results(baseline)).toEqual([])
    const recorded = fingerprints(repo)
    expect(new Set(recorded.map(row => row.source))).toEqual(new Set(['landing.team_info', 'raw.games']))
    expect(
      recorded.filter(row => row.source === 'raw.games').reduce((sum, row) => sum + Number(row.row_count), 0)
    ).toBe(count(repo, 'SELECT COUNT(*) AS n FROM raw.games'))

    const before = { march1: gamesOn(repo, '2026-03-01'), march2: gamesOn(repo, '2026-03-02') }
    insertGames(repo, LATE_GAMES)
    // SQLMesh fingerprints code only: it sees nothing to do, and prod stays stale.
    expect(repo.buildProd(repo.env)).toContain('No changes to plan')
    expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id > 99000')).toBe(0)

    const run = await watch(repo)
    expect(run.code).toBe(0)
    expect(changedSources(run)).toEqual([
      {
        source: 'raw.games',
        buckets: [
          {
            bucket: '2026-03-01',
            change: 'changed',
            rowsBefore: before.march1,
            rowsAfter: gamesOn(repo, '2026-03-01')
          },
          { bucket: '2026-03-02', change: 'changed', rowsBefore: before.march2, rowsAfter: gamesOn(repo, '2026-03-02') }
        ],
        range: { start: '2026-03-01', end: '2026-03-02' }
      }
    ])
    expect(gamesOn(repo, '2026-03-02') - before.march2).toBe(2)

    const byModel = new Map(results(run).map(result => [result.model, result]))
    expect([...byModel.keys()]).toEqual([
      'staging.stg_games',
      'staging.stg_team_games',
      'features_dev.game_features',
      'marts.mart_game_features',
      'marts.team_standings',
      'marts.team_conference'
    ])
    expect([...byModel.values()].every(result => result.status === 'rebuilt')).toBe(true)
    // The time-ranged models: only those two days.
    const twoDays = { start: Date.parse('2026-03-01T00:00:00Z'), end: Date.parse('2026-03-01T00:00:00Z') + 2 * DAY }
    expect(byModel.get('features_dev.game_features')?.interval).toEqual(twoDays)
    expect(byModel.get('marts.mart_game_features')?.interval).toEqual(twoDays)
    // The FULL models rebuild as SQLMesh rebuilds them: all of it.
    expect(byModel.get('staging.stg_games')?.note).toContain('widened')
    expect(byModel.get('marts.team_standings')?.note).toContain('widened')
    expect(byModel.get('staging.stg_games')).toMatchObject({
      rowsAfter: count(repo, 'SELECT COUNT(*) AS n FROM raw.games')
    })
    expectDownstreamMatchesSource(repo)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id > 99000')).toBe(3)
    expect(run.summary).toContain('## SQLMesh watch: source data changed')
    expect(run.summary).toContain('| `raw.games` | 🔄 changed |')
    expect(run.summary).toContain('2026-03-01 – 2026-03-02')
    // Recorded now that the rebuild succeeded.
    expect(fingerprints(repo)).not.toEqual(recorded)

    const again = await watch(repo)
    expect(again.code).toBe(0)
    expect(changedSources(again)).toEqual([])
    expect(results(again)).toEqual([])
    expect(again.summary).toContain(
      '✅ No watched source changed since the last recorded fingerprints (2 sources): nothing to rebuild.'
    )
  })

  it('catches a score corrected in place, a deleted game and a table without a time column; a dry run changes nothing', async () => {
    const repo = newRepo()
    setUpProject(repo)
    expect((await watch(repo)).code).toBe(0)
    const seed = seedTable(repo)
    const corrected = firstValue(
      repo.query("SELECT game_id FROM raw.games WHERE game_date = DATE '2026-02-10' ORDER BY game_id LIMIT 1"),
      'game_id'
    )
    const deleted = firstValue(
      repo.query("SELECT game_id FROM raw.games WHERE game_date = DATE '2026-02-12' ORDER BY game_id LIMIT 1"),
      'game_id'
    )
    const feb10 = gamesOn(repo, '2026-02-10')
    const feb12 = gamesOn(repo, '2026-02-12')
    repo.execute(`UPDATE ${seed} SET home_points = home_points + 7 WHERE game_id = ${corrected}`)
    repo.execute(`DELETE FROM ${seed} WHERE game_id = ${deleted}`)
    repo.execute("UPDATE landing.team_info SET conference = 'Central' WHERE team = 'BOS'")

    // A dry run says what would be rebuilt, and applies and records nothing.
    const state = fingerprints(repo)
    const intervals = count(repo, 'SELECT COUNT(*) AS n FROM sqlmesh._intervals')
    const dry = await watch(repo, { 'dry-run': 'true' })
    expect(dry.code).toBe(0)
    expect(results(dry).every(result => result.status === 'planned')).toBe(true)
    expect(changedSources(dry).map(source => source.source)).toEqual(['landing.team_info', 'raw.games'])
    expect(fingerprints(repo)).toEqual(state)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM sqlmesh._intervals')).toBe(intervals)
    expect(count(repo, "SELECT COUNT(*) AS n FROM marts.team_conference WHERE conference = 'Central'")).toBe(0)

    const run = await watch(repo)
    expect(run.code).toBe(0)
    const changed = new Map(changedSources(run).map(source => [source.source, source]))
    expect(changed.get('raw.games')?.buckets).toEqual([
      { bucket: '2026-02-10', change: 'changed', rowsBefore: feb10, rowsAfter: feb10 },
      { bucket: '2026-02-12', change: 'changed', rowsBefore: feb12, rowsAfter: feb12 - 1 }
    ])
    const teams = count(repo, 'SELECT COUNT(*) AS n FROM landing.team_info')
    expect(changed.get('landing.team_info')?.buckets).toEqual([
      { bucket: '*', change: 'changed', rowsBefore: teams, rowsAfter: teams }
    ])
    const features = results(run).filter(result => result.model === 'features_dev.game_features')
    expect(features.map(result => result.interval)).toContainEqual({
      start: Date.parse('2026-02-10T00:00:00Z'),
      end: Date.parse('2026-02-13T00:00:00Z')
    })
    expect(results(run).every(result => result.status === 'rebuilt' || result.status === 'skipped')).toBe(true)
    expect(count(repo, `SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id = ${deleted}`)).toBe(0)
    expect(count(repo, `SELECT home_points AS n FROM marts.mart_game_features WHERE game_id = ${corrected}`)).toBe(
      count(repo, `SELECT home_points AS n FROM raw.games WHERE game_id = ${corrected}`)
    )
    expect(
      count(repo, "SELECT COUNT(*) AS n FROM marts.team_conference WHERE team = 'BOS' AND conference = 'Central'")
    ).toBe(count(repo, "SELECT COUNT(*) AS n FROM marts.team_standings WHERE team = 'BOS'"))
    expectDownstreamMatchesSource(repo)
  })

  it('keeps the fingerprints when a rebuild fails mid-chain, retries on the next run, and records once it succeeds; one issue says so until then', async () => {
    const repo = newRepo()
    setUpProject(repo, () => {
      // A model that breaks on bad data: a team code that is not one.
      repo.write(
        'models/marts/team_code_check.sql',
        "MODEL (name marts.team_code_check, kind FULL, grain (game_id, team));\n\nSELECT game_id, team, CASE WHEN team = 'XX1' THEN CAST(team AS INT) ELSE 0 END AS checked FROM staging.stg_team_games\n"
      )
    })
    const issue = { 'watch-issue': 'true' }
    expect((await watch(repo, issue)).code).toBe(0)
    expect(server.issues()).toEqual([])
    const state = fingerprints(repo)
    insertGames(repo, [[99101, '2026-03-05', 'XX1', 'BOS', 100, 90]])

    const failed = await watch(repo, issue)
    expect(failed.code).toBe(1)
    const byModel = new Map(results(failed).map(result => [result.model, result]))
    expect(byModel.get('staging.stg_team_games')?.status).toBe('rebuilt')
    expect(byModel.get('marts.team_code_check')?.status).toBe('failed')
    expect(failed.stdout).toContain(
      '::warning::The restatement for raw.games did not succeed: their fingerprints are kept as they were, so the next run retries.'
    )
    expect(fingerprints(repo)).toEqual(state)
    const opened = server.issues().at(0)
    expect(opened).toMatchObject({
      title: 'SQLMesh watch: prod data is stale',
      state: 'open',
      user: { login: 'github-actions[bot]' }
    })
    expect(opened?.body.split('\n')[0]).toBe('<!-- sqlmesh-action:watch -->')
    expect(opened?.body).toContain('❌ Backfill failed')
    expect(opened?.body).toContain('**`marts.team_code_check` failed:**')

    // The same change is seen again on the next run, and fails again while the data is bad: the same issue, updated.
    const retried = await watch(repo, issue)
    expect(retried.code).toBe(1)
    expect(changedSources(retried).map(source => source.buckets.map(bucket => bucket.bucket))).toEqual([['2026-03-05']])
    expect(fingerprints(repo)).toEqual(state)
    expect(server.issues().map(item => [item.number, item.state])).toEqual([[opened?.number, 'open']])

    // The loader fixes the team code: the next run rebuilds the same day and records.
    repo.execute(`UPDATE ${seedTable(repo)} SET home_team = 'NYK' WHERE game_id = 99101`)
    const fixed = await watch(repo, issue)
    expect(fixed.code).toBe(0)
    // Nothing is stale any more: the issue is closed with the report that cleared it.
    expect(server.issues()).toHaveLength(1)
    expect(server.issues()[0]).toMatchObject({ number: opened?.number, state: 'closed' })
    expect(server.issues()[0]?.body).toContain('✅ 7 models rebuilt from 2026-03-05 to 2026-03-05')
    expect(changedSources(fixed)[0]?.range).toEqual({ start: '2026-03-05', end: '2026-03-05' })
    expect(results(fixed).every(result => result.status === 'rebuilt')).toBe(true)
    expect(count(repo, 'SELECT COUNT(*) AS n FROM marts.team_code_check WHERE game_id = 99101')).toBe(2)
    expectDownstreamMatchesSource(repo)
    expect(fingerprints(repo)).not.toEqual(state)
    const quiet = await watch(repo, issue)
    expect(changedSources(quiet)).toEqual([])
    expect(server.issues().map(item => item.state)).toEqual(['closed'])
  })

  it('finds a physical table dropped by hand and a table made by hand in place of a view, changes nothing, and its repairs work', async () => {
    const repo = newRepo()
    setUpProject(repo)
    const physical = repo.query(
      "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'sqlmesh__marts' AND table_name LIKE 'marts__team_standings__%'"
    )
    const physicalSchema = firstValue(physical, 'table_schema')
    const physicalName = firstValue(physical, 'table_name')
    // PostgreSQL will not drop a table a view reads without CASCADE, which drops prod's view of it too.
    repo.execute(`DROP TABLE ${physicalSchema}.${physicalName}${gateway === 'postgres' ? ' CASCADE' : ''}`)
    repo.execute('DROP VIEW marts.mart_game_features')
    repo.execute('CREATE TABLE marts.mart_game_features AS SELECT 1 AS made_by_hand')

    const run = await watch(repo)
    expect(run.code).toBe(1)
    expect(run.summary).toContain(
      "❌ 2 of 7 models are not as SQLMesh's state says (changed outside SQLMesh). Nothing was changed"
    )
    expect(run.summary).toContain('| `marts.team_standings` | the physical table ')
    expect(run.summary).toContain(
      '`sqlmesh plan prod --restate-model "marts.team_standings" (SQLMesh creates the table again and rebuilds it)`'
    )
    expect(run.stdout).toMatch(
      /::error title=SQLMesh state::marts\.mart_game_features: .*mart_game_features is a table made outside SQLMesh/
    )
    // Nothing was changed by the check.
    expect(repo.query('SELECT made_by_hand FROM marts.mart_game_features')).toEqual([{ made_by_hand: 1 }])
    expect(
      count(repo, `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = '${physicalName}'`)
    ).toBe(0)

    // The repairs the report gives, run as given.
    repo.sqlmesh(
      [
        ...repo.gatewayArgs(),
        'plan',
        'prod',
        '--restate-model',
        'marts.team_standings',
        '--auto-apply',
        '--no-prompts'
      ],
      repo.env
    )
    const repair =
      /`DROP TABLE (\S+) \(after saving what it holds, if needed\), then (CREATE OR REPLACE VIEW \S+ AS SELECT \* FROM \S+)`/.exec(
        run.summary
      )
    expect(repair).not.toBeNull()
    repo.execute(`DROP TABLE ${repair?.[1]}`)
    repo.execute(repair?.[2] as string)
    let repaired = await watch(repo)
    if (gateway === 'postgres') {
      // The CASCADE took prod's view of team_standings too, and a restatement does not re-create views: the next
      // run says so, with the SQL that does.
      expect(repaired.code).toBe(1)
      const view =
        /\| `marts\.team_standings` \| \S+ does not exist: prod has no view of this model \| `(CREATE OR REPLACE VIEW \S+ AS SELECT \* FROM \S+)` \|/.exec(
          repaired.summary
        )
      expect(view).not.toBeNull()
      repo.execute(view?.[1] as string)
      repaired = await watch(repo)
    }
    expect(repaired.code).toBe(0)
    expect(repaired.summary).toContain(
      "✅ 7 models checked: each physical table exists and `prod`'s views point to them."
    )
    expectDownstreamMatchesSource(repo)
  })
})

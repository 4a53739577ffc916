// The demo: a data team's repository with the basketball project, prod built on DuckDB, a pull request that drops
// postponed games from the staging model, and the bundled action answering it against a local GitHub API server.
// Then late games land in the raw table behind SQLMesh's back, the pull request merges, and the action deploys and
// backfills the affected chain from 2026-01-01. Then the nightly watch records its baseline, a late game arrives, and
// the next night's watch finds that day and rebuilds only it. Prints the comments and the watch report, and writes
// them to .demo/.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createProjectRepo, pullRequestPayload, ROOT, runAction } from '../support/scenario.mjs'
import { startGitHubServer } from '../support/github-server.mjs'

const REPOSITORY = 'acme/hoops'
const TOKEN = 'ghs_demo_token'
const say = message => console.log(`\n▶ ${message}`)

const repo = createProjectRepo({ prefix: 'sqlmesh-action-demo-' })
const server = await startGitHubServer({ owner: 'acme', repo: 'hoops', tokens: { [TOKEN]: 'github-actions[bot]' } })
try {
  say(`Repository ${repo.dir}: building prod with SQLMesh on DuckDB`)
  repo.buildProd()
  const base = repo.head()

  say("Pull request #1: staging.stg_games drops postponed games (WHERE status = 'final')")
  repo.git(['checkout', '-q', '-b', 'drop-postponed-games'])
  const model = repo.read('models/staging/stg_games.sql')
  repo.write('models/staging/stg_games.sql', model.replace('FROM raw.games', "FROM raw.games\nWHERE status = 'final'"))
  const head = repo.commitAll('Drop postponed games from staging')
  server.addPullRequest({
    number: 1,
    title: 'Drop postponed games',
    head: { ref: 'drop-postponed-games', sha: head },
    base: { ref: 'main', sha: base }
  })

  say('Running dist/index.js as the runner would (pull_request: opened)')
  const run = await runAction({
    repoDir: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestPayload({
      number: 1,
      baseSha: base,
      headSha: head,
      headRef: 'drop-postponed-games',
      repository: REPOSITORY
    }),
    inputs: { 'project-path': 'analytics', 'github-token': TOKEN, 'environment-start': '2026-01-01' },
    apiUrl: server.url,
    repository: REPOSITORY
  })
  if (run.code !== 0) {
    console.error(run.stdout, run.stderr)
    throw new Error(`The action failed (exit ${run.code})`)
  }
  const comment = server.comments(1)[0]
  say(`The action finished in ${run.seconds.toFixed(1)}s and posted this comment on pull request #1:\n`)
  console.log(comment.body)
  const out = join(ROOT, '.demo')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'comment.md'), comment.body)
  say(`Written to ${join(out, 'comment.md')}`)

  say("Meanwhile the league re-sends two March games: they land in the raw table behind SQLMesh's back")
  repo.git(['checkout', '-q', 'main'])
  const [table] = repo.query(
    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'sqlmesh__raw'"
  )
  if (typeof table.table_schema !== 'string' || typeof table.table_name !== 'string')
    throw new Error('The raw table has no schema and name in information_schema')
  const rawTable = `${table.table_schema}.${table.table_name}`
  repo.execute(
    `INSERT INTO ${rawTable} VALUES ` +
      "(99001, DATE '2026-03-01', '2025-26', 'BOS', 'NYK', 110, 100, 'final'), (99002, DATE '2026-03-02', '2025-26', 'LAL', 'GSW', 101, 99, 'final')"
  )
  console.log(
    `  prod's staging.stg_games still has ${Number(repo.query('SELECT COUNT(*) AS n FROM staging.stg_games')[0].n)} games; sqlmesh plan prod says: ${
      repo
        .buildProd()
        .trim()
        .split('\n')
        .find(line => line.includes('No changes')) ?? 'changes'
    }`
  )

  say('Pull request #1 merges into main; the push runs the action again (merge flow, backfill-start 2026-01-01)')
  repo.git(['merge', '-q', '--no-ff', '-m', 'Merge pull request #1', 'drop-postponed-games'])
  const merge = repo.head()
  server.associateCommit(merge, [1])
  const merged = await runAction({
    repoDir: repo.dir,
    eventName: 'push',
    payload: { ref: 'refs/heads/main', before: base, after: merge, repository: { full_name: REPOSITORY } },
    inputs: { 'project-path': 'analytics', 'github-token': TOKEN, 'backfill-start': '2026-01-01' },
    apiUrl: server.url,
    repository: REPOSITORY
  })
  if (merged.code !== 0) {
    console.error(merged.stdout, merged.stderr)
    throw new Error(`The merge run failed (exit ${merged.code})`)
  }
  const report = server.comments(1).find(posted => posted.body.startsWith('<!-- sqlmesh-action:backfill -->'))
  say(`The merge run finished in ${merged.seconds.toFixed(1)}s and posted this on the merged pull request:\n`)
  console.log(report.body)
  console.log(
    `\n  prod's staging.stg_games now has ${Number(repo.query('SELECT COUNT(*) AS n FROM staging.stg_games')[0].n)} games (postponed ones dropped, late ones in)`
  )
  writeFileSync(join(out, 'backfill.md'), report.body)
  say(`Written to ${join(out, 'backfill.md')}`)

  const nightly = async () => {
    const watched = await runAction({
      repoDir: repo.dir,
      eventName: 'schedule',
      payload: { schedule: '0 4 * * *', repository: { full_name: REPOSITORY } },
      inputs: { 'project-path': 'analytics', 'github-token': TOKEN },
      apiUrl: server.url,
      repository: REPOSITORY
    })
    if (watched.code !== 0) {
      console.error(watched.stdout, watched.stderr)
      throw new Error(`The watch run failed (exit ${watched.code})`)
    }
    return watched
  }
  say(
    'The nightly watch runs for the first time (schedule): it fingerprints raw.games per day (watch.yaml) and records a baseline'
  )
  const first = await nightly()
  console.log(`  ${first.summary.split('\n').find(line => line.startsWith('**'))}`)

  say("A late game arrives: the 2026-03-10 game DEN–UTA lands in the raw table, behind SQLMesh's back")
  repo.execute(`INSERT INTO ${rawTable} VALUES (99010, DATE '2026-03-10', '2025-26', 'DEN', 'UTA', 120, 111, 'final')`)
  console.log(
    `  sqlmesh plan prod says: ${
      repo
        .buildProd()
        .trim()
        .split('\n')
        .find(line => line.includes('No changes')) ?? 'changes'
    }`
  )

  say('The next night the watch finds the changed day and restates only it')
  const second = await nightly()
  console.log(second.summary)
  const features = JSON.parse(second.outputs['backfill-results']).find(
    row => row.model === 'features_dev.game_features'
  )
  console.log(
    `  features_dev.game_features restated from ${new Date(features.interval.start).toISOString().slice(0, 10)} to ${new Date(features.interval.end).toISOString().slice(0, 10)} (exclusive); the late game is in the mart: ${Number(repo.query('SELECT COUNT(*) AS n FROM marts.mart_game_features WHERE game_id = 99010')[0].n)} row`
  )
  writeFileSync(join(out, 'watch.md'), second.summary)
  say(`Written to ${join(out, 'watch.md')}`)
} finally {
  await server.close()
  repo.remove()
}

// The demo: a data team's repository with the basketball project, prod built on DuckDB, a pull request that drops
// postponed games from the staging model, and the bundled action answering it against a local GitHub API server.
// Prints the comment the action posted and writes it to .demo/comment.md.

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

  say('Pull request #1: staging.stg_games drops postponed games (WHERE status = \'final\')')
  repo.git(['checkout', '-q', '-b', 'drop-postponed-games'])
  const model = repo.read('models/staging/stg_games.sql')
  repo.write('models/staging/stg_games.sql', model.replace('FROM raw.games', "FROM raw.games\nWHERE status = 'final'"))
  const head = repo.commitAll('Drop postponed games from staging')
  server.addPullRequest({ number: 1, title: 'Drop postponed games', head: { ref: 'drop-postponed-games', sha: head }, base: { ref: 'main', sha: base } })

  say('Running dist/index.js as the runner would (pull_request: opened)')
  const run = await runAction({
    repoDir: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestPayload({ number: 1, baseSha: base, headSha: head, headRef: 'drop-postponed-games', repository: REPOSITORY }),
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
} finally {
  await server.close()
  repo.remove()
}

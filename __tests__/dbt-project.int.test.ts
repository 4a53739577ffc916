// A dbt project loaded by SQLMesh (examples/dbt_shop), diffed by the bundled action on DuckDB: the dbt incremental
// model (which SQLMesh makes forward-only) is compared through its preview, a model without a grain as whole rows,
// and the advice speaks dbt. Every count is checked against an independent SQL query.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createProjectRepo, pullRequestPayload, runAction, type ActionRun, type Repo } from '../support/scenario.mjs'
import { summaryRow } from './fixtures/comment.js'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { tearDown } from './fixtures/scenario.js'

const REPOSITORY = 'acme/dbt-shop'
const TOKEN = 'ghs_dbt_token'

describe('a dbt project loaded by SQLMesh, on duckdb', () => {
  let repo: Repo
  let server: GitHubServer
  let run: ActionRun
  let body: string
  const n = (sql: string): number => Number(repo.query(sql)[0]?.n)

  beforeAll(async () => {
    server = await startGitHubServer({ owner: 'acme', repo: 'dbt-shop', tokens: { [TOKEN]: 'github-actions[bot]' } })
    repo = createProjectRepo({ prefix: 'dbt-', example: 'dbt_shop', duckdbFile: 'dbt_shop.duckdb' })
    repo.buildProd()
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', 'pr-31'])
    repo.write(
      'models/staging/stg_orders.sql',
      repo
        .read('models/staging/stg_orders.sql')
        .replace("from {{ ref('raw_orders') }}", "from {{ ref('raw_orders') }}\nwhere customer_id <> 7")
    )
    const head = repo.commitAll('Drop customer 7')
    server.addPullRequest({ number: 31, head: { ref: 'pr-31', sha: head }, base: { ref: 'main', sha: base } })
    run = await runAction({
      repoDir: repo.dir,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: 31, baseSha: base, headSha: head, repository: REPOSITORY }),
      inputs: { 'project-path': 'analytics', 'github-token': TOKEN, 'environment-start': '2025-03-01' },
      apiUrl: server.url,
      repository: REPOSITORY
    })
    body = server.comments(31)[0]?.body ?? ''
  })

  afterAll(() => tearDown({ server, repo }))

  it('diffs every affected model and says so', () => {
    expect(run.code).toBe(0)
    expect(body).toMatch(/\*\*⚠️ `main\.stg_orders`: \d+ rows removed · .* · 4 of 4 affected models compared/)
  })

  it('counts the removed orders as an independent query does', () => {
    expect(summaryRow(body, 'main.stg_orders')[1]).toBe(
      String(n('SELECT COUNT(*) AS n FROM main.stg_orders WHERE customer_id = 7'))
    )
  })

  it('compares the incremental model through its forward-only preview', () => {
    const row = summaryRow(body, 'main.order_facts')
    expect(row[1]).toBe(String(n('SELECT COUNT(*) AS n FROM main.order_facts WHERE customer_id = 7')))
    expect(row[4]).toContain('forward-only preview')
  })

  it('compares the model without a grain as whole rows and advises config(grain=...)', () => {
    const removed = n(
      'SELECT COUNT(*) AS n FROM (SELECT * FROM main.customer_revenue EXCEPT ALL SELECT * FROM main__pr_31.customer_revenue) AS d'
    )
    const row = summaryRow(body, 'main.customer_revenue')
    expect([row[1], row[3]]).toEqual([String(removed), 'n/a'])
    expect(row[4]).toMatch(/ rows · all rows · whole rows \(no grain\)$/)
    expect(body).toContain('`config(grain=[...])` in the dbt model')
  })
})

// The verdict never lies, on a project shaped like real ones (examples/shop): an embedded model, a model without a
// grain, a wrong grain, a grain that is not unique, a self-referencing running total and a forward-only model. Every
// count the comment shows is checked against an independent SQL query on the same tables, on DuckDB and PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createProjectRepo,
  GATEWAYS,
  pullRequestPayload,
  runAction,
  runPullRequest,
  type ActionRun,
  type Gateway,
  type Repo
} from '../support/scenario.mjs'
import { summaryRow, verdictLine } from './fixtures/comment.js'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { tearDown } from './fixtures/scenario.js'

const REPOSITORY = 'acme/shop'
const TOKEN = 'ghs_verdict_token'
const WINDOW_START = '2025-03-01'
const ODD = 'marts."rev|by(day)*"'

interface DiffResult {
  model: string
  status: string
  coverage: string
  method?: string
  reason?: string
  rows?: { prod: number; pr: number; onlyInProd: number; onlyInPr: number; changed: number | null }
  grainProblem?: { kind: string } | null
}

describe.each(GATEWAYS)('the verdict on the shop project on %s', (gateway: Gateway) => {
  let repo: Repo
  let server: GitHubServer
  let base: string
  const n = (sql: string): number => Number(repo.query(sql)[0]?.n)
  /** Rows of one table not matched, as a multiset, by the other (EXCEPT ALL): the independent whole-row count. */
  const onlyIn = (a: string, b: string): number =>
    n(`SELECT COUNT(*) AS n FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) AS d`)

  beforeAll(async () => {
    server = await startGitHubServer({ owner: 'acme', repo: 'shop', tokens: { [TOKEN]: 'github-actions[bot]' } })
    repo = createProjectRepo({ prefix: `verdict-${gateway}-`, gateway, example: 'shop', duckdbFile: 'shop.duckdb' })
    // A model whose quoted name holds selector characters: it must be diffed by name, never parsed as a selector.
    repo.write(
      'models/marts/odd_name.sql',
      `MODEL (name ${ODD}, kind FULL, grain order_id);\nSELECT order_id, amount FROM staging.stg_orders\n`
    )
    repo.commitAll('A model with an awkward name')
    repo.buildProd(repo.env)
    base = repo.head()
  })

  afterAll(() => tearDown({ server, repo }))

  async function pullRequest(
    number: number,
    inputs: Record<string, string> = {},
    action = 'opened'
  ): Promise<{ run: ActionRun; body: string }> {
    const defaults = { 'project-path': 'analytics', 'github-token': TOKEN, 'environment-start': WINDOW_START }
    const run = await runPullRequest({
      repo,
      server,
      number,
      base,
      action,
      repository: REPOSITORY,
      inputs: { ...defaults, ...inputs }
    })
    return { run, body: server.comments(number)[0]?.body ?? '' }
  }

  describe('a change that drops one customer, under fail-on any-diff', () => {
    let run: ActionRun
    let body: string
    let results: DiffResult[]
    const result = (model: string): DiffResult => results.find(entry => entry.model === model) as DiffResult

    beforeAll(async () => {
      repo.git(['checkout', '-q', '-b', 'pr-21', 'main'])
      repo.write(
        'models/staging/stg_orders.sql',
        repo.read('models/staging/stg_orders.sql').replace('FROM raw.orders', 'FROM raw.orders\nWHERE customer_id <> 7')
      )
      repo.commitAll('Drop customer 7')
      ;({ run, body } = await pullRequest(21, { 'fail-on': 'any-diff' }))
      results = JSON.parse(run.outputs['diff-results'] ?? '[]') as DiffResult[]
    })

    it('fails the job after posting a comment whose headline counts what was compared', () => {
      expect(run.code).toBe(1)
      expect(verdictLine(body)).toMatch(/^\*\*❌ /)
      expect(verdictLine(body)).toContain('8 of 8 affected models compared')
      expect(verdictLine(body)).not.toContain('not compared')
    })

    it('counts the removed orders of the changed model, as an independent query does', () => {
      const removed = n('SELECT COUNT(*) AS n FROM staging.stg_orders WHERE customer_id = 7')
      expect(removed).toBeGreaterThan(0)
      expect(summaryRow(body, 'staging.stg_orders')[1]).toBe(String(removed))
      expect(result('staging.stg_orders').rows?.onlyInProd).toBe(removed)
    })

    it('shows the embedded model as compared through its children, never as not compared', () => {
      expect(summaryRow(body, 'staging.paid_orders')[4]).toBe('embedded: compared through its children')
      expect(result('staging.paid_orders').coverage).toBe('not-needed')
      expect(body).toContain('dashed: embedded')
    })

    it('compares the model without a grain as whole rows, with counts equal to EXCEPT ALL', () => {
      const row = summaryRow(body, 'marts.customer_revenue')
      const removed = onlyIn('marts.customer_revenue', 'marts__pr_21.customer_revenue')
      const added = onlyIn('marts__pr_21.customer_revenue', 'marts.customer_revenue')
      expect(removed).toBeGreaterThan(0)
      expect([row[1], row[2], row[3]]).toEqual([String(removed), String(added), 'n/a'])
      expect(row[4]).toMatch(/ rows · all rows · whole rows \(no grain\)$/)
      expect(result('marts.customer_revenue')).toMatchObject({
        status: 'diffed',
        method: 'whole-rows',
        coverage: 'compared'
      })
    })

    it('catches the grain naming a missing column, names the columns the model has, and compares whole rows', () => {
      expect(summaryRow(body, 'marts.wrong_grain')[4]).toMatch(
        / rows · all rows · whole rows \(grain column missing\)$/
      )
      expect(summaryRow(body, 'marts.wrong_grain')[1]).toBe(
        String(onlyIn('marts.wrong_grain', 'marts__pr_21.wrong_grain'))
      )
      expect(body).toContain(
        'its grain `customer_key` names a column it does not have (`customer_key`); its columns are `customer_id`'
      )
      expect(body).toContain('`grain (...)` in its MODEL block')
      expect(body).not.toContain('Values list')
    })

    it('names a grain that is not unique with its number of duplicate keys', () => {
      const duplicates = n(
        'SELECT COUNT(*) AS n FROM (SELECT customer_id FROM marts.dup_grain GROUP BY customer_id HAVING COUNT(*) > 1) AS d'
      )
      expect(duplicates).toBeGreaterThan(0)
      expect(summaryRow(body, 'marts.dup_grain')[4]).toMatch(/ rows · all rows · whole rows \(grain not unique\)$/)
      expect(body).toContain(`its grain \`customer_id\` is not unique: ${duplicates} duplicate keys in prod`)
    })

    it('previews the forward-only model over the window and counts its removed orders there', () => {
      const removed = n(
        `SELECT COUNT(*) AS n FROM marts.order_facts WHERE customer_id = 7 AND order_date >= '${WINDOW_START}'`
      )
      expect(removed).toBeGreaterThan(0)
      const row = summaryRow(body, 'marts.order_facts')
      expect(row[1]).toBe(String(removed))
      expect(row[4]).toMatch(/ rows · 2025-03-01 – .* · forward-only preview$/)
    })

    it('rebuilds the self-referencing total from its start, so its changed rows are the days the change moves', () => {
      const changed = n(
        'SELECT COUNT(*) AS n FROM marts.running_revenue AS p JOIN marts__pr_21.running_revenue AS q ON p.order_date = q.order_date WHERE p.lifetime_revenue <> q.lifetime_revenue'
      )
      const row = summaryRow(body, 'marts.running_revenue')
      expect(row[3]).toBe(String(changed))
      expect(row[4]).toContain('rebuilt from its start')
    })

    it('diffs a model whose quoted name holds selector characters', () => {
      const removed = n(
        `SELECT COUNT(*) AS n FROM ${ODD} WHERE order_id IN (SELECT order_id FROM staging.stg_orders WHERE customer_id = 7)`
      )
      expect(summaryRow(body, ODD)[1] ?? '').toBe(String(removed))
      expect(body).not.toContain('R_PAREN')
    })

    // Diffs run side by side in worker processes forked from the bridge: on PostgreSQL each opens its own connection,
    // on DuckDB each attaches the file read only while the bridge has closed its own. The numbers are those of one by one.
    it('gives the same results with diffs side by side as one at a time', async () => {
      expect(run.stdout).toContain('table diffs run 4 at a time')
      const two = await pullRequest(21, { 'fail-on': 'any-diff', 'diff-concurrency': '2' }, 'synchronize')
      const one = await pullRequest(21, { 'fail-on': 'any-diff', 'diff-concurrency': '1' }, 'synchronize')
      expect(two.run.stdout).toContain('table diffs run 2 at a time')
      // PostgreSQL forks workers for any batch; DuckDB (whose workers each attach the file again) from 40 diffs on.
      if (gateway === 'postgres')
        expect(two.run.stdout).toContain('Table diffs run in 2 worker processes, each with its own connection')
      else expect(two.run.stdout).toContain('Table diffs run one at a time on DuckDB below 40 in a batch')
      expect(one.run.stdout).toContain('table diffs run 1 at a time')
      const twoResults = JSON.parse(two.run.outputs['diff-results'] ?? '[]') as DiffResult[]
      expect(twoResults).toEqual(JSON.parse(one.run.outputs['diff-results'] ?? '[]'))
      // The first run (opened, 4 workers) against these (synchronize): the same numbers per model.
      const numbers = (list: DiffResult[]): unknown[] =>
        list.map(({ model, status, coverage, method, rows }) => ({ model, status, coverage, method, rows }))
      expect(numbers(twoResults)).toEqual(numbers(results))
      expect(twoResults.find(entry => entry.model === 'staging.stg_orders')?.rows?.onlyInProd).toBe(
        n('SELECT COUNT(*) AS n FROM staging.stg_orders WHERE customer_id = 7')
      )
    })
  })

  describe('a no-op edit of the self-referencing model', () => {
    it('reports no difference and passes fail-on any-diff', async () => {
      repo.git(['checkout', '-q', '-b', 'pr-22', 'main'])
      const model = repo.read('models/marts/running_revenue.sql')
      const swapped = model.replace(
        /COALESCE\(([\s\S]*?)\n {6}0\n {4}\) \+ (SUM\(daily\.revenue\) OVER \(ORDER BY daily\.order_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW\))/,
        '$2 + COALESCE($1\n      0\n    )'
      )
      expect(swapped).not.toBe(model)
      repo.write('models/marts/running_revenue.sql', swapped)
      repo.commitAll('Swap the terms of the running total')
      const { run, body } = await pullRequest(22, { 'fail-on': 'any-diff' })
      expect(run.code).toBe(0)
      expect(verdictLine(body)).toMatch(/^\*\*✅ `marts\.running_revenue`: no row differs/)
      const row = summaryRow(body, 'marts.running_revenue')
      expect([row[1], row[2], row[3]]).toEqual(['0', '0', '0'])
      expect(row[4]).toMatch(
        new RegExp(
          `^${n('SELECT COUNT(*) AS n FROM marts.running_revenue')} → ${n('SELECT COUNT(*) AS n FROM marts__pr_22.running_revenue')} rows · `
        )
      )
    })
  })

  describe('models left out by diff-scope, under a gate', () => {
    beforeAll(() => {
      repo.git(['checkout', '-q', '-b', 'pr-23', 'main'])
      repo.write(
        'models/staging/stg_orders.sql',
        repo
          .read('models/staging/stg_orders.sql')
          .replace('FROM raw.orders', "FROM raw.orders\nWHERE status <> 'cancelled'")
      )
      repo.commitAll('Drop cancelled orders')
    })

    it("fail closed under on-uncompared 'fail' (the default), naming them", async () => {
      const { run, body } = await pullRequest(23, { 'fail-on': 'schema-change', 'diff-scope': 'changed' })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(
        /::error title=SQLMesh diff::Not compared \(on-uncompared 'fail'\): [^\n]*marts\.customer_revenue/
      )
      expect(verdictLine(body)).toMatch(
        /^\*\*❌ .*1 of 8 affected models compared; not compared: `[^`]+` \(diff-scope 'changed'\)/
      )
      expect(summaryRow(body, 'marts.daily_revenue')[4]).toBe('⚠️ not compared (diff-scope)')
    })

    it("pass with a warning under on-uncompared 'warn', and never read as no difference", async () => {
      const { run, body } = await pullRequest(
        23,
        { 'fail-on': 'schema-change', 'diff-scope': 'changed', 'on-uncompared': 'warn' },
        'synchronize'
      )
      expect(run.code).toBe(0)
      expect(verdictLine(body)).toMatch(/^\*\*⚠️ /)
      expect(run.stdout).toContain('::warning title=Not compared (gate)::marts.daily_revenue was not compared')
      const results = JSON.parse(run.outputs['diff-results'] ?? '[]') as DiffResult[]
      expect(results.find(entry => entry.model === 'marts.daily_revenue')).toMatchObject({
        status: 'not-diffed',
        coverage: 'not-compared'
      })
    })
  })

  describe('a project that turns previews off', () => {
    it('names the forward-only model as not previewed, and the gate fails closed on it', async () => {
      repo.git(['checkout', '-q', '-b', 'pr-25', 'main'])
      repo.write('config.yaml', `${repo.read('config.yaml')}\nplan:\n  enable_preview: false\n`)
      repo.write(
        'models/marts/order_facts.sql',
        repo
          .read('models/marts/order_facts.sql')
          .replace("status = 'paid' AS is_paid", "status IN ('paid', 'refunded') AS is_paid")
      )
      repo.commitAll('Count refunds as paid, previews off')
      const { run, body } = await pullRequest(25, { 'fail-on': 'removed-rows' })
      expect(n('SELECT COUNT(*) AS n FROM marts__pr_25.order_facts')).toBe(0)
      expect(run.code).toBe(1)
      expect(summaryRow(body, 'marts.order_facts')[4]).toBe('⚠️ not compared: forward-only, not previewed')
      expect(verdictLine(body)).toContain(
        '0 of 1 affected model compared; not compared: `marts.order_facts` (forward-only, not previewed)'
      )
      expect(body).toContain('Forward-only: not previewed; on merge it applies to new intervals only.')
      expect(run.stdout).toContain(
        "::error title=SQLMesh diff::Not compared (on-uncompared 'fail'): marts.order_facts."
      )
      const results = JSON.parse(run.outputs['diff-results'] ?? '[]') as DiffResult[]
      expect(results).toEqual([
        expect.objectContaining({
          model: 'marts.order_facts',
          status: 'not-diffed',
          reason: 'forward-only',
          coverage: 'not-compared'
        })
      ])
    })
  })

  describe('the code under review', () => {
    it('refuses a working tree that is not the pull request head, naming both commits and the checkout fix', async () => {
      repo.git(['checkout', '-q', '-b', 'pr-24', 'main'])
      repo.write('models/staging/stg_orders.sql', `-- touched\n${repo.read('models/staging/stg_orders.sql')}`)
      const head = repo.commitAll('Touch')
      repo.git(['checkout', '-q', 'main'])
      server.addPullRequest({ number: 24, head: { ref: 'pr-24', sha: head }, base: { ref: 'main', sha: base } })
      const run = await runAction({
        repoDir: repo.dir,
        eventName: 'pull_request_target',
        payload: pullRequestPayload({ number: 24, baseSha: base, headSha: head, repository: REPOSITORY }),
        inputs: { 'project-path': 'analytics', 'github-token': TOKEN, ...repo.actionInputs() },
        apiUrl: server.url,
        repository: REPOSITORY,
        env: repo.env
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        `The working tree is at commit ${base.slice(0, 12)}, which is neither pull request #24's head commit ${head.slice(0, 12)}`
      )
      expect(run.stdout).toContain('ref: ${{ github.event.pull_request.head.sha }}')
      expect(server.comments(24)[0]?.body ?? '').not.toContain('✅')
    })
  })

  describe('where SQLMesh runs', () => {
    it('names the state it read when prod is missing there, and builds nothing', async () => {
      if (gateway !== 'duckdb') return // a relative path matters only for a file database
      repo.git(['checkout', '-q', 'pr-21'])
      const head = repo.head()
      server.addPullRequest({ number: 26, head: { ref: 'pr-21', sha: head }, base: { ref: 'main', sha: base } })
      const run = await runAction({
        repoDir: repo.dir,
        eventName: 'pull_request',
        payload: pullRequestPayload({ number: 26, baseSha: base, headSha: head, repository: REPOSITORY }),
        // Run SQLMesh from the repository root: the config's relative `shop.duckdb` then opens a new, empty file there.
        inputs: {
          'project-path': 'analytics',
          'github-token': TOKEN,
          'working-directory': '.',
          ...repo.actionInputs()
        },
        apiUrl: server.url,
        repository: REPOSITORY,
        env: repo.env
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        `Environment 'prod' does not exist in the SQLMesh state the action read (gateway 'duckdb', duckdb database ${repo.dir}/shop.duckdb; SQLMesh ran in ${repo.dir}).`
      )
      expect(run.stdout).not.toContain('Plan and apply environment')
    })
  })
  describe('a table diff that fails', () => {
    // PostgreSQL's json type has no equality operator, so SQLMesh's keyed diff cannot compare the column: a real failure.
    it('is named as not compared, never reads as no difference, and fails the gate closed', async () => {
      if (gateway !== 'postgres') return
      repo.git(['checkout', '-q', 'main'])
      repo.write(
        'models/marts/order_payloads.sql',
        'MODEL (name marts.order_payloads, kind FULL, grain order_id);\nSELECT order_id, CAST(\'{"v": 1}\' AS JSON) AS payload FROM staging.stg_orders\n'
      )
      repo.commitAll('Order payloads')
      repo.buildProd(repo.env)
      base = repo.head()
      repo.git(['checkout', '-q', '-b', 'pr-27'])
      repo.write(
        'models/marts/order_payloads.sql',
        repo.read('models/marts/order_payloads.sql').replace('"v": 1', '"v": 2')
      )
      repo.commitAll('Payload v2')
      const { run, body } = await pullRequest(27, { 'fail-on': 'schema-change' })
      expect(run.code).toBe(1)
      expect(summaryRow(body, 'marts.order_payloads')[4]).toBe('❌ not compared: diff failed')
      expect(verdictLine(body)).toMatch(
        /^\*\*❌ `marts\.order_payloads`: \(❌ not compared: diff failed\) · 0 of 1 affected model compared; not compared: `marts\.order_payloads` \(diff failed\)\*\*$/
      )
      expect(run.stdout).toContain(
        '::error title=SQLMesh diff::Table diff failed, so the gate cannot vouch for: marts.order_payloads.'
      )
      const results = JSON.parse(run.outputs['diff-results'] ?? '[]') as DiffResult[]
      expect(results).toEqual([
        expect.objectContaining({
          model: 'marts.order_payloads',
          status: 'not-diffed',
          reason: 'error',
          coverage: 'failed'
        })
      ])
      const relaxed = await pullRequest(27, { 'fail-on': 'never' }, 'synchronize')
      expect(relaxed.run.code).toBe(0)
      expect(verdictLine(relaxed.body)).toMatch(/^\*\*⚠️ /)
    })
  })
})

// Part 6 (issue 11, watch mode): the cost of fingerprinting a source, and the rows watch rebuilds after two changed
// days out of a year against a restatement of the same chain from the start date. Both measured in one run.

import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Repo, runAction } from '../../support/scenario.mjs'
import { BENCH_DIR, PROJECT_SUBDIR, PYTHON } from './repo.mjs'

const DAY = 86_400_000
const SOURCE = 'landing.events'
const USERS = 50

/**
 * bench/watch_fingerprint.py on `rows` rows: COUNT(*), a full scan reading every value as text, and the fingerprint.
 * @param {{ rows: number, runs: number }} options
 */
export function benchFingerprint({ rows, runs }) {
  const script = join(BENCH_DIR, 'watch_fingerprint.py')
  const text = execFileSync(PYTHON, [script, String(rows), '--runs', String(runs), '--json'], { encoding: 'utf8' })
  return JSON.parse(text.trim().split('\n').pop() ?? '{}')
}

const isoDay = ms => new Date(ms).toISOString().slice(0, 10)

/** The year of days the source holds: 365 days ending yesterday (UTC), so that prod's backfill covers exactly them. */
function year() {
  const today = Math.floor(Date.now() / DAY) * DAY
  const first = today - 365 * DAY
  return { first, last: today - DAY, start: isoDay(first) }
}

/** A model of the chain: what SQLMesh writes for one restated range, and what a restatement from the start writes. */
const MODELS = [
  {
    name: 'staging.events',
    kind: 'INCREMENTAL_BY_TIME_RANGE (time_column event_date)',
    sql: `SELECT event_id, event_date, user_id, amount FROM ${SOURCE} WHERE event_date BETWEEN @start_ds AND @end_ds`
  },
  {
    name: 'staging.user_days',
    kind: 'INCREMENTAL_BY_TIME_RANGE (time_column event_date)',
    sql: 'SELECT event_date, user_id, COUNT(*) AS events, SUM(amount) AS amount FROM staging.events WHERE event_date BETWEEN @start_ds AND @end_ds GROUP BY event_date, user_id'
  },
  {
    name: 'marts.daily_revenue',
    kind: 'INCREMENTAL_BY_TIME_RANGE (time_column event_date)',
    sql: 'SELECT event_date, SUM(events) AS events, SUM(amount) AS amount FROM staging.user_days WHERE event_date BETWEEN @start_ds AND @end_ds GROUP BY event_date'
  },
  {
    name: 'marts.user_totals',
    kind: 'FULL',
    sql: 'SELECT user_id, SUM(events) AS events, SUM(amount) AS amount FROM staging.user_days GROUP BY user_id'
  }
]

/**
 * A git repository with a generated DuckDB project: an external table of `dailyRows` events a day over a year, three
 * INCREMENTAL_BY_TIME_RANGE models and one FULL model downstream, prod built from the start date by SQLMesh's CLI.
 * @param {{ dailyRows: number, days: { first: number, start: string } }} options
 */
export function watchRepo({ dailyRows, days }) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-watch-'))
  const repo = new Repo(dir, join(dir, PROJECT_SUBDIR), { duckdbFile: 'watch.duckdb' })
  const { first, start } = days
  repo.write(
    'config.yaml',
    [
      'gateways:',
      '  duckdb:',
      '    connection:',
      '      type: duckdb',
      '      database: watch.duckdb',
      'default_gateway: duckdb',
      'model_defaults:',
      '  dialect: duckdb',
      `  start: '${start}'`,
      "  cron: '@daily'",
      ''
    ].join('\n')
  )
  repo.write(
    'external_models.yaml',
    [
      `- name: ${SOURCE}`,
      '  columns:',
      '    event_id: bigint',
      '    event_date: date',
      '    user_id: int',
      '    amount: double',
      ''
    ].join('\n')
  )
  repo.write(
    'watch.yaml',
    ['sources:', `  ${SOURCE}:`, '    time_column: event_date', '    bucket: day', ''].join('\n')
  )
  for (const model of MODELS) {
    const file = `models/${model.name.replace('.', '/')}.sql`
    repo.write(file, `MODEL (name ${model.name}, kind ${model.kind});\n\n${model.sql}\n`)
  }
  repo.execute('CREATE SCHEMA landing')
  repo.execute(
    `CREATE TABLE ${SOURCE} AS SELECT i AS event_id, DATE '${isoDay(first)}' + CAST(i // ${dailyRows} AS INTEGER) AS event_date, ` +
      `CAST(i % ${USERS} AS INTEGER) AS user_id, (i % 97) * 1.5 AS amount FROM range(${365 * dailyRows}) AS t(i)`
  )
  repo.git(['init', '-q', '-b', 'main'])
  repo.git(['config', 'user.email', 'ci@example.com'])
  repo.git(['config', 'user.name', 'CI'])
  repo.write('../.gitignore', '*.duckdb\n*.duckdb.wal\n.cache/\nlogs/\n')
  repo.commitAll('Events project watched by the action')
  const started = performance.now()
  repo.buildProd()
  return { repo, buildSeconds: (performance.now() - started) / 1000 }
}

const count = (repo, sql) => Number(repo.query(sql)[0]?.n)

/**
 * Baseline, two changed days (rows added on one, a value corrected in place on the next), the watch run; then rows the
 * restatement wrote per model against the rows of a restatement of the whole chain from the start date.
 * @param {{ dailyRows: number, server: { url: string }, repository: string, token: string, log: (m: string) => void }} options
 */
export async function benchWatchRebuild({ dailyRows, server, repository, token, log }) {
  // Once: a run that crosses midnight keeps the days it built prod for.
  const days = year()
  const { repo, buildSeconds } = watchRepo({ dailyRows, days })
  try {
    log(
      `prod built from ${days.start} in ${buildSeconds.toFixed(1)} s (${(365 * dailyRows).toLocaleString('en-US')} source rows)`
    )
    const watch = () =>
      runAction({
        repoDir: repo.dir,
        eventName: 'schedule',
        payload: { schedule: '0 4 * * *', repository: { full_name: repository } },
        inputs: { 'project-path': PROJECT_SUBDIR, 'github-token': token },
        apiUrl: server.url,
        repository
      })
    const baseline = await watch()
    if (baseline.code !== 0) throw new Error(`the watch baseline run failed:\n${baseline.stdout}\n${baseline.stderr}`)
    log(`baseline recorded in ${baseline.seconds.toFixed(1)} s`)
    // Two adjacent days two months in: watch restates from the earliest changed bucket to the end of the latest, so
    // two days far apart would restate the days between them too.
    const dayA = days.first + 60 * DAY
    const dayB = dayA + DAY
    repo.execute(
      `INSERT INTO ${SOURCE} SELECT 900000000 + i, DATE '${isoDay(dayA)}', CAST(i % ${USERS} AS INTEGER), 7.5 FROM range(5) AS t(i)`
    )
    repo.execute(
      `UPDATE ${SOURCE} SET amount = amount + 100 WHERE event_id = (SELECT MIN(event_id) FROM ${SOURCE} WHERE event_date = DATE '${isoDay(dayB)}')`
    )
    const run = await watch()
    if (run.code !== 0) throw new Error(`the watch run failed:\n${run.stdout}\n${run.stderr}`)
    log(`watch run in ${run.seconds.toFixed(1)} s`)
    const changed = JSON.parse(run.outputs['changed-sources'] ?? '[]')
    const buckets = changed.flatMap(source => source.buckets.map(bucket => `${source.source} ${bucket.bucket}`))
    const expected = [`${SOURCE} ${isoDay(dayA)}`, `${SOURCE} ${isoDay(dayB)}`]
    const exact = buckets.length === 2 && expected.every(bucket => buckets.includes(bucket))
    const results = JSON.parse(run.outputs['backfill-results'] ?? '[]')
    const models = MODELS.map(model => {
      const result = results.find(entry => entry.model === model.name)
      const total = count(repo, `SELECT COUNT(*) AS n FROM ${model.name}`)
      const interval = result?.interval ?? null
      // Rows the restatement wrote: a time-ranged model's rows inside the interval SQLMesh ran (counted in the table,
      // independently of the action's report); a FULL model is rebuilt whole.
      const written =
        model.kind === 'FULL' || !interval
          ? total
          : count(
              repo,
              `SELECT COUNT(*) AS n FROM ${model.name} WHERE event_date >= DATE '${isoDay(interval.start)}' AND event_date < DATE '${isoDay(interval.end)}'`
            )
      return {
        model: model.name,
        full: model.kind === 'FULL',
        status: result?.status ?? 'not in backfill-results',
        interval:
          model.kind === 'FULL' || !interval
            ? 'whole table'
            : `${isoDay(interval.start)} .. ${isoDay(interval.end - DAY)}`,
        intervalDays: interval ? Math.round((interval.end - interval.start) / DAY) : null,
        written,
        fromStart: total
      }
    })
    const twoDays = models.filter(model => !model.full).every(model => model.intervalDays === 2)
    const sumOf = (list, key) => list.reduce((total, model) => total + model[key], 0)
    const incremental = models.filter(model => !model.full)
    return {
      dailyRows,
      sourceRows: count(repo, `SELECT COUNT(*) AS n FROM ${SOURCE}`),
      buildSeconds,
      baselineSeconds: baseline.seconds,
      watchSeconds: run.seconds,
      buckets,
      exactBuckets: exact,
      twoDayIntervals: twoDays,
      models,
      written: sumOf(models, 'written'),
      fromStart: sumOf(models, 'fromStart'),
      writtenIncremental: sumOf(incremental, 'written'),
      fromStartIncremental: sumOf(incremental, 'fromStart')
    }
  } finally {
    repo.remove()
  }
}

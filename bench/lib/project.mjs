// The generated SQLMesh project the PR-flow benchmarks run on: a seed and 49 SQL models in four layers (staging,
// intermediate, aggregates, marts), every model with a grain so that every table diff can match rows. The SQL is
// written in DuckDB's dialect and kept to what SQLMesh transpiles to PostgreSQL unchanged (no ROUND on doubles, no
// division), so one project serves both gateways.

import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pickDistinct, pickIndex, seededRandom } from './random.mjs'

/** The date the seed starts on, the models' start and the PR environment's start (FULL models rebuild all of it). */
export const START_DATE = '2025-01-01'
const DAYS = 180
const REGIONS = ['north', 'south', 'east', 'west', 'central']
const CHANNELS = ['web', 'store', 'phone']

const STAGING_FILTERS = [
  "status <> 'cancelled'",
  "region IN ('north', 'west')",
  "channel = 'web'",
  "channel <> 'web'",
  'quantity >= 2',
  'discount_pct = 0',
  "status = 'completed'",
  "region IN ('south', 'east', 'central')",
  'unit_price_cents >= 2000',
  'product_id <= 30'
]

/** Aggregates and marts come in three grain families; a mart joins two aggregates of one family on its grain. */
const FAMILIES = [['customer_id'], ['region', 'order_date'], ['product_id']]

/**
 * @typedef {object} ModelDesign
 * @property {string} name schema.table
 * @property {string} layer
 * @property {string[]} parents model names
 * @property {string[]} grain
 * @property {(changed: boolean) => string} sql the model file, as on main (false) or on the PR branch (true)
 * @property {string} [change] what the PR does to it, for the report
 */

/**
 * The project's models, which ten the PR changes, and the affected chain (changed + downstream) in dependency order.
 * @param {{ seed?: number }} [options]
 */
export function designProject(options = {}) {
  const random = seededRandom(options.seed ?? 20250101)
  /** @type {ModelDesign[]} */
  const models = [rawModel()]
  const staging = STAGING_FILTERS.map((filter, i) => stagingModel(i + 1, filter))
  models.push(...staging)
  const intermediate = Array.from({ length: 15 }, (_, i) => {
    const first = staging[i % staging.length]
    const second = pickDistinct(
      random,
      staging.filter(model => model !== first),
      1
    )[0]
    return intermediateModel(i + 1, first.name, second.name)
  })
  models.push(...intermediate)
  const aggregates = Array.from({ length: 15 }, (_, i) => {
    const first = intermediate[i]
    const second = intermediate.filter(model => model !== first)[pickIndex(random, intermediate.length - 1)]
    return aggregateModel(i + 1, FAMILIES[i % FAMILIES.length], first.name, second.name)
  })
  models.push(...aggregates)
  const marts = Array.from({ length: 9 }, (_, i) => {
    const family = aggregates.filter((_, k) => k % FAMILIES.length === i % FAMILIES.length)
    const slot = Math.floor(i / FAMILIES.length)
    return martModel(i + 1, FAMILIES[i % FAMILIES.length], family[slot].name, family[slot + 2].name)
  })
  models.push(...marts)
  // Ten changed models spread over the layers, so the chain below them is long (a staging change reaches every
  // layer) while leaf changes show schema diffs.
  const changed = [
    ...pickDistinct(random, staging, 3),
    ...pickDistinct(random, intermediate, 3),
    ...pickDistinct(random, aggregates, 2),
    ...pickDistinct(random, marts, 2)
  ].map(model => model.name)
  return { models, changed, affected: affectedChain(models, changed) }
}

/** Changed models plus everything downstream, upstream first (the generator's layers are already in order). */
function affectedChain(models, changed) {
  const affected = new Set(changed)
  for (const model of models) {
    if (model.parents.some(parent => affected.has(parent))) affected.add(model.name)
  }
  return models.map(model => model.name).filter(name => affected.has(name))
}

function rawModel() {
  return {
    name: 'raw.orders',
    layer: 'raw',
    parents: [],
    grain: ['order_id'],
    sql: () => `-- The order feed, as the shop exports it.
MODEL (
  name raw.orders,
  kind SEED (path '../../seeds/orders.csv'),
  columns (
    order_id INT,
    order_date DATE,
    customer_id INT,
    region TEXT,
    channel TEXT,
    product_id INT,
    quantity INT,
    unit_price_cents INT,
    discount_pct INT,
    status TEXT
  ),
  grain order_id
);
`
  }
}

function stagingModel(index, filter) {
  const name = `staging.stg_orders_${pad(index)}`
  return {
    name,
    layer: 'staging',
    parents: ['raw.orders'],
    grain: ['order_id'],
    change: 'filter: AND quantity < 8',
    sql: changed => `MODEL (
  name ${name},
  kind FULL,
  grain order_id
);

SELECT
  order_id,
  order_date,
  customer_id,
  region,
  channel,
  product_id,
  quantity,
  unit_price_cents,
  discount_pct,
  status,
  quantity * unit_price_cents AS gross_cents,
  quantity * unit_price_cents * (100 - discount_pct) AS net_hundredths,
  CASE WHEN quantity >= 5 THEN 1 ELSE 0 END AS is_bulk
FROM raw.orders
WHERE ${filter}${changed ? '\n  AND quantity < 8' : ''}
`
  }
}

function intermediateModel(index, first, second) {
  const name = `intermediate.int_orders_${pad(index)}`
  return {
    name,
    layer: 'intermediate',
    parents: [first, second],
    grain: ['order_id'],
    change: 'filter: WHERE a.quantity > 1',
    sql: changed => `MODEL (
  name ${name},
  kind FULL,
  grain order_id
);

SELECT
  a.order_id,
  a.order_date,
  a.customer_id,
  a.region,
  a.channel,
  a.product_id,
  a.quantity,
  a.net_hundredths,
  COALESCE(b.gross_cents, 0) AS paired_gross_cents,
  CASE WHEN b.order_id IS NULL THEN 0 ELSE 1 END AS in_both,
  a.quantity * ${index} AS weighted_quantity
FROM ${first} AS a
LEFT JOIN ${second} AS b
  ON a.order_id = b.order_id${changed ? '\nWHERE a.quantity > 1' : ''}
`
  }
}

function aggregateModel(index, keys, first, second) {
  const name = `aggregates.agg_${keys.join('_')}_${pad(index)}`
  return {
    name,
    layer: 'aggregates',
    parents: [first, second],
    grain: keys,
    change: 'filter: HAVING COUNT(*) > 1',
    sql: changed => `MODEL (
  name ${name},
  kind FULL,
  grain (${keys.join(', ')})
);

SELECT
${keys.map(key => `  a.${key},`).join('\n')}
  COUNT(*) AS orders,
  SUM(a.quantity) AS quantity,
  SUM(a.net_hundredths) AS net_hundredths,
  SUM(COALESCE(b.paired_gross_cents, 0)) AS paired_gross_cents,
  MAX(a.order_date) AS last_order_date
FROM ${first} AS a
LEFT JOIN ${second} AS b
  ON a.order_id = b.order_id
GROUP BY ${keys.map(key => `a.${key}`).join(', ')}${changed ? '\nHAVING COUNT(*) > 1' : ''}
`
  }
}

function martModel(index, keys, first, second) {
  const name = `marts.mart_${keys.join('_')}_${pad(index)}`
  return {
    name,
    layer: 'marts',
    parents: [first, second],
    grain: keys,
    change: 'extra column: size_band',
    sql: changed => `MODEL (
  name ${name},
  kind FULL,
  grain (${keys.join(', ')})
);

SELECT
${keys.map(key => `  a.${key},`).join('\n')}
  a.orders,
  a.net_hundredths,
  COALESCE(b.net_hundredths, 0) AS other_net_hundredths,
  a.net_hundredths - COALESCE(b.net_hundredths, 0) AS net_gap${changed ? ",\n  CASE WHEN a.orders > 10 THEN 'large' ELSE 'small' END AS size_band" : ''}
FROM ${first} AS a
LEFT JOIN ${second} AS b
  ON ${keys.map(key => `a.${key} = b.${key}`).join(' AND ')}
`
  }
}

/** The seed CSV: `rows` orders over 180 days, reproducible from the seed. */
export function seedCsv(rows, seed = 7) {
  const random = seededRandom(seed)
  const start = Date.parse(`${START_DATE}T00:00:00Z`)
  const lines = [
    'order_id,order_date,customer_id,region,channel,product_id,quantity,unit_price_cents,discount_pct,status'
  ]
  for (let id = 1; id <= rows; id++) {
    const date = new Date(start + pickIndex(random, DAYS) * 86_400_000).toISOString().slice(0, 10)
    const roll = random()
    const status = roll < 0.85 ? 'completed' : roll < 0.95 ? 'returned' : 'cancelled'
    lines.push(
      [
        id,
        date,
        1 + pickIndex(random, 400),
        REGIONS[pickIndex(random, REGIONS.length)],
        CHANNELS[pickIndex(random, CHANNELS.length)],
        1 + pickIndex(random, 60),
        1 + pickIndex(random, 9),
        100 + pickIndex(random, 9900),
        5 * pickIndex(random, 5),
        status
      ].join(',')
    )
  }
  return `${lines.join('\n')}\n`
}

/** config.yaml: DuckDB by default (a file in the project), and a PostgreSQL gateway that runs 4 tasks at once. */
export function configYaml() {
  return `# Generated by bench/lib/project.mjs.
gateways:
  duckdb:
    connection:
      type: duckdb
      database: bench.duckdb
  postgres:
    connection:
      type: postgres
      host: "{{ env_var('PGHOST', '127.0.0.1') }}"
      port: 5432
      user: "{{ env_var('PGUSER', 'postgres') }}"
      password: "{{ env_var('PGPASSWORD', '') }}"
      database: "{{ env_var('SQLMESH_PG_DATABASE', 'bench') }}"
      concurrent_tasks: 4

default_gateway: duckdb

model_defaults:
  dialect: duckdb
  start: '${START_DATE}'
  cron: '@daily'
`
}

/**
 * Writes the whole project (main's version, or the PR branch's when `changedModels` is given) into `projectDir`.
 * @param {string} projectDir @param {ReturnType<typeof designProject>} design @param {number} rows
 * @param {ReadonlySet<string>} [changedModels]
 */
export function writeProject(projectDir, design, rows, changedModels = new Set()) {
  const write = (relative, content) => {
    const path = join(projectDir, relative)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content)
  }
  write('config.yaml', configYaml())
  write('seeds/orders.csv', seedCsv(rows))
  for (const model of design.models) write(modelFile(model.name), model.sql(changedModels.has(model.name)))
}

/** Where a model's file lives in the project: models/<schema>/<table>.sql. @param {string} name */
export function modelFile(name) {
  const [schema, table] = name.split('.')
  return `models/${schema}/${table}.sql`
}

function pad(n) {
  return String(n).padStart(2, '0')
}

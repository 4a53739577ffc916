// The big project's git repository (bench/lib/scale-project.mjs), with prod built by SQLMesh's own CLI on DuckDB and a
// pull-request branch that changes the chain's root and adds documentation pages. SQLMesh takes about 130 ms of CPU per
// model to build prod here (5.5 CPU-minutes at 2,400 models, whatever the models' kind), so a built repository is
// kept in a cache folder and reused by later runs: the key covers the generator's source, its settings and SQLMesh's
// version, so any change to what would be built builds it again. Runs never write into the cache: each run copies it.

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { PROJECT_SUBDIR, PYTHON, sqlmeshCli } from './repo.mjs'
import { designScaleProject, writeDocPages, writeScaleProject } from './scale-project.mjs'

const GENERATOR = fileURLToPath(new URL('./scale-project.mjs', import.meta.url))

/** Where built repositories are kept: BENCH_CACHE, else ~/.cache/sqlmesh-action-bench. */
export function cacheRoot() {
  return (
    process.env.BENCH_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sqlmesh-action-bench')
  )
}

function sqlmeshVersion() {
  return execFileSync(PYTHON, ['-c', 'import sqlmesh; print(sqlmesh.__version__)'], { encoding: 'utf8' }).trim()
}

/**
 * The repository for `options` (see designScaleProject, plus `rows` of the seed and `prod: false` to build no prod at
 * all), from the cache or built now. `built` says how long the build took (0 when it came from the cache).
 * `prodFrom`: a DuckDB file that already holds prod for this very project (from an earlier build), copied in before the
 * CLI's `plan prod`, which then has nothing to build.
 * @param {{ chain: number, wide: number, columns: number, wideKind?: string, files: number, rows: number,
 *   prod?: boolean, prodFrom?: string, log?: (message: string) => void }} options
 */
export function scaleRepo(options) {
  const { log = () => undefined, prodFrom, ...settings } = options
  const prod = settings.prod ?? true
  const key = createHash('sha256')
    .update(readFileSync(GENERATOR))
    .update(JSON.stringify({ ...settings, prod, sqlmesh: sqlmeshVersion(), layout: 1 }))
    .digest('hex')
    .slice(0, 16)
  const dir = join(cacheRoot(), `scale-${settings.chain + settings.wide + 1}-${key}`)
  const design = designScaleProject(settings)
  const described = `${design.models.length} models (chain ${settings.chain}, ${design.edges} edges; ${settings.wide} wide ${settings.wideKind ?? 'FULL'} models of ${settings.columns} columns)`
  let built = 0
  if (existsSync(join(dir, 'ready.json'))) {
    log(`${described}: reusing ${dir}`)
  } else {
    log(`${described}: building${prod ? ' prod with the SQLMesh CLI' : ''} into ${dir} (kept for later runs)`)
    const started = performance.now()
    buildRepo(dir, design, settings.rows, prod, prodFrom)
    built = (performance.now() - started) / 1000
    log(`built in ${built.toFixed(0)} s`)
  }
  const ready = JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'))
  return { dir, projectDir: join(dir, PROJECT_SUBDIR), design, built, ...ready }
}

function buildRepo(dir, design, rows, prod, prodFrom) {
  const work = `${dir}.tmp`
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const projectDir = join(work, PROJECT_SUBDIR)
  const git = args =>
    execFileSync('git', args, {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
      maxBuffer: 64 * 1024 * 1024
    }).trim()
  writeScaleProject(projectDir, design, rows)
  writeFileSync(join(work, '.gitignore'), '*.duckdb\n*.duckdb.wal\n__pycache__/\n.cache/\nlogs/\nready.json\n')
  git(['init', '-q', '-b', 'main'])
  git(['config', 'user.email', 'bench@example.com'])
  git(['config', 'user.name', 'Bench'])
  git(['add', '-A'])
  git(['commit', '-q', '-m', 'Generated big project'])
  const base = git(['rev-parse', 'HEAD'])
  if (prod && prodFrom) copyFileSync(prodFrom, join(projectDir, 'bench.duckdb'))
  if (prod) sqlmeshCli(projectDir, ['plan', 'prod', '--auto-apply', '--no-prompts'])
  git(['checkout', '-q', '-b', 'feature-scale'])
  writeScaleProject(projectDir, design, rows, true)
  writeDocPages(work, design.docs)
  git(['add', '-A'])
  git(['commit', '-q', '-m', `Change ${design.changed.join(', ')}; add ${design.docs} documentation pages`])
  const head = git(['rev-parse', 'HEAD'])
  const changedFiles = git(['diff', '--name-only', base, head]).split('\n').filter(Boolean).length
  rmSync(join(projectDir, '.cache'), { recursive: true, force: true })
  rmSync(join(projectDir, 'logs'), { recursive: true, force: true })
  writeFileSync(join(work, 'ready.json'), JSON.stringify({ base, head, changedFiles, prod }))
  rmSync(dir, { recursive: true, force: true })
  renameSync(work, dir)
}

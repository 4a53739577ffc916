// The benchmark's git repository: the generated project in `analytics/`, prod built from `main` by SQLMesh's own CLI
// (on DuckDB, and on PostgreSQL into a template database when asked), then a PR branch that changes ten models.
// Every timed run gets a fresh copy of that state, so every run does the same work.

import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, VENV_BIN } from '../../support/scenario.mjs'
import { designProject, writeProject } from './project.mjs'

export const PROJECT_SUBDIR = 'analytics'
export const BENCH_DIR = join(ROOT, 'bench')
export const PYTHON = join(VENV_BIN, 'python')
export const PROBE = join(BENCH_DIR, 'probe.py')
/**
 * Not the tests' `sqlmesh_action_` prefix: .ci/run drops every database with that prefix when it ends, which would
 * pull the template out from under a benchmark running at the same time. The bench drops its own in `finally`.
 */
export const DATABASE_PREFIX = 'sqlmesh_bench_'

/** libpq settings for the local server (trust auth); the project's config reads the database from the environment. */
export function postgresEnv(database) {
  return {
    PGHOST: process.env.PGHOST ?? '127.0.0.1',
    PGPORT: process.env.PGPORT ?? '5432',
    PGUSER: process.env.PGUSER ?? 'postgres',
    ...(process.env.PGPASSWORD ? { PGPASSWORD: process.env.PGPASSWORD } : {}),
    ...(database ? { SQLMESH_PG_DATABASE: database } : {})
  }
}

/** Runs bench/pg_admin.py (create / clone / drop). @param {string[]} args */
export function pgAdmin(args) {
  execFileSync(PYTHON, [join(BENCH_DIR, 'pg_admin.py'), ...args], {
    env: { ...process.env, ...postgresEnv() },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

export const SQLMESH = join(VENV_BIN, 'sqlmesh')

/**
 * SQLMesh's CLI on a project: .venv/bin/sqlmesh itself, or with `probe` the same `cli()` call through bench/probe.py
 * (which counts project loads; its own cost is small but not nil, so timed runs use the plain executable).
 * Returns stdout; throws with SQLMesh's output when it fails.
 * @param {string} projectDir @param {string[]} args @param {Record<string, string>} [env] @param {{ probe?: boolean }} [options]
 */
export function sqlmeshCli(projectDir, args, env = {}, options = {}) {
  const [command, prefix] = options.probe ? [PYTHON, [PROBE, '--sqlmesh-cli']] : [SQLMESH, []]
  try {
    return execFileSync(command, [...prefix, '-p', projectDir, ...args], {
      cwd: projectDir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024
    })
  } catch (error) {
    // Null when the command could not be started at all (ENOENT).
    const { stdout = '', stderr = '' } = /** @type {{ stdout?: string | null, stderr?: string | null }} */ (error)
    throw new Error(
      `sqlmesh ${args.join(' ')} failed:\n${String(stdout).slice(-2000)}\n${String(stderr).slice(-2000)}`,
      { cause: error }
    )
  }
}

/**
 * Creates the repository. With `postgres`, prod is also built on the postgres gateway into a new database named
 * `postgres.database`, which is then renamed to `postgres.template`: SQLMesh's state holds every table with its
 * catalog (the database name), so each run must work in a copy under the original name (see cloneDatabase).
 * `duckdb: false` skips prod on DuckDB (for a repository only the PostgreSQL measure uses).
 * @param {{ rows: number, duckdb?: boolean, postgres?: { database: string, template: string }, log?: (message: string) => void }} options
 */
export function createBenchRepo({ rows, duckdb = true, postgres, log = () => undefined }) {
  const design = designProject()
  const dir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-'))
  const projectDir = join(dir, PROJECT_SUBDIR)
  const git = args =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim()
  writeProject(projectDir, design, rows)
  writeFileSync(join(dir, '.gitignore'), '*.duckdb\n*.duckdb.wal\n__pycache__/\n.cache/\nlogs/\n')
  git(['init', '-q', '-b', 'main'])
  git(['config', 'user.email', 'bench@example.com'])
  git(['config', 'user.name', 'Bench'])
  git(['add', '-A'])
  git(['commit', '-q', '-m', 'Generated project'])
  const base = git(['rev-parse', 'HEAD'])
  if (duckdb) {
    log(`building prod on DuckDB (${design.models.length} models, ${rows} seed rows) in ${dir}`)
    sqlmeshCli(projectDir, ['plan', 'prod', '--auto-apply', '--no-prompts'])
  }
  if (postgres) {
    log(
      `building prod on PostgreSQL (${design.models.length} models, ${rows} seed rows) in database ${postgres.database}`
    )
    pgAdmin(['create', postgres.database])
    sqlmeshCli(
      projectDir,
      ['--gateway', 'postgres', 'plan', 'prod', '--auto-apply', '--no-prompts'],
      postgresEnv(postgres.database)
    )
    pgAdmin(['rename', postgres.database, postgres.template])
  }
  git(['checkout', '-q', '-b', 'feature-bench'])
  writeProject(projectDir, design, rows, new Set(design.changed))
  git(['add', '-A'])
  git(['commit', '-q', '-m', `Change ${design.changed.length} models`])
  const head = git(['rev-parse', 'HEAD'])
  const changedFiles = git(['diff', '--name-only', base, head]).split('\n').filter(Boolean)
  return { dir, projectDir, rows, base, head, design, changedFiles, postgres }
}

/**
 * A fresh copy of the repository as it stands after setup (git history, the PR branch checked out, the DuckDB file
 * with prod), without SQLMesh's `.cache` and `logs`: what a runner's fresh checkout plus the warehouse look like.
 * @param {{ dir: string }} repo @returns {{ dir: string, projectDir: string, remove: () => void }}
 */
export function copyRepo(repo) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlmesh-bench-run-'))
  cpSync(repo.dir, dir, { recursive: true, filter: source => !/[/\\](\.cache|logs)$/.test(source) })
  return { dir, projectDir: join(dir, PROJECT_SUBDIR), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A fresh copy of prod on PostgreSQL under the name SQLMesh's state knows; dropped with dropDatabase.
 * @param {{ postgres?: { database: string, template: string } }} repo @returns {string} the database
 */
export function cloneDatabase(repo) {
  if (!repo.postgres) throw new Error('The repository has no PostgreSQL prod')
  pgAdmin(['clone', repo.postgres.template, repo.postgres.database])
  return repo.postgres.database
}

/** @param {{ dir: string, postgres?: { database: string, template: string } }} repo */
export function removeBenchRepo(repo) {
  rmSync(repo.dir, { recursive: true, force: true })
  if (repo.postgres) pgAdmin(['drop', repo.postgres.database, repo.postgres.template])
}

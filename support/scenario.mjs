// Real scenarios for the integration tests and the demo: a git repository holding the example SQLMesh project, prod
// built by SQLMesh's own CLI, and the bundled action run the way a GitHub runner runs it (environment variables, an
// event payload file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files).

import { execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomUUID } from 'node:crypto'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const VENV_BIN = join(ROOT, '.venv', 'bin')
export const EXAMPLE = join(ROOT, 'examples', 'basketball')
export const PROJECT_SUBDIR = 'analytics'

export const GATEWAYS = /** @type {const} */ (['duckdb', 'postgres'])
/** Prefix of the PostgreSQL databases the scenarios create (and .ci/run drops when a run leaves any behind). */
export const DATABASE_PREFIX = 'sqlmesh_action_'
const SQL_CLIENT = join(ROOT, 'support', 'sql_client.py')

/**
 * The libpq environment for the local PostgreSQL server the postgres gateway uses (see examples/basketball/config.yaml).
 * @param {string} database
 * @returns {Record<string, string>}
 */
function postgresEnv(database) {
  return {
    SQLMESH_PG_DATABASE: database,
    PGHOST: '127.0.0.1',
    PGPORT: '5432', // the port config.yaml names, for libpq (sql_client.py) too
    PGUSER: 'postgres',
    ...(process.env.PGPASSWORD ? { PGPASSWORD: process.env.PGPASSWORD } : {})
  }
}

/** @param {string[]} args @param {Record<string, string>} env @returns {string} */
function sqlClient(args, env) {
  try {
    return execFileSync(join(VENV_BIN, 'python'), [SQL_CLIENT, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch (error) {
    // sql_client.py prints the error on one line (e.g. "psycopg2.errors.UndefinedTable: relation ... does not exist").
    const stderr =
      error instanceof Error && 'stderr' in error && typeof error.stderr === 'string' ? error.stderr.trim() : ''
    const reason = stderr.split('\n').pop() || String(error)
    throw new Error(`sql_client.py ${args.slice(0, -1).join(' ')} failed: ${reason}`, { cause: error })
  }
}

/**
 * A throwaway git repository with the example project in `analytics/`, committed on `main`. On the postgres gateway a
 * fresh, empty database is created for it (SQLMesh keeps its state there too); `remove()` drops it.
 * `example` names another folder of examples/ (default basketball), `duckdbFile` the DuckDB file its config names.
 * @param {{ prefix?: string, gateway?: 'duckdb' | 'postgres', example?: string, duckdbFile?: string }} [options]
 */
export function createProjectRepo(options = {}) {
  const gateway = options.gateway ?? 'duckdb'
  if (!GATEWAYS.includes(gateway))
    throw new Error(`Unknown gateway '${gateway}': expected one of ${GATEWAYS.join(', ')}`)
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'sqlmesh-action-'))
  const projectDir = join(dir, PROJECT_SUBDIR)
  const database = gateway === 'postgres' ? `${DATABASE_PREFIX}${uniqueName()}` : undefined
  const example = options.example ? join(ROOT, 'examples', options.example) : EXAMPLE
  const repo = new Repo(dir, projectDir, { gateway, database, duckdbFile: options.duckdbFile })
  try {
    if (database) sqlClient(['create-database', database], repo.env)
    cpSync(example, projectDir, {
      recursive: true,
      filter: source => !/\.duckdb(\.wal)?$|__pycache__|\.cache|logs$/.test(source)
    })
    writeFileSync(join(dir, '.gitignore'), '*.duckdb\n*.duckdb.wal\n__pycache__/\n.cache/\nlogs/\n')
    repo.git(['init', '-q', '-b', 'main'])
    repo.git(['config', 'user.email', 'ci@example.com'])
    repo.git(['config', 'user.name', 'CI'])
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'Basketball analytics project'])
  } catch (error) {
    repo.remove()
    throw error
  }
  return repo
}

export class Repo {
  /**
   * @param {string} dir @param {string} projectDir
   * @param {{ gateway?: 'duckdb' | 'postgres', database?: string, duckdbFile?: string }} [options]
   */
  constructor(dir, projectDir, options = {}) {
    this.dir = dir
    /** The DuckDB file the project's config names, in the project folder. */
    this.duckdbFile = options.duckdbFile ?? 'basketball.duckdb'
    this.projectDir = projectDir
    /** @type {'duckdb' | 'postgres'} */
    this.gateway = options.gateway ?? 'duckdb'
    if (this.gateway === 'postgres' && !options.database) throw new Error('The postgres gateway needs a database name')
    /** The PostgreSQL database on the postgres gateway, else undefined. */
    this.database = this.gateway === 'postgres' ? options.database : undefined
    /** Environment variables SQLMesh needs for this gateway (give them to runAction as `env`). @type {Record<string, string>} */
    this.env = this.database ? postgresEnv(this.database) : {}
  }

  /** The action inputs that select this repository's gateway. @returns {Record<string, string>} */
  actionInputs() {
    return this.gateway === 'duckdb' ? {} : { gateway: this.gateway }
  }

  /** @param {string[]} args @returns {string} */
  git(args) {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim()
  }

  head() {
    return this.git(['rev-parse', 'HEAD'])
  }

  /** @param {string} relativePath path inside the project folder @param {string} content */
  write(relativePath, content) {
    const path = join(this.projectDir, relativePath)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content)
  }

  /** @param {string} relativePath @returns {string} */
  read(relativePath) {
    return readFileSync(join(this.projectDir, relativePath), 'utf8')
  }

  /** @param {string} message @returns {string} the new commit's sha */
  commitAll(message) {
    this.git(['add', '-A'])
    this.git(['commit', '-q', '-m', message])
    return this.head()
  }

  /**
   * Runs SQLMesh's own CLI on the project (for setting up prod, as a data team would by hand), with the repository's
   * environment (`env`) under the given one. The gateway is not added here: see buildProd.
   * @param {string[]} args @param {Record<string,string>} [env]
   */
  sqlmesh(args, env = {}) {
    return execFileSync(join(VENV_BIN, 'sqlmesh'), ['-p', this.projectDir, ...args], {
      cwd: this.projectDir,
      encoding: 'utf8',
      env: { ...process.env, ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
  }

  /**
   * Builds prod from the checked-out commit on the repository's gateway. `extra` are global options (before `plan`).
   * @param {Record<string,string>} [env] @param {string[]} [extra]
   */
  buildProd(env = {}, extra = []) {
    return this.sqlmesh([...this.gatewayArgs(), ...extra, 'plan', 'prod', '--auto-apply', '--no-prompts'], env)
  }

  /** SQLMesh's global `--gateway` option for this repository (none on the default gateway). @returns {string[]} */
  gatewayArgs() {
    return this.gateway === 'duckdb' ? [] : ['--gateway', this.gateway]
  }

  /**
   * Rows of a read-only SQL query on the repository's warehouse (the project's DuckDB file, or its PostgreSQL
   * database), as JSON objects. Decimals become numbers, dates ISO strings.
   * @param {string} sql @returns {Array<Record<string, unknown>>}
   */
  query(sql) {
    /** @type {unknown} */
    const rows = JSON.parse(sqlClient(['query', ...this.#target(), sql], this.env))
    return /** @type {Array<Record<string, unknown>>} */ (rows)
  }

  /** Runs a statement that changes data (e.g. behind SQLMesh's back) on the repository's warehouse. @param {string} sql */
  execute(sql) {
    sqlClient(['execute', ...this.#target(), sql], this.env)
  }

  /** Kept for older tests: the same as query(). @param {string} sql @returns {Array<Record<string, unknown>>} */
  queryDuckDb(sql) {
    return this.query(sql)
  }

  /** @returns {[string, string]} */
  #target() {
    return this.database ? ['postgres', this.database] : ['duckdb', join(this.projectDir, this.duckdbFile)]
  }

  /** Deletes the repository and, on the postgres gateway, drops its database (ending its connections first). */
  remove() {
    rmSync(this.dir, { recursive: true, force: true })
    if (this.database) sqlClient(['drop-database', this.database], this.env)
  }
}

/**
 * Runs dist/index.js as the GitHub runner does and collects what it wrote.
 * @param {{
 *   repoDir: string, eventName: string, payload: object, inputs: Record<string, string>,
 *   apiUrl: string, repository: string, env?: Record<string, string>, node?: string
 * }} options
 */
export async function runAction(options) {
  const work = mkdtempSync(join(tmpdir(), 'sqlmesh-action-run-'))
  const eventPath = join(work, 'event.json')
  const outputPath = join(work, 'output.txt')
  const summaryPath = join(work, 'summary.md')
  writeFileSync(eventPath, JSON.stringify(options.payload))
  writeFileSync(outputPath, '')
  writeFileSync(summaryPath, '')
  // The runner sets every input declared in action.yml, with its default when the workflow gives none.
  const inputEnv = Object.fromEntries(
    Object.entries({ ...actionDefaults(), ...options.inputs }).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
      value
    ])
  )
  const env = {
    PATH: `${VENV_BIN}:${process.env.PATH}`,
    HOME: process.env.HOME ?? tmpdir(),
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: options.repoDir,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    RUNNER_TEMP: work,
    ...inputEnv,
    ...(options.env ?? {})
  }
  const started = Date.now()
  const child = spawn(options.node ?? process.execPath, [join(ROOT, 'dist', 'index.js')], {
    cwd: options.repoDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (/** @type {Buffer} */ chunk) => (stdout += chunk.toString()))
  child.stderr.on('data', (/** @type {Buffer} */ chunk) => (stderr += chunk.toString()))
  const code = await new Promise((/** @type {(code: number | null) => void} */ resolve) => child.on('close', resolve))
  const result = {
    code,
    stdout,
    stderr,
    seconds: (Date.now() - started) / 1000,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8')
  }
  rmSync(work, { recursive: true, force: true })
  return result
}

/**
 * Registers a pull request from the repository's checked-out commit into `base` on the local GitHub server, and runs
 * the action on its `pull_request` event with the repository's gateway and the given inputs.
 * @param {{
 *   repo: Repo, server: { url: string, addPullRequest: (pr: object) => void }, number: number, base: string,
 *   repository: string, inputs: Record<string, string>, action?: string, ref?: string
 * }} options
 */
export async function runPullRequest(options) {
  const { repo, server, number, base, repository } = options
  const head = repo.head()
  const ref = options.ref ?? `pr-${number}`
  server.addPullRequest({ number, head: { ref, sha: head }, base: { ref: 'main', sha: base } })
  return runAction({
    repoDir: repo.dir,
    eventName: 'pull_request',
    payload: pullRequestPayload({
      number,
      action: options.action ?? 'opened',
      baseSha: base,
      headSha: head,
      headRef: ref,
      repository
    }),
    inputs: { ...repo.actionInputs(), ...options.inputs },
    apiUrl: server.url,
    repository,
    env: repo.env
  })
}

/**
 * The defaults action.yml declares for its inputs (expressions such as `${{ github.token }}` left out: a test gives
 * those itself). Reads the simple layout action.yml uses: `  name:` then `    default: value`.
 * @returns {Record<string, string>}
 */
export function actionDefaults() {
  const text = readFileSync(join(ROOT, 'action.yml'), 'utf8')
  const block = text.split(/^inputs:\s*$/m)[1]?.split(/^\S/m)[0] ?? ''
  /** @type {Record<string, string>} */
  const defaults = {}
  let current = ''
  for (const line of block.split('\n')) {
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line)
    if (name) current = name[1]
    const value = /^ {4}default:\s*(.*)$/.exec(line)
    if (value && current && !value[1].includes('${{')) defaults[current] = value[1].trim().replace(/^'(.*)'$/, '$1')
  }
  return defaults
}

/** Parses the GITHUB_OUTPUT file format (`name<<delimiter`, value lines, delimiter). @param {string} text */
export function parseOutputs(text) {
  /** @type {Record<string, string>} */
  const outputs = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const [, name, delimiter] = match
    const value = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
    outputs[name] = value.join('\n')
  }
  return outputs
}

/**
 * The `pull_request` event payload GitHub sends, with the fields the action reads.
 * @param {{ number: number, action?: string, baseSha: string, headSha: string, headRef?: string, merged?: boolean, repository: string, headRepository?: string }} pr
 */
export function pullRequestPayload(pr) {
  return {
    action: pr.action ?? 'opened',
    number: pr.number,
    pull_request: {
      number: pr.number,
      merged: pr.merged ?? false,
      base: { ref: 'main', sha: pr.baseSha, repo: { full_name: pr.repository } },
      head: {
        ref: pr.headRef ?? `feature-${pr.number}`,
        sha: pr.headSha,
        repo: { full_name: pr.headRepository ?? pr.repository }
      }
    },
    repository: {
      full_name: pr.repository,
      name: pr.repository.split('/')[1],
      owner: { login: pr.repository.split('/')[0] }
    }
  }
}

export function uniqueName() {
  return randomUUID().replace(/-/g, '').slice(0, 8)
}

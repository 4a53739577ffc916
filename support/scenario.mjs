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

/**
 * A throwaway git repository with the example project in `analytics/`, committed on `main`.
 * @param {{ prefix?: string }} [options]
 */
export function createProjectRepo(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'sqlmesh-action-'))
  const projectDir = join(dir, PROJECT_SUBDIR)
  cpSync(EXAMPLE, projectDir, {
    recursive: true,
    filter: source => !/\.duckdb(\.wal)?$|__pycache__|\.cache|logs$/.test(source)
  })
  writeFileSync(join(dir, '.gitignore'), '*.duckdb\n*.duckdb.wal\n__pycache__/\n.cache/\nlogs/\n')
  const repo = new Repo(dir, projectDir)
  repo.git(['init', '-q', '-b', 'main'])
  repo.git(['config', 'user.email', 'ci@example.com'])
  repo.git(['config', 'user.name', 'CI'])
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '-m', 'Basketball analytics project'])
  return repo
}

export class Repo {
  /** @param {string} dir @param {string} projectDir */
  constructor(dir, projectDir) {
    this.dir = dir
    this.projectDir = projectDir
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
   * Runs SQLMesh's own CLI on the project (for setting up prod, as a data team would by hand).
   * @param {string[]} args @param {Record<string,string>} [env]
   */
  sqlmesh(args, env = {}) {
    return execFileSync(join(VENV_BIN, 'sqlmesh'), ['-p', this.projectDir, ...args], {
      cwd: this.projectDir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
  }

  /** Builds prod from the checked-out commit. @param {Record<string,string>} [env] @param {string[]} [extra] */
  buildProd(env = {}, extra = []) {
    return this.sqlmesh([...extra, 'plan', 'prod', '--auto-apply', '--no-prompts'], env)
  }

  /** Rows of a SQL query on the project's DuckDB file. @param {string} sql @returns {Array<Record<string, unknown>>} */
  queryDuckDb(sql) {
    const script = [
      'import duckdb, json, sys',
      'con = duckdb.connect(sys.argv[1], read_only=True)',
      'cur = con.execute(sys.argv[2])',
      'cols = [d[0] for d in cur.description]',
      'print(json.dumps([dict(zip(cols, row)) for row in cur.fetchall()], default=str))'
    ].join('\n')
    const out = execFileSync(join(VENV_BIN, 'python'), ['-c', script, join(this.projectDir, 'basketball.duckdb'), sql], {
      encoding: 'utf8'
    })
    return JSON.parse(out)
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true })
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
    Object.entries({ ...actionDefaults(), ...options.inputs }).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])
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
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.on('data', chunk => (stderr += chunk))
  const code = await new Promise(resolve => child.on('close', resolve))
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
    const name = /^  ([a-z0-9-]+):\s*$/.exec(line)
    if (name) current = name[1]
    const value = /^    default:\s*(.*)$/.exec(line)
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
      head: { ref: pr.headRef ?? `feature-${pr.number}`, sha: pr.headSha, repo: { full_name: pr.headRepository ?? pr.repository } }
    },
    repository: { full_name: pr.repository, name: pr.repository.split('/')[1], owner: { login: pr.repository.split('/')[0] } }
  }
}

export function uniqueName() {
  return randomUUID().replace(/-/g, '').slice(0, 8)
}

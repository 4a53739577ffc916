// Type declarations for scenario.mjs (real git repositories with the example project, and the bundled action run
// the way a runner runs it). Keep in sync with the JSDoc in the .mjs file.

export const ROOT: string
export const VENV_BIN: string
export const EXAMPLE: string
export const PROJECT_SUBDIR: string

export type Gateway = 'duckdb' | 'postgres'
export const GATEWAYS: readonly Gateway[]
/** Prefix of the PostgreSQL databases the scenarios create. */
export const DATABASE_PREFIX: string

/** On 'postgres' a fresh database named `${DATABASE_PREFIX}<random>` is created; `remove()` drops it. */
/** `example`: a folder under examples/ (default basketball); `duckdbFile`: the DuckDB file its config names. */
/** Registers a pull request from the checked-out commit into `base` and runs the action on its pull_request event. */
export function runPullRequest(options: {
  repo: Repo
  server: { url: string; addPullRequest(pr: object): void }
  number: number
  base: string
  repository: string
  inputs: Record<string, string>
  action?: string
  ref?: string
}): Promise<ActionRun>

export function createProjectRepo(options?: {
  prefix?: string
  gateway?: Gateway
  example?: string
  duckdbFile?: string
}): Repo

export class Repo {
  constructor(dir: string, projectDir: string, options?: { gateway?: Gateway; database?: string; duckdbFile?: string })
  readonly dir: string
  readonly projectDir: string
  /** The DuckDB file the project's config names, in the project folder. */
  readonly duckdbFile: string
  readonly gateway: Gateway
  /** The PostgreSQL database on the postgres gateway, else undefined. */
  readonly database: string | undefined
  /** Environment variables SQLMesh needs for this gateway: pass them to runAction as `env`. */
  readonly env: Record<string, string>
  /** The action inputs that select this gateway ({} on the default DuckDB gateway). */
  actionInputs(): Record<string, string>
  git(args: string[]): string
  head(): string
  write(relativePath: string, content: string): void
  read(relativePath: string): string
  commitAll(message: string): string
  sqlmesh(args: string[], env?: Record<string, string>): string
  /** `extra` are SQLMesh global options, placed before `plan` (after `--gateway`). */
  buildProd(env?: Record<string, string>, extra?: string[]): string
  gatewayArgs(): string[]
  /** Rows of a read-only query on this gateway's warehouse; decimals become numbers, dates ISO strings. */
  query(sql: string): Record<string, unknown>[]
  /** Runs a statement that changes data on this gateway's warehouse. */
  execute(sql: string): void
  /** Alias of query(), kept for older tests. */
  queryDuckDb(sql: string): Record<string, unknown>[]
  remove(): void
}

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  seconds: number
  outputs: Record<string, string>
  summary: string
}

export function runAction(options: {
  repoDir: string
  eventName: string
  payload: object
  inputs: Record<string, string>
  apiUrl: string
  repository: string
  env?: Record<string, string>
  node?: string
}): Promise<ActionRun>

export function actionDefaults(): Record<string, string>
export function parseOutputs(text: string): Record<string, string>

export function pullRequestPayload(pr: {
  number: number
  action?: string
  baseSha: string
  headSha: string
  headRef?: string
  merged?: boolean
  repository: string
  headRepository?: string
}): object

export function uniqueName(): string

// Type declarations for scenario.mjs (real git repositories with the example project, and the bundled action run
// the way a runner runs it). Keep in sync with the JSDoc in the .mjs file.

export const ROOT: string
export const VENV_BIN: string
export const EXAMPLE: string
export const PROJECT_SUBDIR: string

export function createProjectRepo(options?: { prefix?: string }): Repo

export class Repo {
  constructor(dir: string, projectDir: string)
  readonly dir: string
  readonly projectDir: string
  git(args: string[]): string
  head(): string
  write(relativePath: string, content: string): void
  read(relativePath: string): string
  commitAll(message: string): string
  sqlmesh(args: string[], env?: Record<string, string>): string
  buildProd(env?: Record<string, string>, extra?: string[]): string
  queryDuckDb(sql: string): Array<Record<string, unknown>>
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

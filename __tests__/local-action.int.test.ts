// `npx @github/local-action run . src/main.ts .env` runs the action from its TypeScript sources on a developer's
// machine (README, Development). This keeps .env.example working: a manual backfill dry-run of the demo project,
// with prod built first, run by local-action exactly as the README says, from the repository root.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createProjectRepo, PROJECT_SUBDIR, ROOT, type Repo } from '../support/scenario.mjs'

const run = promisify(execFile)

let repo: Repo
let output = ''
let rowsBefore = 0

beforeAll(async () => {
  repo = createProjectRepo({ prefix: 'sqlmesh-action-local-' })
  repo.buildProd()
  rowsBefore = Number(repo.query('SELECT COUNT(*) AS n FROM staging.stg_games')[0]?.n)
  // .env.example as it is, pointed at this repository instead of the checkout's examples/basketball.
  const env = `${readFileSync(join(ROOT, '.env.example'), 'utf8')}\nGITHUB_WORKSPACE=${repo.dir}\nINPUT_PROJECT-PATH=${PROJECT_SUBDIR}\n`
  const envFile = join(repo.dir, 'local-action.env')
  writeFileSync(envFile, env)
  const result = await run(join(ROOT, 'node_modules', '.bin', 'local-action'), ['run', '.', 'src/main.ts', envFile], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', GITHUB_OUTPUT: '', GITHUB_STEP_SUMMARY: '' }
  })
  output = result.stdout
})

afterAll(() => {
  repo.remove()
})

/** The value of an output as the action set it (local-action shows the runner's set-output command). */
function outputValue(name: string): unknown {
  const line = output.split('\n').find(text => text.startsWith(`::set-output name=${name}::`))
  if (line === undefined) throw new Error(`no output ${name} in:\n${output.slice(-3000)}`)
  return JSON.parse(line.slice(`::set-output name=${name}::`.length))
}

describe('local-action with .env.example', () => {
  it('plans the backfill of staging.stg_games and its chain, upstream first, from the TypeScript sources', () => {
    const results = outputValue('backfill-results') as { model: string; status: string }[]
    expect(results[0]?.model).toBe('staging.stg_games')
    expect(results.length).toBeGreaterThan(1)
    expect(results.map(result => result.status)).toEqual(results.map(() => 'planned'))
  })

  it('applies nothing: a dry run rebuilds no model and leaves prod as it was', () => {
    expect(outputValue('backfilled-models')).toEqual([])
    expect(Number(repo.query('SELECT COUNT(*) AS n FROM staging.stg_games')[0]?.n)).toBe(rowsBefore)
  })
})

// src/inputs.ts read in-process, the way a runner hands inputs over: one INPUT_<NAME> environment variable per input
// (@actions/core reads process.env). Every bad value must throw an InputError naming the input, the value and what is
// expected, before anything else happens; main.ts turns it into the job's one `::error::` line and exit code 1.

import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { InputError, listInput, readSettings } from '../src/inputs.js'

const BOOLEAN_INPUTS = [
  'skip-tests',
  'deploy',
  'dry-run',
  'force',
  'keep-environment',
  'allow-untrusted-code',
  'watch-issue'
] as const

function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) process.env[inputVariable(name)] = value
}

/** The InputError readSettings throws for these inputs (fails the test when it throws nothing or something else). */
function inputError(inputs: Record<string, string>): InputError {
  setInputs(inputs)
  try {
    readSettings()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error(`readSettings() accepted ${JSON.stringify(inputs)}`)
}

beforeEach(() => {
  for (const key of Object.keys(process.env)) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- process.env is Node's object, not a record we could make a Map; deleting is how a variable is unset
    if (key.startsWith('INPUT_')) delete process.env[key]
  }
})

afterEach(() => {
  jest.restoreAllMocks()
})

describe('readSettings defaults', () => {
  it('gives every input its documented default when the runner sets none', () => {
    expect(readSettings()).toMatchObject({
      mode: 'auto',
      projectPath: '.',
      gateway: '',
      prodEnvironment: 'prod',
      environmentPrefix: 'pr',
      diffScope: 'affected',
      sampleRows: 0,
      decimals: 3,
      diffConcurrency: 4,
      failOn: 'never',
      skipTests: false,
      commentAuthor: 'github-actions[bot]',
      backfillConfig: 'backfill.yaml',
      deploy: true,
      dryRun: false,
      force: false,
      models: [],
      keepEnvironment: false,
      productionBranches: ['main'],
      allowUntrustedCode: false
    })
  })

  it("takes an empty 'mode' as 'auto' (main.ts then asks for a mode on workflow_dispatch)", () => {
    setInputs({ mode: '' })
    expect(readSettings().mode).toBe('auto')
  })
})

describe('bad inputs', () => {
  it("names a mistyped 'mode' and lists the modes", () => {
    expect(inputError({ mode: 'backfil' }).message).toBe(
      "Input 'mode' is 'backfil'; expected one of: auto, pull-request, merge, backfill, diff, watch."
    )
  })

  it.each(BOOLEAN_INPUTS)("names the boolean input '%s' when it is not true or false", name => {
    expect(inputError({ [name]: 'yes please' }).message).toBe(
      `Input '${name}' must be true or false, got 'yes please'.`
    )
  })

  it("names a bad 'fail-on' and lists the policies", () => {
    expect(inputError({ 'fail-on': 'sometimes' }).message).toBe(
      "Input 'fail-on' is 'sometimes'; expected one of: never, schema-change, removed-rows, any-diff."
    )
  })

  it.each(['lots', '-1', '101', '2.5', '3 rows'])("names a bad 'sample-rows' (%s) and gives the range", value => {
    expect(inputError({ 'sample-rows': value }).message).toBe(
      `Input 'sample-rows' is '${value}'; expected a whole number from 0 to 100.`
    )
  })

  it.each([
    ['decimals', '13', 'expected a whole number from 0 to 12.'],
    ['diff-concurrency', '0', 'expected a whole number from 1 to 32.'],
    ['diff-concurrency', 'four', 'expected a whole number from 1 to 32.']
  ])("names a bad '%s' (%s) and gives the range", (name, value, expected) => {
    expect(inputError({ [name]: value }).message).toBe(`Input '${name}' is '${value}'; ${expected}`)
  })

  it("names a bad 'watch-schema' and 'watch-first-run'", () => {
    expect(inputError({ 'watch-schema': 'x; drop' }).message).toBe(
      "Input 'watch-schema' is 'x; drop'; expected a schema name: a letter or underscore, then letters, digits and underscores."
    )
    expect(inputError({ 'watch-schema': 'ops', 'watch-first-run': 'always' }).message).toBe(
      "Input 'watch-first-run' is 'always'; expected one of: baseline, rebuild."
    )
  })

  it("names a bad 'diff-scope'", () => {
    expect(inputError({ 'diff-scope': 'everything' }).message).toBe(
      "Input 'diff-scope' is 'everything'; expected one of: affected, changed."
    )
  })

  it.each([
    ['prod-environment', 'prod; drop table x'],
    ['environment-prefix', 'pr-'],
    ['source-environment', 'dev env'],
    ['target-environment', '../prod']
  ])("refuses '%s' = %j, which is not a SQLMesh environment name", (name, value) => {
    expect(inputError({ [name]: value }).message).toBe(
      `Input '${name}' is '${value}'; expected letters, digits and underscores only (a SQLMesh environment name).`
    )
  })

  it('checks the inputs before anything else: the first bad one in reading order is reported', () => {
    expect(inputError({ mode: 'backfil', 'dry-run': 'maybe' }).message).toContain("Input 'mode'")
  })
})

describe('good inputs', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('reads the boolean %s as %s', (value, expected) => {
    setInputs(Object.fromEntries(BOOLEAN_INPUTS.map(name => [name, value])))
    const settings = readSettings()
    expect([
      settings.skipTests,
      settings.deploy,
      settings.dryRun,
      settings.force,
      settings.keepEnvironment,
      settings.allowUntrustedCode,
      settings.watchIssue
    ]).toEqual(BOOLEAN_INPUTS.map(() => expected))
  })

  it('trims whitespace around values, as the runner hands them over with it', () => {
    setInputs({ mode: ' backfill \n', 'sample-rows': ' 5 ', 'dry-run': ' true ' })
    expect(readSettings()).toMatchObject({ mode: 'backfill', sampleRows: 5, dryRun: true })
  })

  it("reads 'models' separated by commas, spaces or new lines, in order, without duplicates", () => {
    setInputs({ models: 'marts.team_standings, staging.stg_games\nstaging.stg_team_games  marts.team_standings,,' })
    expect(readSettings().models).toEqual(['marts.team_standings', 'staging.stg_games', 'staging.stg_team_games'])
    expect(listInput('')).toEqual([])
  })

  it('masks the GitHub token: @actions/core tells the runner to hide it from the log', () => {
    const written: string[] = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    setInputs({ 'github-token': 'ghs_unit_test_secret' })
    expect(readSettings().token).toBe('ghs_unit_test_secret')
    expect(written.join('')).toContain('::add-mask::ghs_unit_test_secret')
  })
})

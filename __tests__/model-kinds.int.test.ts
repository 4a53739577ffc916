// Pull requests that touch the other kinds of project files: a Python model and external-model YAML. The files map to
// their models, SQLMesh's fingerprints say which changes are semantic, and the Python model is diffed like any other.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import {
  createProjectRepo,
  GATEWAYS,
  pullRequestPayload,
  ROOT,
  runAction,
  type ActionRun,
  type Gateway,
  type Repo
} from '../support/scenario.mjs'
import { summaryRow } from './fixtures/comment.js'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { tearDown } from './fixtures/scenario.js'

const REPOSITORY = 'acme/hoops'
const TOKEN = 'ghs_model_kinds_token'
const EXTRA_FILES = join(ROOT, '__tests__', 'fixtures', 'projects', 'extra-kinds')

describe.each(GATEWAYS)('Python and external models on %s', (gateway: Gateway) => {
  let repo: Repo
  let server: GitHubServer
  let run: ActionRun
  let body: string

  beforeAll(async () => {
    server = await startGitHubServer({ owner: 'acme', repo: 'hoops', tokens: { [TOKEN]: 'github-actions[bot]' } })
    repo = createProjectRepo({ prefix: 'model-kinds-', gateway })
    cpSync(EXTRA_FILES, repo.projectDir, { recursive: true, filter: source => !source.endsWith('README.md') })
    repo.commitAll('Add win streaks and arenas')
    // The arenas table belongs to an ingestion job, not to SQLMesh.
    repo.execute('CREATE SCHEMA IF NOT EXISTS raw')
    repo.execute(
      "CREATE TABLE raw.arenas AS SELECT * FROM (VALUES ('BOS', 'TD Garden', 19156), ('NYK', 'Madison Square Garden', 19812)) AS t(team, arena, capacity)"
    )
    repo.buildProd(repo.env)
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', 'pr-40'])
    // Longest losing streak instead of winning streak: a semantic change to the Python model.
    repo.write(
      'models/marts/win_streaks.py',
      repo.read('models/marts/win_streaks.py').replace('run = run + 1 if won else 0', 'run = run + 1 if not won else 0')
    )
    // A new description for the external table: no semantic change.
    repo.write(
      'external_models.yaml',
      repo
        .read('external_models.yaml')
        .replace("Arenas, loaded by the league's ingestion job", 'Home arenas, loaded nightly by the ingestion job')
    )
    const head = repo.commitAll('Losing streaks; describe arenas')
    server.addPullRequest({ number: 40, head: { ref: 'pr-40', sha: head }, base: { ref: 'main', sha: base } })
    run = await runAction({
      repoDir: repo.dir,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: 40, baseSha: base, headSha: head, repository: REPOSITORY }),
      inputs: {
        'project-path': 'analytics',
        'github-token': TOKEN,
        'environment-start': '2026-01-01',
        ...repo.actionInputs()
      },
      apiUrl: server.url,
      repository: REPOSITORY,
      env: repo.env
    })
    body = server.comments(40)[0]?.body ?? ''
  })

  afterAll(() => tearDown({ server, repo }))

  it('maps the Python file to its model and finds it changed', () => {
    expect(run.code).toBe(0)
    expect(JSON.parse(run.outputs['changed-models'] ?? '')).toEqual(['marts.win_streaks'])
  })

  it('reports the external-model YAML edit as no semantic change', () => {
    expect(body).toContain('No semantic change (the file changed, the fingerprint did not): `raw.arenas`')
  })

  it('diffs the Python model: the changed rows are the teams whose streak differs between prod and the PR', () => {
    const differing = Number(
      repo.query(
        'SELECT COUNT(*) AS n FROM marts.win_streaks AS p JOIN marts__pr_40.win_streaks AS q ON p.team = q.team WHERE p.longest_streak <> q.longest_streak'
      )[0]?.n
    )
    expect(differing).toBeGreaterThan(0)
    const cells = summaryRow(body, 'marts.win_streaks')
    expect(cells[4]).toMatch(/^30 → 30 rows · /)
    expect(cells[3]).toBe(String(differing))
  })
})

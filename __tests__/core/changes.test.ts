import { describe, it, expect } from '@jest/globals'
import { buildChangeSet, mapFilesToModels, restListCapped, type FileMapping } from '../../src/core/changes.js'
import { ModelGraph } from '../../src/core/graph.js'
import type { ChangedFile, FingerprintChanges, ModelInfo } from '../../src/core/types.js'
import { dependsOn, modelInfo } from '../fixtures/builders.js'

const modified = (path: string): ChangedFile => ({ path, status: 'modified' })

// A project in the `sqlmesh/` folder of the repository; model paths are repository-relative, as the flow passes them.
const project: ModelInfo[] = [
  modelInfo('raw.games', {
    kind: 'SEED',
    path: 'sqlmesh/models/raw/games.sql',
    seedPath: 'sqlmesh/seeds/games.csv'
  }),
  modelInfo('staging.stg_games', { path: 'sqlmesh/models/staging/stg_games.sql', ...dependsOn('raw.games') }),
  modelInfo('marts.team_stats', {
    path: 'sqlmesh/models/marts/team_stats.py',
    kind: 'FULL',
    ...dependsOn('staging.stg_games')
  }),
  modelInfo('ext.players', { path: 'sqlmesh/external_models.yaml', isExternal: true, kind: 'EXTERNAL' }),
  modelInfo('ext.teams', { path: 'sqlmesh/external_models.yaml', isExternal: true, kind: 'EXTERNAL' }),
  modelInfo('marts.no_file', { path: null })
]

function roleOf(path: string, projectDir = 'sqlmesh', models: readonly ModelInfo[] = project): FileMapping['role'] {
  const [mapping] = mapFilesToModels([modified(path)], models, projectDir)
  return mapping.role
}

describe('mapFilesToModels', () => {
  it('maps a SQL model file to its model', () => {
    expect(roleOf('sqlmesh/models/staging/stg_games.sql')).toEqual({ kind: 'model', models: ['staging.stg_games'] })
  })

  it('maps a Python model file to its model', () => {
    expect(roleOf('sqlmesh/models/marts/team_stats.py')).toEqual({ kind: 'model', models: ['marts.team_stats'] })
  })

  it("maps a seed's CSV to the seed model, and its definition file as a model file", () => {
    expect(roleOf('sqlmesh/seeds/games.csv')).toEqual({ kind: 'seed', models: ['raw.games'] })
    expect(roleOf('sqlmesh/models/raw/games.sql')).toEqual({ kind: 'model', models: ['raw.games'] })
  })

  it('maps an external-models YAML to every external model it defines, sorted', () => {
    expect(roleOf('sqlmesh/external_models.yaml')).toEqual({ kind: 'external', models: ['ext.players', 'ext.teams'] })
  })

  it('sorts the models of a shared file whatever order the project lists them in', () => {
    expect(roleOf('sqlmesh/external_models.yaml', 'sqlmesh', [...project].reverse())).toEqual({
      kind: 'external',
      models: ['ext.players', 'ext.teams']
    })
  })

  it('classifies other files inside the project folder by what they are', () => {
    expect(roleOf('sqlmesh/macros/utils.py')).toEqual({ kind: 'project', category: 'macro' })
    expect(roleOf('sqlmesh/config.yaml')).toEqual({ kind: 'project', category: 'config' })
    expect(roleOf('sqlmesh/config.yml')).toEqual({ kind: 'project', category: 'config' })
    expect(roleOf('sqlmesh/config.py')).toEqual({ kind: 'project', category: 'config' })
    expect(roleOf('sqlmesh/tests/test_stg_games.yaml')).toEqual({ kind: 'project', category: 'test' })
    expect(roleOf('sqlmesh/audits/positive_scores.sql')).toEqual({ kind: 'project', category: 'audit' })
    expect(roleOf('sqlmesh/README.md')).toEqual({ kind: 'project', category: 'other' })
    expect(roleOf('sqlmesh/models/deleted_model.sql')).toEqual({ kind: 'project', category: 'other' })
  })

  it('counts external_models.yaml that defines no model of the project as config', () => {
    expect(
      roleOf(
        'sqlmesh/external_models.yaml',
        'sqlmesh',
        project.filter(model => !model.isExternal)
      )
    ).toEqual({
      kind: 'project',
      category: 'config'
    })
  })

  it('only counts config files at the top of the project folder as config', () => {
    expect(roleOf('sqlmesh/models/config.yaml')).toEqual({ kind: 'project', category: 'other' })
  })

  it('marks files outside the project folder as outside', () => {
    expect(roleOf('README.md')).toEqual({ kind: 'outside' })
    expect(roleOf('.github/workflows/ci.yml')).toEqual({ kind: 'outside' })
    // A sibling folder whose name starts with the project folder's name is still outside.
    expect(roleOf('sqlmesh_old/macros/utils.py')).toEqual({ kind: 'outside' })
  })

  it('accepts the project folder with a trailing slash', () => {
    expect(roleOf('sqlmesh/macros/utils.py', 'sqlmesh/')).toEqual({ kind: 'project', category: 'macro' })
    expect(roleOf('README.md', 'sqlmesh/')).toEqual({ kind: 'outside' })
  })

  it.each(['.', ''])("treats every file as inside a project at the repository root (projectDir '%s')", projectDir => {
    const atRoot = [
      modelInfo('staging.stg_games', { path: 'models/stg_games.sql' }),
      modelInfo('ext.players', { path: 'external_models.yaml', isExternal: true })
    ]
    const mappings = mapFilesToModels(
      [
        modified('models/stg_games.sql'),
        modified('macros/utils.py'),
        modified('config.yaml'),
        modified('tests/test_stg.yaml'),
        modified('audits/a.sql'),
        modified('.github/workflows/ci.yml'),
        modified('external_models.yaml')
      ],
      atRoot,
      projectDir
    )
    expect(mappings.map(mapping => mapping.role)).toEqual([
      { kind: 'model', models: ['staging.stg_games'] },
      { kind: 'project', category: 'macro' },
      { kind: 'project', category: 'config' },
      { kind: 'project', category: 'test' },
      { kind: 'project', category: 'audit' },
      { kind: 'project', category: 'other' },
      { kind: 'external', models: ['ext.players'] }
    ])
  })

  it('keeps each file with its mapping, in the order given', () => {
    const files: ChangedFile[] = [
      { path: 'README.md', status: 'modified' },
      { path: 'sqlmesh/models/staging/stg_games.sql', status: 'added' }
    ]
    const mappings = mapFilesToModels(files, project, 'sqlmesh')
    expect(mappings.map(mapping => mapping.file)).toEqual(files)
  })

  it('does not map models whose path SQLMesh does not know', () => {
    const mappings = mapFilesToModels([modified('sqlmesh/models/marts/no_file.sql')], project, 'sqlmesh')
    expect(mappings[0]?.role).toEqual({ kind: 'project', category: 'other' })
  })
})

describe('buildChangeSet', () => {
  const graph = new ModelGraph(project)
  const fingerprints = (overrides: Partial<FingerprintChanges> = {}): FingerprintChanges => ({
    environmentExists: true,
    directlyModified: [],
    indirectlyModified: [],
    added: [],
    removed: [],
    ...overrides
  })
  const mapped = (...paths: string[]): FileMapping[] => mapFilesToModels(paths.map(modified), project, 'sqlmesh')

  it('reports a file edit whose fingerprint did not change (a comment edit) as no semantic change', () => {
    const changeSet = buildChangeSet(mapped('sqlmesh/models/staging/stg_games.sql'), fingerprints(), graph)
    expect(changeSet.changed).toEqual([])
    expect(changeSet.noSemanticChange).toEqual(['staging.stg_games'])
    expect(changeSet.changedIndirectlyByFiles).toEqual([])
  })

  it('reports a fingerprint change without an edit to the model file (a macro edit) as changed indirectly by files', () => {
    const changeSet = buildChangeSet(
      mapped('sqlmesh/macros/utils.py'),
      fingerprints({ directlyModified: ['marts.team_stats', 'staging.stg_games'] }),
      graph
    )
    expect(changeSet.changed).toEqual(['staging.stg_games', 'marts.team_stats'])
    expect(changeSet.changedIndirectlyByFiles).toEqual(['marts.team_stats', 'staging.stg_games'])
    expect(changeSet.noSemanticChange).toEqual([])
    expect(changeSet.projectFiles).toEqual([modified('sqlmesh/macros/utils.py')])
  })

  it('agrees when the file and the fingerprint both changed', () => {
    const changeSet = buildChangeSet(
      mapped('sqlmesh/models/staging/stg_games.sql'),
      fingerprints({ directlyModified: ['staging.stg_games'], indirectlyModified: ['marts.team_stats'] }),
      graph
    )
    expect(changeSet.changed).toEqual(['staging.stg_games'])
    expect(changeSet.noSemanticChange).toEqual([])
    expect(changeSet.changedIndirectlyByFiles).toEqual([])
  })

  it('trusts the files when there is no prod environment', () => {
    const changeSet = buildChangeSet(
      mapped('sqlmesh/models/marts/team_stats.py', 'sqlmesh/models/staging/stg_games.sql'),
      fingerprints({ environmentExists: false }),
      graph
    )
    expect(changeSet.changed).toEqual(['staging.stg_games', 'marts.team_stats'])
    expect(changeSet.noSemanticChange).toEqual([])
  })

  it('puts the changed models in topological order, upstream first', () => {
    const changeSet = buildChangeSet(
      [],
      fingerprints({ directlyModified: ['marts.team_stats', 'staging.stg_games', 'raw.games'] }),
      graph
    )
    expect(changeSet.changed).toEqual(['raw.games', 'staging.stg_games', 'marts.team_stats'])
  })

  it('counts added models as changed and lists added and removed models sorted', () => {
    const withNew = new ModelGraph([
      ...project,
      modelInfo('marts.new_model', { path: 'sqlmesh/models/marts/new_model.sql' })
    ])
    const changeSet = buildChangeSet(
      mapFilesToModels(
        [
          { path: 'sqlmesh/models/marts/new_model.sql', status: 'added' },
          { path: 'sqlmesh/models/marts/old_b.sql', status: 'removed' }
        ],
        withNew.modelsList(),
        'sqlmesh'
      ),
      fingerprints({ added: ['marts.new_model'], removed: ['marts.old_b', 'marts.old_a'] }),
      withNew
    )
    expect(changeSet.changed).toEqual(['marts.new_model'])
    expect(changeSet.added).toEqual(['marts.new_model'])
    expect(changeSet.removed).toEqual(['marts.old_a', 'marts.old_b'])
    expect(changeSet.changedIndirectlyByFiles).toEqual([])
    // The deleted model file no longer belongs to a model of the pull request.
    expect(changeSet.projectFiles).toEqual([{ path: 'sqlmesh/models/marts/old_b.sql', status: 'removed' }])
  })

  it('keeps only project files (not model or outside files) as project files', () => {
    const mappings = mapped(
      'README.md',
      'sqlmesh/config.yaml',
      'sqlmesh/models/staging/stg_games.sql',
      'sqlmesh/tests/t.yaml'
    )
    const changeSet = buildChangeSet(mappings, fingerprints({ directlyModified: ['staging.stg_games'] }), graph)
    expect(changeSet.projectFiles.map(file => file.path)).toEqual(['sqlmesh/config.yaml', 'sqlmesh/tests/t.yaml'])
    expect(changeSet.mappings).toBe(mappings)
  })

  it('reports every model of a shared external-models file whose fingerprint did not change', () => {
    const changeSet = buildChangeSet(
      mapped('sqlmesh/external_models.yaml'),
      fingerprints({ directlyModified: ['ext.teams'] }),
      graph
    )
    expect(changeSet.changed).toEqual(['ext.teams'])
    expect(changeSet.noSemanticChange).toEqual(['ext.players'])
  })
})

describe('restListCapped', () => {
  it('is capped when GitHub listed fewer files than it counts as changed', () => {
    expect(restListCapped(2_999, 3_500)).toBe(true)
  })

  it('is capped at exactly 3,000 listed, even without a count: GitHub does not say whether that list is whole', () => {
    expect(restListCapped(3_000, null)).toBe(true)
    expect(restListCapped(3_000, 3_000)).toBe(true)
  })

  it('is whole when every counted file was listed', () => {
    expect(restListCapped(2_999, 2_999)).toBe(false)
    expect(restListCapped(12, null)).toBe(false)
  })
})

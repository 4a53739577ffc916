import { describe, it, expect } from '@jest/globals'
import { stateProblems, type PhysicalObject } from '../../src/core/state-check.js'

const healthy: PhysicalObject = {
  model: 'marts.daily',
  physical: 'sqlmesh__marts.marts__daily__1',
  physicalType: 'table',
  view: 'marts.daily',
  viewType: 'view',
  pointsToPhysical: true
}

describe('stateProblems', () => {
  it('finds nothing when the table exists and the view reads it (or its definition could not be read)', () => {
    expect(stateProblems([healthy, { ...healthy, pointsToPhysical: null }], 'prod')).toEqual([])
  })

  it('reports a dropped physical table with the restatement that creates it again', () => {
    expect(stateProblems([{ ...healthy, physicalType: null }], 'prod')).toEqual([
      {
        model: 'marts.daily',
        kind: 'missing-table',
        detail:
          "the physical table sqlmesh__marts.marts__daily__1 that SQLMesh's state records for prod does not exist",
        repair: 'sqlmesh plan prod --restate-model "marts.daily" (SQLMesh creates the table again and rebuilds it)'
      }
    ])
  })

  it('reports a table made by hand in place of the view, a missing view and a view reading another table', () => {
    const found = stateProblems(
      [
        { ...healthy, viewType: 'table', pointsToPhysical: null },
        { ...healthy, model: 'b', viewType: null, pointsToPhysical: null },
        { ...healthy, model: 'c', pointsToPhysical: false }
      ],
      'prod'
    )
    expect(found.map(problem => problem.kind)).toEqual(['table-in-place-of-view', 'missing-view', 'view-elsewhere'])
    expect(found[0]?.repair).toBe(
      'DROP TABLE marts.daily (after saving what it holds, if needed), then CREATE OR REPLACE VIEW marts.daily AS SELECT * FROM sqlmesh__marts.marts__daily__1'
    )
  })
})

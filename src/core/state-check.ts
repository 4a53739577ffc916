// The state check, pure: what the catalog holds for each prod model against what SQLMesh's state says it should,
// and the command that repairs each problem. The action only reports; it never runs these commands.

/** One model as the catalog has it: its physical table and the environment's object of the model's name. */
export interface PhysicalObject {
  readonly model: string
  readonly physical: string
  /** 'table', 'view', … or null when there is no such object. */
  readonly physicalType: string | null
  readonly view: string
  readonly viewType: string | null
  /** Whether the view's definition names the physical table; null when it could not be read. */
  readonly pointsToPhysical: boolean | null
}

export type StateProblemKind = 'missing-table' | 'missing-view' | 'table-in-place-of-view' | 'view-elsewhere'

export interface StateProblem {
  readonly model: string
  readonly kind: StateProblemKind
  readonly detail: string
  readonly repair: string
}

/** The problems found, one per model at most (the physical table first: nothing can be served without it). */
export function stateProblems(objects: readonly PhysicalObject[], environment: string): StateProblem[] {
  return objects.flatMap(object => {
    const problem = problemOf(object, environment)
    return problem ? [problem] : []
  })
}

function problemOf(object: PhysicalObject, environment: string): StateProblem | null {
  const { model, physical, view } = object
  const recreateView = `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${physical}`
  if (object.physicalType === null) {
    return {
      model,
      kind: 'missing-table',
      detail: `the physical table ${physical} that SQLMesh's state records for ${environment} does not exist`,
      repair: `sqlmesh plan ${environment} --restate-model "${model}" (SQLMesh creates the table again and rebuilds it)`
    }
  }
  if (object.viewType === null) {
    return {
      model,
      kind: 'missing-view',
      detail: `${view} does not exist: ${environment} has no view of this model`,
      repair: recreateView
    }
  }
  if (object.viewType !== 'view') {
    return {
      model,
      kind: 'table-in-place-of-view',
      detail: `${view} is a ${object.viewType} made outside SQLMesh, where SQLMesh expects its view of ${physical}`,
      repair: `DROP TABLE ${view} (after saving what it holds, if needed), then ${recreateView}`
    }
  }
  if (object.pointsToPhysical === false) {
    return {
      model,
      kind: 'view-elsewhere',
      detail: `the view ${view} does not read ${physical}, the table SQLMesh's state records`,
      repair: recreateView
    }
  }
  return null
}

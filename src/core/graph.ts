// The model graph: which models a set of files touches, what lies downstream, and in which order to take them.
// Pure: plain data in, plain data out.

import type { ModelInfo } from './types.js'

export class ModelGraph {
  private readonly byName = new Map<string, ModelInfo>()
  private readonly nameByFqn = new Map<string, string>()
  private readonly parents = new Map<string, string[]>()
  private readonly children = new Map<string, string[]>()

  constructor(models: readonly ModelInfo[]) {
    for (const model of models) {
      this.byName.set(model.name, model)
      this.nameByFqn.set(model.fqn, model.name)
    }
    for (const model of models) {
      // Dependencies on plain tables (not models) are not part of the graph.
      const parents = model.dependsOn.flatMap(fqn => this.nameByFqn.get(fqn) ?? [])
      this.parents.set(model.name, parents)
      for (const parent of parents) {
        const list = this.children.get(parent) ?? []
        list.push(model.name)
        this.children.set(parent, list)
      }
    }
  }

  get size(): number {
    return this.byName.size
  }

  modelsList(): ModelInfo[] {
    return [...this.byName.values()]
  }

  model(name: string): ModelInfo | undefined {
    return this.byName.get(name)
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** The model name for a fully-qualified name as SQLMesh's state reports it, if it is a model of this project. */
  nameOf(fqn: string): string | undefined {
    return this.nameByFqn.get(fqn)
  }

  parentsOf(name: string): readonly string[] {
    return this.parents.get(name) ?? []
  }

  childrenOf(name: string): readonly string[] {
    return this.children.get(name) ?? []
  }

  /** The given models plus everything downstream of them. */
  withDownstream(names: Iterable<string>): Set<string> {
    const seen = new Set<string>()
    const stack = [...names].filter(name => this.byName.has(name))
    while (stack.length > 0) {
      const name = stack.pop() as string
      if (seen.has(name)) continue
      seen.add(name)
      stack.push(...this.childrenOf(name))
    }
    return seen
  }

  /**
   * The given models in dependency order, upstream first (Kahn's algorithm restricted to the subset; ties broken
   * by name so that the order is the same on every run).
   */
  topologicalOrder(names: Iterable<string>): string[] {
    const subset = new Set([...names].filter(name => this.byName.has(name)))
    const pending = new Map<string, number>()
    for (const name of subset) {
      pending.set(name, this.parentsOf(name).filter(parent => subset.has(parent)).length)
    }
    const ready = [...subset].filter(name => pending.get(name) === 0).sort()
    const order: string[] = []
    while (ready.length > 0) {
      const name = ready.shift() as string
      order.push(name)
      const unlocked: string[] = []
      for (const child of this.childrenOf(name)) {
        if (!subset.has(child)) continue
        const left = (pending.get(child) as number) - 1
        pending.set(child, left)
        if (left === 0) unlocked.push(child)
      }
      if (unlocked.length > 0) insertSorted(ready, unlocked)
    }
    if (order.length !== subset.size) {
      const stuck = [...subset].filter(name => !order.includes(name))
      throw new Error(`The model graph has a cycle through: ${stuck.sort().join(', ')}`)
    }
    return order
  }

  /** The affected chain: the changed models plus everything downstream, upstream first. */
  affectedChain(changed: Iterable<string>): string[] {
    return this.topologicalOrder(this.withDownstream(changed))
  }

  /** Edges (parent -> child) among a subset of models, in the subset's order. */
  edgesWithin(names: Iterable<string>): Array<[string, string]> {
    const subset = new Set(names)
    const edges: Array<[string, string]> = []
    for (const child of subset) {
      for (const parent of [...this.parentsOf(child)].sort()) {
        if (subset.has(parent)) edges.push([parent, child])
      }
    }
    return edges
  }
}

function insertSorted(queue: string[], items: string[]): void {
  queue.push(...items)
  queue.sort()
}

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
   * The given models in dependency order, upstream first. The order is the whole graph's (Kahn's algorithm, ties
   * broken by name, computed once), so a model comes after everything it reads from even through models outside the
   * subset, and the order is the same on every run.
   */
  topologicalOrder(names: Iterable<string>): string[] {
    const position = this.globalOrder()
    const subset = [...new Set(names)].filter(name => this.byName.has(name))
    const stuck = subset.filter(name => !position.has(name))
    if (stuck.length > 0) throw new Error(`The model graph has a cycle through: ${stuck.sort().join(', ')}`)
    return subset.sort((a, b) => (position.get(a) as number) - (position.get(b) as number))
  }

  private order: Map<string, number> | null = null

  /** Every model's position in the graph's topological order; models on a cycle have none. */
  private globalOrder(): Map<string, number> {
    if (this.order) return this.order
    const pending = new Map<string, number>()
    for (const name of this.byName.keys()) pending.set(name, this.parentsOf(name).length)
    const ready = new MinHeap([...pending.entries()].filter(([, count]) => count === 0).map(([name]) => name))
    const order = new Map<string, number>()
    while (ready.size > 0) {
      const name = ready.pop()
      order.set(name, order.size)
      for (const child of this.childrenOf(name)) {
        const left = (pending.get(child) as number) - 1
        pending.set(child, left)
        if (left === 0) ready.push(child)
      }
    }
    this.order = order
    return order
  }

  /** The affected chain: the changed models plus everything downstream, upstream first. */
  affectedChain(changed: Iterable<string>): string[] {
    return this.topologicalOrder(this.withDownstream(changed))
  }

  /** Edges (parent -> child) among a subset of models, in the subset's order. */
  edgesWithin(names: Iterable<string>): [string, string][] {
    const subset = new Set(names)
    const edges: [string, string][] = []
    for (const child of subset) {
      for (const parent of [...this.parentsOf(child)].sort()) {
        if (subset.has(parent)) edges.push([parent, child])
      }
    }
    return edges
  }
}

/** A binary min-heap of strings: the ready set of Kahn's algorithm, smallest name first. */
class MinHeap {
  private readonly items: string[] = []

  constructor(initial: readonly string[]) {
    initial.forEach(item => this.push(item))
  }

  get size(): number {
    return this.items.length
  }

  push(item: string): void {
    const items = this.items
    items.push(item)
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (items[parent] <= item) break
      ;[items[i], items[parent]] = [items[parent], item]
      i = parent
    }
  }

  pop(): string {
    const items = this.items
    const top = items[0]
    const last = items.pop() as string
    if (items.length > 0) {
      items[0] = last
      for (let i = 0; ;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < items.length && items[left] < items[smallest]) smallest = left
        if (right < items.length && items[right] < items[smallest]) smallest = right
        if (smallest === i) break
        ;[items[i], items[smallest]] = [items[smallest], items[i]]
        i = smallest
      }
    }
    return top
  }
}

// The lineage graph as a Mermaid flowchart that GitHub can always draw. GitHub's Mermaid refuses a diagram over 500
// edges (maxEdges) or 50,000 characters (maxTextSize), and a diagram cannot raise either. Above a budget the graph is
// collapsed: the changed models, the first levels downstream of them, and a "+N more downstream" node where the rest
// was left out; past that, one node per schema. Pure.

import { formatCount, shortName, visibleControls } from './markdown.js'

/** What a diagram may use: GitHub's own limits, or less where the diagram shares a comment's 65,536 characters. */
export interface LineageBudget {
  readonly edges: number
  readonly chars: number
}

/** Mermaid's limits as GitHub applies them: a job summary's diagram may use all of them. */
export const MERMAID_LIMITS: LineageBudget = { edges: 500, chars: 50_000 }
/** A comment's diagram: small enough to leave the summary table, notes and footer their room. */
export const COMMENT_LINEAGE: LineageBudget = { edges: 200, chars: 16_000 }

export interface LineageInput {
  /** The affected chain, upstream first. */
  readonly chain: readonly string[]
  readonly edges: readonly (readonly [string, string])[]
  readonly changed: ReadonlySet<string>
  readonly embedded: ReadonlySet<string>
}

export interface Lineage {
  /** The Mermaid source, fence included. */
  readonly block: string
  /** What the diagram shows, for the line above it. */
  readonly caption: string
  readonly edgeCount: number
  /** Some model drawn is EMBEDDED (drawn dashed). */
  readonly embedded: boolean
  /** True when every model and edge of the chain is drawn. */
  readonly whole: boolean
}

/** Children per model drawn when the graph is collapsed; a wide fan-out shows this many and "+N more". */
const CHILDREN_SHOWN = 6

/** The largest diagram that fits the budget: the whole graph, then fewer levels downstream, then one node per schema. */
export function renderLineage(input: LineageInput, budget: LineageBudget): Lineage | null {
  const whole = drawModels(input, new Set(input.chain))
  if (fits(whole, budget)) return { ...whole, caption: '', whole: true }
  // A job summary's diagram may show more models than a comment's, which shares its room with the table.
  const roomy = budget.edges >= MERMAID_LIMITS.edges
  const nodeCaps = roomy ? [300, 150, 60] : [120, 60]
  for (const depth of [...(roomy ? [100, 50] : []), 20, 10, 5, 3, 2, 1, 0]) {
    for (const nodeCap of nodeCaps) {
      const shown = collapsedSet(input, depth, nodeCap)
      if (!shown) continue
      const drawn = drawModels(input, shown)
      if (fits(drawn, budget)) {
        const levels =
          depth === 0
            ? 'the changed models'
            : `the changed models and up to ${depth} level${depth === 1 ? '' : 's'} downstream`
        return {
          ...drawn,
          caption: `${formatCount(shown.size)} of ${formatCount(input.chain.length)} affected models shown: ${levels}`,
          whole: false
        }
      }
    }
  }
  const schemas = drawSchemas(input)
  if (fits(schemas, budget))
    return {
      ...schemas,
      caption: `${formatCount(input.chain.length)} affected models drawn as one node per schema`,
      whole: false
    }
  return null
}

interface Drawn {
  readonly block: string
  readonly edgeCount: number
  readonly embedded: boolean
}

function fits(drawn: Drawn, budget: LineageBudget): boolean {
  return drawn.edgeCount <= budget.edges && drawn.block.length <= budget.chars
}

/**
 * The changed models, then level by level the children of what is shown (at most CHILDREN_SHOWN new ones per model),
 * up to `depth` levels and `nodeCap` models. Null when the changed models alone are more than the cap.
 */
function collapsedSet(input: LineageInput, depth: number, nodeCap: number): Set<string> | null {
  const changed = input.chain.filter(name => input.changed.has(name))
  if (changed.length > nodeCap) return null
  const children = childrenOf(input)
  const shown = new Set(changed)
  let level = changed
  for (let step = 0; step < depth && shown.size < nodeCap; step++) {
    const next: string[] = []
    for (const parent of level) {
      let added = 0
      for (const child of children.get(parent) ?? []) {
        if (shown.has(child) || added >= CHILDREN_SHOWN || shown.size >= nodeCap) continue
        shown.add(child)
        next.push(child)
        added++
      }
    }
    level = next
  }
  return shown
}

function childrenOf(input: LineageInput): Map<string, string[]> {
  const children = new Map<string, string[]>()
  for (const [parent, child] of input.edges) {
    const list = children.get(parent)
    if (list) list.push(child)
    else children.set(parent, [child])
  }
  return children
}

/** Models of the chain downstream of `from` that are not shown, counted once each. */
function hiddenDownstream(
  from: string,
  children: ReadonlyMap<string, readonly string[]>,
  shown: ReadonlySet<string>
): number {
  const seen = new Set<string>()
  const queue = [from]
  while (queue.length > 0) {
    for (const child of children.get(queue.pop() as string) ?? []) {
      if (seen.has(child)) continue
      seen.add(child)
      queue.push(child)
    }
  }
  return [...seen].filter(name => !shown.has(name)).length
}

/** The shown models with the edges between them, and a "+N more downstream" node under each model with hidden children. */
function drawModels(input: LineageInput, shown: ReadonlySet<string>): Drawn {
  const ids = new Map(input.chain.map((name, index) => [name, `m${index}`]))
  const lines = ['```mermaid', 'flowchart LR']
  const drawnNames = input.chain.filter(name => shown.has(name))
  for (const name of drawnNames) lines.push(`  ${ids.get(name)}["${mermaidLabel(shortName(name, 48))}"]`)
  let edgeCount = 0
  for (const [parent, child] of input.edges) {
    if (!shown.has(parent) || !shown.has(child)) continue
    lines.push(`  ${ids.get(parent)} --> ${ids.get(child)}`)
    edgeCount++
  }
  const children = childrenOf(input)
  const more: string[] = []
  for (const name of drawnNames) {
    if (!(children.get(name) ?? []).some(child => !shown.has(child))) continue
    const id = `${ids.get(name)}x`
    lines.push(
      `  ${id}(["${mermaidLabel(`+${formatCount(hiddenDownstream(name, children, shown))} more downstream`)}"])`,
      `  ${ids.get(name)} --> ${id}`
    )
    more.push(id)
    edgeCount++
  }
  lines.push(
    ...classes(
      drawnNames.map(name => [name, ids.get(name) as string]),
      input
    )
  )
  if (more.length > 0)
    lines.push('  classDef more fill:#f3f4f6,stroke:#9ca3af,color:#374151', `  class ${more.join(',')} more`)
  lines.push('```')
  return { block: lines.join('\n'), edgeCount, embedded: drawnNames.some(name => input.embedded.has(name)) }
}

function classes(drawn: readonly (readonly [string, string])[], input: LineageInput): string[] {
  const lines = ['  classDef changed fill:#fde68a,stroke:#b45309,color:#000']
  const marked = drawn.filter(([name]) => input.changed.has(name)).map(([, id]) => id)
  if (marked.length > 0) lines.push(`  class ${marked.join(',')} changed`)
  const embedded = drawn.filter(([name]) => input.embedded.has(name)).map(([, id]) => id)
  if (embedded.length > 0)
    lines.push('  classDef embedded stroke-dasharray:4 3', `  class ${embedded.join(',')} embedded`)
  return lines
}

/** One node per schema ("analytics: 2 changed, 1,200 downstream"), an edge where any model of one reads the other. */
function drawSchemas(input: LineageInput): Drawn {
  const schemaOf = (name: string): string => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name)
  const schemas = [...new Set(input.chain.map(schemaOf))]
  const ids = new Map(schemas.map((schema, index) => [schema, `s${index}`]))
  const lines = ['```mermaid', 'flowchart LR']
  for (const schema of schemas) {
    const members = input.chain.filter(name => schemaOf(name) === schema)
    const changed = members.filter(name => input.changed.has(name)).length
    const label = `${shortName(schema, 48)}: ${formatCount(changed)} changed, ${formatCount(members.length - changed)} downstream`
    lines.push(`  ${ids.get(schema)}["${mermaidLabel(label)}"]`)
  }
  const pairs = new Set(
    input.edges.map(([parent, child]) => `${ids.get(schemaOf(parent))} --> ${ids.get(schemaOf(child))}`)
  )
  const edges = [...pairs].filter(edge => !/^(\w+) --> \1$/.test(edge))
  lines.push(...edges.map(edge => `  ${edge}`))
  const marked = schemas
    .filter(schema => input.chain.some(name => input.changed.has(name) && schemaOf(name) === schema))
    .map(schema => ids.get(schema))
  lines.push('  classDef changed fill:#fde68a,stroke:#b45309,color:#000')
  if (marked.length > 0) lines.push(`  class ${marked.join(',')} changed`)
  lines.push('```')
  return { block: lines.join('\n'), edgeCount: edges.length, embedded: false }
}

/** A label Mermaid reads as text: anything but letters, digits, `.`, `-` and space as an entity, by code point (so an emoji stays one character). */
export function mermaidLabel(name: string): string {
  return Array.from(visibleControls(name), char => (/^[\w.\- ]$/.test(char) ? char : `#${char.codePointAt(0)};`)).join(
    ''
  )
}

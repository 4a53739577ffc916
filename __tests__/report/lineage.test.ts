import { describe, expect, it } from '@jest/globals'
import { COMMENT_LINEAGE, MERMAID_LIMITS, renderLineage, type LineageInput } from '../../src/report/lineage.js'

const edgesOf = (block: string): string[] => block.split('\n').filter(line => line.includes('-->'))

function input(chain: string[], edges: [string, string][], changed: string[]): LineageInput {
  return { chain, edges, changed: new Set(changed), embedded: new Set() }
}

/** One changed model read by `count` others. */
function fanOut(count: number): LineageInput {
  const children = Array.from({ length: count }, (_, index) => `wide.w_${index}`)
  return input(
    ['core.root', ...children],
    children.map((child): [string, string] => ['core.root', child]),
    ['core.root']
  )
}

describe('renderLineage', () => {
  it('draws the whole graph when it fits', () => {
    const drawn = renderLineage(fanOut(5), COMMENT_LINEAGE)
    expect(drawn?.whole).toBe(true)
    expect(edgesOf(drawn?.block ?? '')).toHaveLength(5)
    expect(drawn?.block).not.toContain('more downstream')
  })

  it('collapses a wide fan-out to a few children and one "+N more downstream" node with the exact count', () => {
    const drawn = renderLineage(fanOut(2_600), COMMENT_LINEAGE)
    expect(drawn?.whole).toBe(false)
    expect(drawn?.block).toContain('  m0["core.root"]')
    expect(drawn?.block).toContain('  m0x(["#43;2#44;594 more downstream"])')
    expect(drawn?.caption).toBe('7 of 2,601 affected models shown: the changed models and up to 20 levels downstream')
  })

  it('counts what is hidden below the last model shown on a long chain', () => {
    const chain = Array.from({ length: 600 }, (_, index) => `chain.c_${index}`)
    const edges = chain.slice(1).map((name, index): [string, string] => [chain[index], name])
    const drawn = renderLineage(input(chain, edges, ['chain.c_0']), COMMENT_LINEAGE)
    // 21 models shown (the changed one and 20 levels), and the 579 below the last one as one node.
    expect(drawn?.block).toContain('  m20x(["#43;579 more downstream"])')
    expect(edgesOf(drawn?.block ?? '')).toHaveLength(21)
  })

  it('draws one node per schema when the changed models alone are too many to draw', () => {
    const changed = Array.from({ length: 900 }, (_, index) => `${index % 2 === 0 ? 'sales' : 'finance'}.m_${index}`)
    const edges = changed.slice(1).map((name, index): [string, string] => [changed[index], name])
    const drawn = renderLineage(input(changed, edges, changed), MERMAID_LIMITS)
    expect(drawn?.caption).toBe('900 affected models drawn as one node per schema')
    expect(drawn?.block).toContain('  s0["sales#58; 450 changed#44; 0 downstream"]')
    expect(edgesOf(drawn?.block ?? '').sort()).toEqual(['  s0 --> s1', '  s1 --> s0'])
  })

  it('stays within the budget it is given, however long the names', () => {
    const chain = Array.from({ length: 400 }, (_, index) => `${'"odd"'.repeat(10)}.m_${index}`)
    const edges = chain.slice(1).map((name, index): [string, string] => [chain[index], name])
    const drawn = renderLineage(input(chain, edges, chain.slice(0, 3)), { edges: 50, chars: 6_000 })
    expect(drawn).not.toBeNull()
    expect(drawn?.block.length).toBeLessThanOrEqual(6_000)
    expect(edgesOf(drawn?.block ?? '').length).toBeLessThanOrEqual(50)
  })
})

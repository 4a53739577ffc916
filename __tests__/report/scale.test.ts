// The comment at 400 and at 3,000 affected models, in every mode a large project meets: everything compared
// (diff-scope all), only the changed models compared (diff-scope changed), failed diffs, every reason not to compare,
// schema changes everywhere, and a file list cut at GitHub's 3,000-file cap. Each comment must stay under GitHub's
// limit, keep its footer, render in GitHub's parser, draw a lineage GitHub's Mermaid accepts, and keep exact counts.

import { afterAll, describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { COMMENT_LIMIT, SUMMARY_LIMIT, fitSections } from '../../src/report/fit.js'
import { renderPrSections, type PrReport } from '../../src/report/pr-report.js'
import { evaluateGate } from '../../src/core/gate.js'
import { ACTION_VERSION } from '../../src/version.js'
import type { ModelDiff } from '../../src/core/types.js'
import { diffed, notDiffed, prReport, rowCounts, windowOf } from '../fixtures/builders.js'
import { renderingProblems } from '../../support/rendering.mjs'

const HINT = 'The full report is in the job summary: https://github.com/acme/data/actions/runs/1'
const SHA = 'feedc0de0123456789abcdef0123456789abcdef'

/** A chain whose every model reads the one before it and every second one the one two before (~1.5 edges a model). */
function chainOf(count: number): { names: string[]; edges: [string, string][] } {
  const names = Array.from({ length: count }, (_, index) => `chain.c_${String(index).padStart(4, '0')}`)
  const edges: [string, string][] = []
  names.forEach((name, index) => {
    if (index >= 1) edges.push([names[index - 1], name])
    if (index >= 2 && index % 2 === 0) edges.push([names[index - 2], name])
  })
  return { names, edges }
}

/** 400 models: the chain (about 600 edges). 3,000: the same chain plus 2,600 wide models read from its first model. */
function graphOf(count: number): { names: string[]; edges: [string, string][] } {
  const chain = chainOf(Math.min(count, 400))
  const wide = Array.from(
    { length: count - chain.names.length },
    (_, index) => `wide.w_${String(index).padStart(4, '0')}`
  )
  return {
    names: [...chain.names, ...wide],
    edges: [...chain.edges, ...wide.map((name): [string, string] => ['chain.c_0000', name])]
  }
}

const WINDOW = windowOf('2024-01-01', '2024-02-01')
const same = (model: string): ModelDiff =>
  diffed(model, { window: WINDOW, rows: rowCounts({ prod: 1000, pr: 1000, matched: 1000 }) })
const differs = (model: string): ModelDiff =>
  diffed(model, {
    window: WINDOW,
    rows: rowCounts({ prod: 1000, pr: 990, onlyInProd: 10, matched: 990, changed: 5 }),
    columns: [{ column: 'amount', matchPct: 99.5 }]
  })

type Mode =
  'diff-scope all' | 'diff-scope changed' | 'failures' | 'not-compared reasons' | 'schema changes' | 'capped file list'
const MODES: readonly Mode[] = [
  'diff-scope all',
  'diff-scope changed',
  'failures',
  'not-compared reasons',
  'schema changes',
  'capped file list'
]

const REASONS = [
  'out-of-scope',
  'forward-only',
  'empty-window',
  'not-found',
  'embedded',
  'shares-prod-table',
  'external',
  'added'
] as const

/** Three changed models (the chain's first, its 100th, and one wide model or the last), the rest downstream. */
function scenario(count: number, mode: Mode): PrReport {
  const { names, edges } = graphOf(count)
  const changed = [names[0], names[100], names[count - 1]] as string[]
  const isChanged = new Set(changed)
  const diffs: ModelDiff[] = names.map((name, index) => {
    if (isChanged.has(name)) return differs(name)
    switch (mode) {
      case 'diff-scope changed':
        return notDiffed(name, 'out-of-scope', "Downstream of a change; not compared because diff-scope is 'changed'.")
      case 'failures':
        return index % 3 === 0
          ? notDiffed(name, 'error', `Table diff failed: relation "${name}_${index}" does not exist`)
          : index % 7 === 0
            ? differs(name)
            : same(name)
      case 'not-compared reasons':
        return index % 2 === 0
          ? same(name)
          : notDiffed(name, REASONS[index % REASONS.length], `Reason for ${name}: ${'why '.repeat(index % 5)}`)
      case 'schema changes':
        return diffed(name, {
          window: WINDOW,
          method: index % 2 === 0 ? 'whole-rows' : 'grain',
          grain: index % 2 === 0 ? [] : ['id'],
          grainProblem:
            index % 4 === 1
              ? { kind: 'not-unique', duplicateKeys: { prod: 3, pr: 4 }, nullKeyRows: { prod: 0, pr: 1 } }
              : null,
          schema: {
            added: [{ column: `new_${index}`, type: 'INT' }],
            removed: [{ column: 'old', type: 'TEXT' }],
            retyped: []
          },
          rows: rowCounts({ prod: 1000, pr: 1000, matched: 1000, changed: index % 2 === 0 ? null : 3 }),
          partialUpstream: index % 9 === 0 ? { model: names[0], window: WINDOW } : null,
          fullHistory: index % 5 === 0,
          columns: Array.from({ length: 30 }, (_, column) => ({
            column: `column_${column}`,
            matchPct: 90 + (column % 10)
          }))
        })
      default:
        return index % 50 === 0 ? differs(name) : same(name)
    }
  })
  const removed = mode === 'not-compared reasons' ? Array.from({ length: 200 }, (_, index) => `gone.r_${index}`) : []
  const allDiffs = [
    ...diffs,
    ...removed.map(name => notDiffed(name, 'removed', 'Removed by this pull request: its table leaves prod on merge.'))
  ]
  const gate = evaluateGate(allDiffs, { failOn: 'any-diff', onUncompared: 'fail' })
  return prReport({
    headSha: SHA,
    changed,
    chain: names,
    edges,
    diffs: allDiffs,
    removed,
    noSemanticChange: mode === 'capped file list' ? names.slice(0, 500) : [],
    changedIndirectlyByFiles: names.slice(0, mode === 'capped file list' ? 3 : 300),
    projectFiles: Array.from({ length: 500 }, (_, index) => ({
      path: `analytics/macros/m_${index}.sql`,
      status: 'modified' as const
    })),
    failing: gate.differences,
    gate,
    failOn: 'any-diff',
    auditFailures: mode === 'failures' ? names.slice(0, 300).map(name => `not_null on ${name}`) : [],
    fileList: mode === 'capped file list' ? { listed: 3000, total: 3500 } : null
  })
}

function mermaidOf(markdown: string): string[] {
  return Array.from(markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g), match => match[1])
}

function edgesIn(diagram: string): number {
  return diagram.split('\n').filter(line => line.includes('-->')).length
}

/** The number of models each table row stands for: 1 per model row, N for a "**N models**" row. */
function tableRows(markdown: string): { models: number; line: string }[] {
  return markdown
    .split('\n')
    .filter(line => /^\| (✏️|↳|\*\*)/.test(line))
    .map(line => ({ models: Number(/^\| \*\*([\d,]+) models?\*\*/.exec(line)?.[1]?.replace(/,/g, '') ?? 1), line }))
}

const sizes: string[] = []

describe.each([400, 3000])('the comment at %i affected models', count => {
  describe.each(MODES)('%s', mode => {
    const report = scenario(count, mode)
    const comment = fitSections(renderPrSections(report, 'comment'), COMMENT_LIMIT, HINT).markdown
    const summary = fitSections(renderPrSections(report, 'summary'), SUMMARY_LIMIT, 'see the log').markdown

    it("stays under GitHub's comment limit and keeps its footer with the commit", () => {
      if (process.env.SCALE_DUMP)
        writeFileSync(`${process.env.SCALE_DUMP}/${count}-${mode.replace(/ /g, '-')}.md`, comment)
      expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT)
      expect(Buffer.byteLength(comment, 'utf8')).toBeLessThanOrEqual(COMMENT_LIMIT)
      expect(
        comment.endsWith(`<sub>sqlmesh-action ${ACTION_VERSION} · SQLMesh 0.236.1 · commit \`feedc0d\`</sub>`)
      ).toBe(true)
    })

    it("renders in GitHub's parser: tables keep their shape, <details> and fences balance", () => {
      expect(renderingProblems(comment, { issueNumber: 42 })).toEqual([])
      expect(renderingProblems(summary, { issueNumber: 42 })).toEqual([])
    })

    it("draws a lineage GitHub's Mermaid accepts (<= 500 edges, <= 50,000 characters) with every changed model", () => {
      for (const markdown of [comment, summary]) {
        const diagrams = mermaidOf(markdown)
        expect(diagrams).toHaveLength(1)
        const diagram = diagrams[0]
        expect(edgesIn(diagram)).toBeLessThanOrEqual(500)
        expect(diagram.length).toBeLessThanOrEqual(50_000)
        for (const name of report.changed) expect(diagram).toContain(`["${name}"]`)
      }
      const diagram = mermaidOf(comment)[0]
      sizes.push(
        `${count} models · ${mode}: comment ${comment.length} chars, lineage ${edgesIn(diagram)} edges / ${diagram.length} chars; summary lineage ${edgesIn(mermaidOf(summary)[0])} edges / ${mermaidOf(summary)[0].length} chars`
      )
    })

    it('counts every model exactly once in the table, and never groups a model not compared under "no difference"', () => {
      const rows = tableRows(comment)
      expect(rows.reduce((total, row) => total + row.models, 0)).toBe(report.diffs.length)
      for (const row of rows.filter(candidate => candidate.line.includes('no difference'))) {
        expect(row.line).not.toMatch(/⚠️|❌|not compared/)
      }
      const uncompared = report.diffs.filter(
        diff =>
          diff.status === 'not-diffed' &&
          ['out-of-scope', 'forward-only', 'empty-window', 'not-found', 'error'].includes(diff.reason)
      ).length
      const flagged = rows
        .filter(row => /⚠️ not compared|❌ not compared/.test(row.line))
        .reduce((total, row) => total + row.models, 0)
      expect(flagged).toBe(uncompared)
    })

    it('lists every changed model by name in the table, before the grouped rows', () => {
      const rows = tableRows(comment)
      const firstGroup = rows.findIndex(row => row.line.startsWith('| **'))
      for (const name of report.changed) {
        const at = rows.findIndex(row => row.line.startsWith(`| ✏️\u00a0\`${name}\``))
        expect(at).toBeGreaterThanOrEqual(0)
        expect(at).toBeLessThan(firstGroup)
      }
    })

    it('says the file list was capped, and claims nothing from it, only when it was', () => {
      const capped = mode === 'capped file list'
      for (const markdown of [comment, summary]) {
        expect(markdown.includes("GitHub's API listed only 3,000 of 3,500 files (its cap)")).toBe(capped)
        expect(markdown.includes('Changed without an edit to their own file')).toBe(!capped)
      }
    })
  })
})

describe('the comment of a small pull request', () => {
  it('keeps one row per model in chain order up to 40 models', () => {
    const { names, edges } = chainOf(40)
    const report = prReport({ changed: [names[0]], chain: names, edges, diffs: names.map(same) })
    const comment = fitSections(renderPrSections(report), COMMENT_LIMIT, HINT).markdown
    expect(tableRows(comment).map(row => row.models)).toEqual(names.map(() => 1))
    expect(tableRows(comment).map(row => /`([^`]+)`/.exec(row.line)?.[1])).toEqual(names)
    expect(mermaidOf(comment)[0]).not.toContain('more downstream')
  })
})

afterAll(() => {
  if (process.env.SCALE_SIZES) console.log(sizes.join('\n'))
})

describe('models compared over many different windows', () => {
  it('regroup by outcome alone, so the table keeps a few rows and exact counts', () => {
    const { names, edges } = chainOf(400)
    const diffs = names.map((name, index) =>
      diffed(name, {
        window: windowOf(`2024-01-${String((index % 28) + 1).padStart(2, '0')}`, '2024-03-01'),
        rows: rowCounts({ onlyInPr: index % 3 === 0 ? 1 : 0 })
      })
    )
    const comment = fitSections(
      renderPrSections(prReport({ changed: [names[0]], chain: names, edges, diffs })),
      COMMENT_LIMIT,
      HINT
    ).markdown
    const groups = tableRows(comment).filter(row => row.line.startsWith('| **'))
    expect(groups.map(row => /\| ([^|]+): `/.exec(row.line)?.[1])).toEqual([
      'differs · compared',
      'no difference · compared'
    ])
    expect(tableRows(comment).reduce((total, row) => total + row.models, 0)).toBe(400)
    // 134 models differ (every third); those listed one by one are not in the group.
    const listed = tableRows(comment).filter(row => !row.line.startsWith('| **')).length
    expect(groups[0]?.models).toBe(134 - listed)
    expect(groups[1]?.models).toBe(266)
  })
})

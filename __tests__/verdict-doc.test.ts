// docs/VERDICT.md lists every status and label the report can show, and nothing else. The lists are read from the
// code (the reasons' coverage, their labels, the compared labels, the marks), never copied into this test: a reason or
// a label added to the code fails here until docs/VERDICT.md documents it.

import { describe, it, expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REASON_COVERAGE } from '../src/core/coverage.js'
import {
  COMPARED_LABELS,
  NOT_DIFFED_LABELS,
  renderPrSections,
  SHORT_REASONS,
  VERDICT_MARKS
} from '../src/report/pr-report.js'
import { STALE_MARK } from '../src/report/stale-comment.js'
import type { NotDiffedReason } from '../src/core/types.js'
import { diffed, prReport, windowOf } from './fixtures/builders.js'

const DOC = readFileSync(join(import.meta.dirname, '..', 'docs', 'VERDICT.md'), 'utf8')

/** The rows of the Markdown table under a heading, as arrays of trimmed cells (header and separator left out). */
function tableUnder(heading: string): string[][] {
  const section = DOC.split(/^## /m).find(part => part.startsWith(heading))
  if (!section) throw new Error(`docs/VERDICT.md has no section '## ${heading}'`)
  const rows = section.split('\n').filter(line => line.startsWith('|'))
  return rows.slice(2).map(line =>
    line
      .slice(1, -1)
      .split(' | ')
      .map(cell => cell.trim())
  )
}

/** The code spans of a cell: the labels, as the report shows them. */
function spans(cell: string): string[] {
  return Array.from(cell.matchAll(/`([^`]+)`/g), match => match[1])
}

const reasons = Object.keys(REASON_COVERAGE) as NotDiffedReason[]
const statuses = tableUnder("Each model's status")
const [COVERAGE, REASON, LABEL, IN_VERDICT] = [0, 1, 2, 3]
const rowOf = (reason: NotDiffedReason): string[] | undefined =>
  statuses.find(row => spans(row[REASON]).includes(reason))

describe('docs/VERDICT.md, "Each model\'s status"', () => {
  it.each(reasons)("documents the reason '%s' with its coverage, its label and its words in the verdict", reason => {
    const row = rowOf(reason)
    expect(row).toBeDefined()
    expect(spans(row?.[COVERAGE] ?? '')).toEqual([REASON_COVERAGE[reason]])
    expect(spans(row?.[LABEL] ?? '')).toEqual([NOT_DIFFED_LABELS[reason]])
    const named = ['not-compared', 'failed'].includes(REASON_COVERAGE[reason])
    expect(row?.[IN_VERDICT]).toBe(named ? `\`${SHORT_REASONS[reason]}\`` : '—')
  })

  it('documents no reason the code does not have', () => {
    const documented = statuses.flatMap(row => spans(row[REASON]))
    expect([...documented].sort()).toEqual([...reasons].sort())
  })

  it('documents every label of a compared model, and no other', () => {
    const documented = statuses
      .filter(row => spans(row[COVERAGE]).includes('compared'))
      .flatMap(row => spans(row[LABEL]))
    expect([...new Set(documented)].sort()).toEqual([...Object.values(COMPARED_LABELS)].sort())
  })

  it('documents every coverage diff-results can carry, and no other', () => {
    const documented = new Set(statuses.flatMap(row => spans(row[COVERAGE])))
    expect([...documented].sort()).toEqual([...new Set(['compared', ...Object.values(REASON_COVERAGE)])].sort())
  })

  it('holds every label the summary table shows for a compared model', () => {
    const documented = new Set(Object.values(COMPARED_LABELS))
    const variants = [
      diffed('m.a'),
      diffed('m.b', { window: windowOf('2024-01-01', '2024-01-08') }),
      diffed('m.c', {
        method: 'whole-rows',
        grain: [],
        rows: { prod: 1, pr: 1, onlyInProd: 0, onlyInPr: 0, matched: 1, changed: null }
      }),
      diffed('m.d', {
        method: 'whole-rows',
        grainProblem: { kind: 'missing-columns', missing: ['k'], columns: ['id'] }
      }),
      diffed('m.e', {
        method: 'whole-rows',
        grainProblem: { kind: 'not-unique', duplicateKeys: { prod: 1, pr: 0 }, nullKeyRows: { prod: 0, pr: 0 } }
      }),
      diffed('m.f', { preview: true, window: windowOf('2024-01-01', '2024-01-08') }),
      diffed('m.g', { fullHistory: true }),
      diffed('m.h', { partialUpstream: { model: 'm.a', window: windowOf('2024-01-01', '2024-01-08') } })
    ]
    const summary = renderPrSections(
      prReport({ changed: ['m.a'], chain: variants.map(diff => diff.model), diffs: variants })
    ).find(section => section.id === 'summary')?.text
    const cells = (summary ?? '')
      .split('\n')
      .slice(2)
      .map(line => line.split(' | ').at(-1)?.replace(/ \|$/, '') ?? '')
    for (const cell of cells) {
      const labels = cell.split(' · ').filter(part => !/ rows?$/.test(part) && !/^\d{4}-\d{2}-\d{2}/.test(part))
      for (const label of labels) expect(documented).toContain(label)
    }
  })
})

describe('docs/VERDICT.md, "The marks"', () => {
  it('documents every mark a verdict can lead with, and no other', () => {
    const documented = tableUnder('The marks').map(row => row[0])
    expect([...documented].sort()).toEqual([...Object.values(VERDICT_MARKS), STALE_MARK].sort())
  })
})

// A comment whose results are for an earlier commit than the pull request's head (a draft under skip-drafts, not
// diffed): the results stay, struck and folded away, under a line naming the commit not diffed and the one they are
// for. A stale ✅ never stands (issue 17 §4).

import { describe, it, expect } from '@jest/globals'
import { commentOrigin, DIFF_COMMENT_MARKER, renderFailure, renderPrSections } from '../../src/report/pr-report.js'
import { staleDraftComment } from '../../src/report/stale-comment.js'
import { COMMENT_LIMIT, fitSections } from '../../src/report/fit.js'
import { renderingProblems } from '../../support/rendering.mjs'
import { diffed, prReport } from '../fixtures/builders.js'

const OLD = '1111111111111111111111111111111111111111'
const NEW = '2222222222222222222222222222222222222222'
const NEWER = '3333333333333333333333333333333333333333'

/** The "✅ No semantic change" comment a comment-only edit got at commit OLD, against main. */
const clean = renderPrSections(prReport({ headSha: OLD, baseRef: 'main', noSemanticChange: ['staging.stg_games'] }))
  .map(section => section.text)
  .join('\n\n')

function body(sections: ReturnType<typeof staleDraftComment>): string {
  if (!sections) throw new Error('expected a stale comment')
  return fitSections(sections, COMMENT_LIMIT, 'See the job summary.').markdown
}

describe('commentOrigin', () => {
  it('reads the commit and base a comment was computed for', () => {
    expect(commentOrigin(clean)).toEqual({ commit: OLD, base: 'main' })
  })

  it('reads the short commit of a comment from before the hidden line', () => {
    const legacy = clean.replace(/<!-- sqlmesh-action:commit [^\n]* -->\n/, '')
    expect(commentOrigin(legacy)).toEqual({ commit: OLD.slice(0, 7), base: null })
    const failure = renderFailure({
      environment: 'pr_7',
      prodEnvironment: 'prod',
      headSha: OLD,
      message: 'x',
      runUrl: 'https://github.com/a/b/actions/runs/1'
    }).replace(/<!-- sqlmesh-action:commit [^\n]* -->/, '')
    expect(commentOrigin(failure).commit).toBe(OLD.slice(0, 7))
  })
})

describe('staleDraftComment', () => {
  it('leaves a comment whose results are for the head commit and base', () => {
    expect(staleDraftComment(clean, { headSha: OLD, baseRef: 'main' })).toBeNull()
    const legacy = clean.replace(/<!-- sqlmesh-action:commit [^\n]* -->\n/, '')
    expect(staleDraftComment(legacy, { headSha: OLD, baseRef: 'main' })).toBeNull()
  })

  it('says which commit was not diffed and which the results were for, and strikes the old verdict', () => {
    const stale = body(staleDraftComment(clean, { headSha: NEW, baseRef: 'main' }))
    expect(stale.split('\n')[0]).toBe(DIFF_COMMENT_MARKER)
    expect(stale).toContain(
      '**⏸️ Draft: not diffed at commit `2222222`; the results below were for commit `1111111`.** skip-drafts is true: the diff runs again when the pull request is marked ready for review.'
    )
    // No line a reader sees as a verdict starts with the old tick: it is struck, inside a folded block.
    expect(stale.split('\n').filter(line => line.startsWith('**✅'))).toEqual([])
    expect(stale).toContain('~~**✅ No semantic change: the edited model files fingerprint the same as in prod.**~~')
    expect(stale).toMatch(/<details><summary>The results for commit <code>1111111<\/code>, out of date<\/summary>/)
    expect(renderingProblems(stale)).toEqual([])
    expect(commentOrigin(stale)).toEqual({ commit: OLD, base: 'main' })
  })

  it('keeps naming the commit of the results on every later push, without nesting them', () => {
    const once = body(staleDraftComment(clean, { headSha: NEW, baseRef: 'main' }))
    expect(staleDraftComment(once, { headSha: NEW, baseRef: 'main' })).toBeNull()
    const twice = body(staleDraftComment(once, { headSha: NEWER, baseRef: 'main' }))
    expect(twice).toContain('not diffed at commit `3333333`; the results below were for commit `1111111`.')
    expect(twice.match(/~~\*\*✅/g)).toHaveLength(1)
    expect(twice.match(/<summary>The results for commit/g)).toHaveLength(1)
    expect(renderingProblems(twice)).toEqual([])
  })

  it('names the base branch when the pull request was retargeted', () => {
    const stale = body(staleDraftComment(clean, { headSha: OLD, baseRef: 'release' }))
    expect(stale).toContain(
      '**⏸️ Draft: not diffed at commit `1111111` into `release`; the results below were for commit `1111111` into `main`.**'
    )
  })

  it('stays under GitHub’s limit when the results it folds away nearly filled a comment', () => {
    const names = Array.from({ length: 40 }, (_, index) => `m.model_${index}`)
    const big = renderPrSections(
      prReport({
        headSha: OLD,
        changed: names,
        chain: names,
        diffs: names.map(name => diffed(name))
      })
    )
    const full = fitSections(
      [...big.slice(0, -1), { id: 'padding', required: true, text: 'x '.repeat(32_000) }, ...big.slice(-1)],
      COMMENT_LIMIT,
      ''
    ).markdown
    const stale = body(staleDraftComment(full, { headSha: NEW, baseRef: 'main' }))
    expect(stale.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(stale).toContain('not diffed at commit `2222222`')
    expect(renderingProblems(stale, { widths: false })).toEqual([])
  })
})

import { describe, it, expect } from '@jest/globals'
import { mergeCheckoutProblem, pullRequestCheckoutProblem } from '../../src/core/checkout.js'

const HEAD = 'a'.repeat(40)
const BASE = 'b'.repeat(40)
const MERGE = 'c'.repeat(40)

describe('pullRequestCheckoutProblem', () => {
  it("accepts the pull request's head commit", () => {
    expect(pullRequestCheckoutProblem({ sha: HEAD, parents: [BASE] }, { number: 7, headSha: HEAD })).toBeNull()
  })

  it("accepts GitHub's merge commit of the head into the base (refs/pull/N/merge)", () => {
    expect(pullRequestCheckoutProblem({ sha: MERGE, parents: [BASE, HEAD] }, { number: 7, headSha: HEAD })).toBeNull()
  })

  it('refuses the base branch, naming both commits and the checkout line that fixes it', () => {
    const problem = pullRequestCheckoutProblem({ sha: BASE, parents: ['d'.repeat(40)] }, { number: 7, headSha: HEAD })
    expect(problem).toContain(
      `The working tree is at commit ${BASE.slice(0, 12)}, which is neither pull request #7's head commit ${HEAD.slice(0, 12)}`
    )
    expect(problem).toContain('ref: ${{ github.event.pull_request.head.sha }}')
  })

  it('refuses a commit with the head as its only parent (a later commit, not a merge)', () => {
    expect(pullRequestCheckoutProblem({ sha: MERGE, parents: [HEAD] }, { number: 7, headSha: HEAD })).not.toBeNull()
  })
})

describe('mergeCheckoutProblem', () => {
  it('accepts the merged commit and refuses any other', () => {
    expect(mergeCheckoutProblem({ sha: MERGE, parents: [BASE, HEAD] }, MERGE)).toBeNull()
    expect(mergeCheckoutProblem({ sha: BASE, parents: [] }, MERGE)).toContain(
      `but the merged commit is ${MERGE.slice(0, 12)}`
    )
  })
})

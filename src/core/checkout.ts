// Is the checked-out code the code under review? The action loads the SQLMesh project from the working tree, so a
// tree at another commit (the base branch, under pull_request_target with actions/checkout's default) would report
// on code nobody is reviewing. Pure.

export interface CheckedOut {
  /** The commit the working tree is at (HEAD). */
  readonly sha: string
  /** Its parents. */
  readonly parents: readonly string[]
}

/**
 * Null when the tree is the pull request's head commit, or a merge commit of it into the base (GitHub's
 * refs/pull/N/merge, which `pull_request` checks out by default); otherwise the message that says how to fix it.
 */
export function pullRequestCheckoutProblem(
  checkedOut: CheckedOut,
  pr: { readonly number: number; readonly headSha: string }
): string | null {
  if (checkedOut.sha === pr.headSha) return null
  if (checkedOut.parents.length > 1 && checkedOut.parents.includes(pr.headSha)) return null
  return (
    `The working tree is at commit ${checkedOut.sha.slice(0, 12)}, which is neither pull request #${pr.number}'s head ` +
    `commit ${pr.headSha.slice(0, 12)} nor GitHub's merge commit for it: the action would load and report on code that is not under review. ` +
    'Check out the pull request before this step: actions/checkout with `ref: ${{ github.event.pull_request.head.sha }}`.'
  )
}

/** Null when the tree is the pushed (or merged) commit the merge flow deploys; otherwise the message. */
export function mergeCheckoutProblem(checkedOut: CheckedOut, commitSha: string): string | null {
  if (!commitSha || checkedOut.sha === commitSha) return null
  return (
    `The working tree is at commit ${checkedOut.sha.slice(0, 12)}, but the merged commit is ${commitSha.slice(0, 12)}: ` +
    'the action would deploy and backfill code other than what was merged. Check out that commit before this step: ' +
    'actions/checkout with `ref: ${{ github.sha }}` on push, or `ref: ${{ github.event.pull_request.merge_commit_sha }}` on a merged pull_request.'
  )
}

// The comment of a pull request that is not diffed at its head (a draft under skip-drafts): its earlier results stay,
// with their verdict struck and folded away, under a line that names the commit not diffed and the commit (and base
// branch) the results were computed for. A stale ✅ never stands as the current verdict. Pure.

import { code, details } from './markdown.js'
import { commentOrigin, DIFF_COMMENT_MARKER, originMarker, type CommentOrigin } from './pr-report.js'
import type { Section } from './fit.js'

/** The pull request as it is now: the commit and base branch that were not diffed. */
export interface UndiffedHead {
  readonly headSha: string
  readonly baseRef: string
}

/** The mark of a comment whose results are for an earlier commit than the head (docs/VERDICT.md, "The marks"). */
export const STALE_MARK = '⏸️'

const STALE_AT = /<!-- sqlmesh-action:stale at ([0-9a-f]+) -->/
const RESULTS_START = '<!-- sqlmesh-action:results -->'
const RESULTS_END = '<!-- sqlmesh-action:results-end -->'

/**
 * The comment's sections, or null when it needs no change: its results are for the head commit and base, or it
 * already says that this head was not diffed. The folded results are the part fit.ts leaves out first.
 */
export function staleDraftComment(previous: string, head: UndiffedHead): Section[] | null {
  const origin = commentOrigin(previous)
  if (stillApplies(origin, head) || STALE_AT.exec(previous)?.[1] === head.headSha) return null
  const heading = previous.split('\n').find(line => line.startsWith('## ')) ?? '## SQLMesh diff'
  const hidden = [
    DIFF_COMMENT_MARKER,
    `<!-- sqlmesh-action:stale at ${head.headSha} -->`,
    ...(origin.commit ? [originMarker(origin.commit, origin.base ?? undefined)] : [])
  ]
  const results = details(
    origin.commit
      ? `The results for commit <code>${origin.commit.slice(0, 7)}</code>, out of date`
      : 'The earlier results, out of date',
    `${RESULTS_START}\n\n${earlierResults(previous)}\n\n${RESULTS_END}`
  )
  return [
    { id: 'header', required: true, text: `${hidden.join('\n')}\n${heading}` },
    { id: 'verdict', required: true, text: banner(origin, head) },
    { id: 'earlier-results', required: false, text: results }
  ]
}

/** The results are for the head commit (a comment from before the hidden line names it by its first 7 digits) and base. */
function stillApplies(origin: CommentOrigin, head: UndiffedHead): boolean {
  const sameCommit = origin.commit !== null && head.headSha.startsWith(origin.commit)
  return sameCommit && (origin.base === null || origin.base === head.baseRef)
}

/** "⏸️ Draft: not diffed at commit X; the results below were for commit Y", with the base branches when they differ. */
function banner(origin: CommentOrigin, head: UndiffedHead): string {
  const retargeted = origin.base !== null && origin.base !== head.baseRef
  const into = (base: string | null): string => (retargeted && base ? ` into ${code(base)}` : '')
  const was = origin.commit ? `commit ${code(origin.commit.slice(0, 7))}${into(origin.base)}` : 'an earlier commit'
  return (
    `**${STALE_MARK} Draft: not diffed at commit ${code(head.headSha.slice(0, 7))}${into(head.baseRef)}; the results below were for ${was}.** ` +
    'skip-drafts is true: the diff runs again when the pull request is marked ready for review.'
  )
}

/**
 * The earlier comment's body below its heading, its verdict struck; from a comment that is already stale, the results
 * it folds away, as they are.
 */
function earlierResults(previous: string): string {
  const start = previous.indexOf(RESULTS_START)
  const end = previous.indexOf(RESULTS_END)
  if (start !== -1 && end > start) return previous.slice(start + RESULTS_START.length, end).trim()
  const lines = previous.split('\n')
  const body = lines.slice(lines.findIndex(line => line.startsWith('## ')) + 1)
  const verdict = body.findIndex(line => line.startsWith('**'))
  if (verdict !== -1) body[verdict] = `~~${body[verdict]}~~`
  return body.join('\n').trim()
}

// A draft under skip-drafts: pushed to, reopened, retargeted, or a pull request turned back into a draft. Nothing is
// diffed, but the comment must not go on showing an earlier commit's results as this one's: when its results are not
// for the head commit and base, it is replaced by a line that says so, with those results struck and folded away.
// SQLMesh is never started.

import * as core from '@actions/core'
import { GitHub, isForbidden } from '../github/client.js'
import { pullRequestOf } from '../github/event.js'
import { commentOrigin, DIFF_COMMENT_MARKER } from '../report/pr-report.js'
import { staleDraftComment } from '../report/stale-comment.js'
import { commentBody, type FlowContext, writeSummary } from './context.js'

export async function runDraftFlow(context: FlowContext): Promise<void> {
  const pr = pullRequestOf(context.event)
  if (!pr) throw new Error(`The draft flow needs a pull_request event; got '${context.event.name}'.`)
  const github = new GitHub(context.settings.token, context.event.repo)
  const head = pr.headSha.slice(0, 7)
  const skipped = `#${pr.number} is a draft and skip-drafts is true: not diffed at commit ${head}; the diff runs when it is marked ready for review.`
  try {
    const previous = await github.findComment(pr.number, DIFF_COMMENT_MARKER, context.settings.commentAuthor)
    const sections = previous === null ? null : staleDraftComment(previous, pr)
    if (previous === null || sections === null) {
      const left =
        previous === null
          ? 'It has no diff comment yet.'
          : 'Its comment already says so, or its results are for this commit.'
      core.notice(`${skipped} ${left}`)
      return
    }
    const comment = commentBody(context, sections)
    const posted = await github.upsertComment(
      pr.number,
      DIFF_COMMENT_MARKER,
      context.settings.commentAuthor,
      comment.markdown
    )
    const was = commentOrigin(previous).commit?.slice(0, 7) ?? 'an earlier commit'
    core.notice(`${skipped} The comment now says that its results were for ${was}: ${posted.url}`)
    core.setOutput('comment-url', posted.url)
    await writeSummary(
      sections
        .slice(0, 2)
        .map(section => section.text)
        .join('\n\n')
    )
  } catch (error) {
    if (!isForbidden(error)) throw error
    core.warning(
      `${skipped} The token may not comment on this pull request (403), so its comment may still show an earlier commit's results.`
    )
  }
}

// Keeps a report under a size limit by leaving out whole optional sections, from the last one up, and saying where
// the full report is. Pure.

export interface Section {
  readonly id: string
  /** Required sections are always kept; optional ones are dropped, last first, until the report fits. */
  readonly required: boolean
  readonly text: string
}

/** GitHub's limit on an issue comment body, in characters. */
export const COMMENT_LIMIT = 65_536
/** GitHub's limit on a job summary, in bytes. */
export const SUMMARY_LIMIT = 1_048_576

export interface Fitted {
  readonly markdown: string
  readonly omitted: readonly string[]
}

const SEPARATOR = '\n\n'

export function fitSections(sections: readonly Section[], limit: number, fullReportHint: string): Fitted {
  const whole = join(sections)
  if (size(whole) <= limit) return { markdown: whole, omitted: [] }
  const kept = [...sections]
  const omitted: string[] = []
  const notice = (): Section => ({
    id: 'cut-notice',
    required: true,
    text: `> ✂️ ${omitted.length.toLocaleString('en-US')} section${omitted.length === 1 ? '' : 's'} left out to stay under GitHub's size limit. ${fullReportHint}`
  })
  const withNotice = (): Section[] => {
    const footerAt = kept.findIndex(section => section.id === 'footer')
    const at = footerAt === -1 ? kept.length : footerAt
    return [...kept.slice(0, at), notice(), ...kept.slice(at)]
  }
  for (let index = kept.length - 1; index >= 0 && size(join(withNotice())) > limit; index--) {
    const section = kept[index]
    if (section.required) continue
    kept.splice(index, 1)
    omitted.unshift(section.id)
  }
  const markdown = join(withNotice())
  // Required sections alone can still be too large: cut the body at a line boundary; the footer always stays.
  return { markdown: size(markdown) <= limit ? markdown : truncateLines(kept, limit, fullReportHint), omitted }
}

/**
 * The body (every section but the footer) cut after its last whole line that fits, with any code fence and
 * <details> left open by the cut closed again, then the cut notice and the footer. Only the report's own tags count:
 * a line that is exactly `</details>` or starts with `<details>`; text from names and data is escaped or in code spans.
 */
function truncateLines(sections: readonly Section[], limit: number, hint: string): string {
  const footer = sections.filter(section => section.id === 'footer')
  const body = join(sections.filter(section => section.id !== 'footer')).split('\n')
  const tail = `\n\n> ✂️ Cut to stay under GitHub's size limit. ${hint}${footer.length > 0 ? SEPARATOR + join(footer) : ''}`
  const kept: string[] = []
  let used = 0
  let inFence = false
  let openDetails = 0
  for (const line of body) {
    const fence: boolean = line.startsWith('```') ? !inFence : inFence
    const open: number =
      openDetails + (!inFence && line.startsWith('<details>') ? 1 : 0) - (!inFence && line === '</details>' ? 1 : 0)
    const closing = (fence ? '\n```' : '') + '\n\n</details>'.repeat(Math.max(0, open))
    const next = used + size(line) + 1
    if (next + size(closing) + size(tail) > limit) break
    kept.push(line)
    used = next
    inFence = fence
    openDetails = Math.max(0, open)
  }
  const closing = (inFence ? '\n```' : '') + '\n\n</details>'.repeat(openDetails)
  return kept.join('\n') + closing + tail
}

function join(sections: readonly Section[]): string {
  return sections.map(section => section.text).join(SEPARATOR)
}

/** Characters (what GitHub counts for comments) as UTF-16 length is close enough, but bytes bound both. */
function size(markdown: string): number {
  return Buffer.byteLength(markdown, 'utf8')
}

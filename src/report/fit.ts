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
    text: `> ✂️ ${omitted.length} section${omitted.length === 1 ? '' : 's'} left out to stay under GitHub's size limit. ${fullReportHint}`
  })
  const withNotice = (): Section[] => {
    const footerAt = kept.findIndex(section => section.id === 'footer')
    const at = footerAt === -1 ? kept.length : footerAt
    return [...kept.slice(0, at), notice(), ...kept.slice(at)]
  }
  for (let index = kept.length - 1; index >= 0 && size(join(withNotice())) > limit; index--) {
    const section = kept[index] as Section
    if (section.required) continue
    kept.splice(index, 1)
    omitted.unshift(section.id)
  }
  const markdown = join(withNotice())
  // Required sections alone can still be too large (a chain of thousands of models): cut at a line boundary.
  return { markdown: size(markdown) <= limit ? markdown : truncateLines(markdown, limit, fullReportHint), omitted }
}

function truncateLines(markdown: string, limit: number, hint: string): string {
  const tail = `\n\n> ✂️ Cut to stay under GitHub's size limit. ${hint}`
  const lines = markdown.split('\n')
  let kept = ''
  for (const line of lines) {
    const next = kept === '' ? line : `${kept}\n${line}`
    if (size(next) + size(tail) > limit) break
    kept = next
  }
  return kept + tail
}

function join(sections: readonly Section[]): string {
  return sections.map(section => section.text).join(SEPARATOR)
}

/** Characters (what GitHub counts for comments) as UTF-16 length is close enough, but bytes bound both. */
function size(markdown: string): number {
  return Buffer.byteLength(markdown, 'utf8')
}

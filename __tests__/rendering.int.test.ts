// A project whose names and data are hostile to Markdown, HTML and Mermaid (bidi controls, emoji, Hebrew, pipes,
// backticks, </details>, -->, @org/team, URLs, #1, GH-123, :+1:, a 200-character name, flags and family emoji where a
// name or a value is cut, a 226-character column, 18 columns of sample rows), diffed with sample rows on and a
// backfill preview. The comment is read back with GitHub's own parser (cmark-gfm) and the checks it cannot make alone
// (support/rendering.mjs): it renders right, every table fits GitHub's content column, and every model name reads as
// the model's name.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createProjectRepo, pullRequestPayload, runAction, type ActionRun, type Repo } from '../support/scenario.mjs'
import { renderingProblems, visibleText } from '../support/rendering.mjs'
import { startGitHubServer, type GitHubServer } from '../support/github-server.mjs'
import { tearDown } from './fixtures/scenario.js'
import { shortName, visibleControls } from '../src/report/markdown.js'

const cmark = createRequire(import.meta.url)('cmark-gfm') as {
  renderHtmlSync(markdown: string, options: object): string
}
const REPOSITORY = 'acme/shop'
const TOKEN = 'ghs_rendering_token'

/** Quoted model names (the part after `marts.`) and a hostile value each model carries in its rows. */
const HOSTILE: readonly (readonly [string, string])[] = [
  ['orders|by(day)*', 'a|b|c'],
  ['rev \u202Etotals 😀 הכנסות', 'removed \u202E1 😀 שלום'],
  ['tick`s </details> --> @org/team', '</details><script>alert(1)</script> --> ```'],
  ['see https://evil #1', 'GH-123 :+1: :tada: https://www.evil.example/?q=1 www.evil.example #1 owner/repo#2 @octocat'],
  [`long_${'n'.repeat(195)}`, 'x'.repeat(300)],
  // Cut in the middle of a flag and of a family emoji (the name) and of a flag (the value), where a cut by code point would fall.
  [`${'a'.repeat(15)}${'🇺🇸'.repeat(20)}${'👨‍👩‍👧'.repeat(20)}`, `${'v'.repeat(79)}🇺🇸🇺🇸`]
]

/** A column name of 226 characters whose every value changes (the row count), and 16 more columns of sample values. */
const LONG_COLUMN = 'c'.repeat(226)
const WIDE_MODEL = `MODEL (name marts.wide, kind FULL, grain order_id);
SELECT order_id, COUNT(*) OVER () AS "${LONG_COLUMN}",
${Array.from({ length: 16 }, (_, index) => `  'value ${index + 1} of order ' || CAST(order_id AS TEXT) AS column_number_${index + 1}`).join(',\n')}
FROM staging.stg_orders
`

const modelName = (quoted: string): string => `marts."${quoted}"`

describe('a project hostile to Markdown, on duckdb', () => {
  let repo: Repo
  let server: GitHubServer
  let run: ActionRun
  let body: string

  beforeAll(async () => {
    server = await startGitHubServer({ owner: 'acme', repo: 'shop', tokens: { [TOKEN]: 'github-actions[bot]' } })
    repo = createProjectRepo({ prefix: 'rendering-', example: 'shop', duckdbFile: 'shop.duckdb' })
    HOSTILE.forEach(([quoted, value], index) => {
      const literal = value.replace(/'/g, "''")
      repo.write(
        `models/marts/hostile_${index}.sql`,
        `MODEL (name ${modelName(quoted)}, kind FULL, grain order_id);\nSELECT order_id, '${literal}' || CAST(order_id AS TEXT) AS "note ${quoted.slice(0, 20)}" FROM staging.stg_orders\n`
      )
    })
    repo.write('models/marts/wide.sql', WIDE_MODEL)
    repo.commitAll('Hostile names and values')
    repo.buildProd()
    const base = repo.head()
    repo.git(['checkout', '-q', '-b', 'pr-41'])
    repo.write(
      'models/staging/stg_orders.sql',
      repo.read('models/staging/stg_orders.sql').replace('FROM raw.orders', 'FROM raw.orders\nWHERE customer_id <> 7')
    )
    const head = repo.commitAll('Drop customer 7')
    server.addPullRequest({ number: 41, head: { ref: 'pr-41', sha: head }, base: { ref: 'main', sha: base } })
    run = await runAction({
      repoDir: repo.dir,
      eventName: 'pull_request',
      payload: pullRequestPayload({ number: 41, baseSha: base, headSha: head, repository: REPOSITORY }),
      inputs: {
        'project-path': 'analytics',
        'github-token': TOKEN,
        'environment-start': '2025-03-01',
        'sample-rows': '3',
        'backfill-start': '2025-01-01'
      },
      apiUrl: server.url,
      repository: REPOSITORY
    })
    body = server.comments(41)[0]?.body ?? ''
  })

  afterAll(() => tearDown({ server, repo }))

  it('diffs every hostile model', () => {
    if (process.env.DUMP_BODY) writeFileSync(process.env.DUMP_BODY, body)
    expect(run.code).toBe(0)
    expect(body).toContain('Sample rows only in prod')
    expect(
      (JSON.parse(run.outputs['diff-results'] ?? '[]') as { status: string }[]).filter(
        entry => entry.status === 'diffed'
      ).length
    ).toBeGreaterThanOrEqual(HOSTILE.length)
  })

  it("renders right in GitHub's parser: tables, details, fences, no stray HTML, no link, mention, reference or shortcode", () => {
    expect(renderingProblems(body, { issueNumber: 41 })).toEqual([])
    expect(server.renderProblems).toEqual([])
  })

  it('shows the parts each check is about: the backfill preview, the long column, the wide sample rows', () => {
    expect(body).toContain('On merge this will backfill')
    expect(body).toContain('| Column | Matching values |')
    expect(body).toMatch(/Sample rows only in prod \(removed\), 18 columns, one line each:/)
    expect(body).toContain(`<summary>\u2068<code>marts.&quot;rev ‹U+202E›totals 😀 הכנסות&quot;</code>\u2069: `)
  })

  it('shows every model name as the name itself (bidi controls shown, long names shortened in the middle)', () => {
    const html = cmark.renderHtmlSync(body, { unsafe: true, extensions: { table: true, autolink: true } })
    const firstCells = Array.from(html.matchAll(/<tr>\s*<td>([\s\S]*?)<\/td>/g), match =>
      visibleText(match[1])
        .replace(/[\u200b\u2068\u2069]/g, '')
        .replace(/^(✏️|↳)\s*/u, '')
        .trim()
    )
    for (const [quoted] of HOSTILE) {
      const expected = visibleControls(shortName(modelName(quoted), 48)).replace(/\u200b/g, '')
      expect(firstCells).toContain(expected)
    }
  })

  it('never lets a bidi control act, and keeps an emoji whole in the graph', () => {
    // The only controls left are the isolates the report puts around right-to-left names, each closed.
    expect(body).not.toMatch(/[\u202a-\u202e\u2066\u2067]/)
    expect(body.match(/\u2068/g)?.length ?? 0).toBe(body.match(/\u2069/g)?.length ?? 0)
    expect(body).toMatch(/\u2068`marts\."rev ‹U\+202E›totals 😀 הכנסות"`\u2069/)
    expect(body).toContain('#128512;')
    expect(body).not.toMatch(/#5535[0-9];|#5[6-7][0-9]{3};/)
  })
})

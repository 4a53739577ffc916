import { describe, it, expect } from '@jest/globals'
import {
  code,
  dataCell,
  details,
  formatCount,
  formatPct,
  html,
  shortName,
  table,
  text,
  visibleControls
} from '../../src/report/markdown.js'

/** The cells of one table row as GitHub splits them: on pipes not escaped by a backslash. */
function cellsOf(row: string): string[] {
  return row
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map(cell => cell.trim())
}

/** CommonMark ends a line at LF, CR or CRLF: a table row must contain none of them. */
const LINE_ENDING = /\r\n|\r|\n/

describe('text', () => {
  it('escapes pipes so that a value cannot add table cells', () => {
    expect(text('a|b')).toBe('a\\|b')
    const row = table(['Value', 'Note'], ['l', 'l'], [[text('x | y | z'), 'ok']]).split('\n')[2]
    expect(cellsOf(row)).toEqual(['x \\| y \\| z', 'ok'])
  })

  it('escapes backticks so that a value cannot open a code span', () => {
    expect(text('`rm -rf`')).toBe('\\`rm -rf\\`')
  })

  it('escapes HTML so that a value cannot inject tags', () => {
    expect(text('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;')
    expect(text('</details>')).toBe('&lt;/details&gt;')
  })

  it('escapes ampersands so that a value cannot spell an entity', () => {
    expect(text('a &lt; b & c')).toBe('a &amp;lt; b &amp; c')
  })

  it('escapes Markdown emphasis, links, strikethrough, headings and backslashes', () => {
    expect(text('**b** _i_ [l](u) ~~s~~ #1 \\')).toBe('\\*\\*b\\*\\* \\_i\\_ \\[l\\](u) \\~\\~s\\~\\~ \\#1 \\\\')
  })

  it('breaks every @mention so that no one gets pinged', () => {
    const escaped = text('cc @octocat and @acme/data-team')
    expect(escaped).not.toContain('@octocat')
    expect(escaped).not.toContain('@acme')
    expect(escaped).toBe('cc @\u200boctocat and @\u200bacme/data-team')
  })

  it('turns newlines into spaces so that a value stays in its table cell', () => {
    expect(text('first\nsecond\r\nthird')).toBe('first second third')
    const rows = table(['Value'], ['l'], [[text('a\nb')], [text('c\r\nd')]]).split('\n')
    expect(rows).toEqual(['| Value |', '| --- |', '| a b |', '| c d |'])
  })

  // CommonMark counts a lone CR as a line ending: left in, it would end the table row and cut off the rest.
  it('turns a lone carriage return into a space so that a value stays in its table cell', () => {
    const row = table(['Value'], ['l'], [[text('old\rnew')]]).split('\n')[2]
    expect(row).not.toMatch(LINE_ENDING)
  })
})

describe('code', () => {
  it('wraps a value in a code span', () => {
    expect(code('staging.stg_games')).toBe('`staging.stg_games`')
  })

  it('fences backticks inside with a longer run, so that the span shows the real name and cannot be closed early', () => {
    expect(code('a`b``c')).toBe('```a`b``c```')
    expect(code('`edge`')).toBe('`` `edge` ``')
  })

  it('escapes pipes so that a code span can sit in a table cell', () => {
    const row = table(['Model', 'Rows'], ['l', 'r'], [[code('weird|name'), '5']]).split('\n')[2]
    expect(row).toBe('| `weird\\|name` | 5 |')
    expect(cellsOf(row)).toEqual(['`weird\\|name`', '5'])
  })

  it('turns newlines into spaces', () => {
    expect(code('a\nb\r\nc')).toBe('`a b c`')
  })

  // Same as text(): a lone carriage return is a CommonMark line ending and would cut the table row.
  it('turns a lone carriage return into a space so that a code span stays in its table cell', () => {
    const row = table(['Model'], ['l'], [[code('a\rb')]]).split('\n')[2]
    expect(row).not.toMatch(LINE_ENDING)
  })
})

describe('html', () => {
  it('escapes tags, quotes and ampersands, and breaks @mentions', () => {
    expect(html('<b title="x">Tom & @jerry</b>')).toBe('&lt;b title=&quot;x&quot;&gt;Tom &amp; @\u200bjerry&lt;/b&gt;')
  })
})

describe('table', () => {
  it('renders a header, an alignment row and one line per row', () => {
    expect(
      table(
        ['Model', 'Rows'],
        ['l', 'r'],
        [
          ['a', '1'],
          ['b', '2']
        ]
      )
    ).toBe(['| Model | Rows |', '| --- | ---: |', '| a | 1 |', '| b | 2 |'].join('\n'))
  })

  it('renders just the header for no rows', () => {
    expect(table(['Model'], ['l'], [])).toBe('| Model |\n| --- |')
  })
})

describe('details', () => {
  it('wraps the body in a collapsible block with blank lines around it', () => {
    expect(details('Summary', 'Body')).toBe('<details><summary>Summary</summary>\n\nBody\n\n</details>')
  })
})

describe('formatCount', () => {
  it('groups thousands with commas', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(2380)).toBe('2,380')
    expect(formatCount(1234567)).toBe('1,234,567')
  })
})

describe('formatPct', () => {
  it('shows exactly 100 as 100%', () => {
    expect(formatPct(100)).toBe('100%')
  })

  it('never rounds a value below 100 up to 100', () => {
    expect(formatPct(99.999)).toBe('>99.99%')
    expect(formatPct(99.9951)).toBe('>99.99%')
  })

  it('shows two decimals otherwise', () => {
    expect(formatPct(99.99)).toBe('99.99%')
    expect(formatPct(97.5)).toBe('97.50%')
    expect(formatPct(33.333)).toBe('33.33%')
    expect(formatPct(0)).toBe('0.00%')
  })
})

describe('visibleControls', () => {
  it('shows bidi controls instead of obeying them, in text, code and HTML', () => {
    expect(visibleControls('a\u202Eb')).toBe('a‹U+202E›b')
    expect(text('x\u2067y')).toBe('x‹U+2067›y')
    expect(code('m\u202E')).toBe('`m‹U+202E›`')
    expect(html('\u200F')).toBe('‹U+200F›')
  })
})

describe('dataCell', () => {
  it('never lets a value become a link, an autolink or an issue reference', () => {
    expect(dataCell('https://evil.example/x')).toBe('https:\u2060//evil.example/x')
    expect(dataCell('www.example.com')).toBe('www\u2060.example.com')
    expect(dataCell('see #1 and org/repo#12')).toBe('see \\#\u20601 and org/repo\\#\u206012')
  })

  it('cuts before escaping, so that no entity is cut in half, and by character, not UTF-16 unit', () => {
    expect(dataCell(`${'a'.repeat(79)}<b>`)).toBe(`${'a'.repeat(79)}&lt;…`)
    expect(dataCell('😀'.repeat(81))).toBe(`${'😀'.repeat(80)}…`)
  })
})

describe('pipes by context', () => {
  it('leaves a pipe alone in a code span outside a table, where a backslash would show', () => {
    expect(code('marts."a|b"')).toBe('`marts."a|b"`')
  })

  it('escapes each pipe once inside a table cell, code spans included', () => {
    const row = table(['Model', 'Note'], ['l', 'l'], [[code('a|b'), text('x|y')]]).split('\n')[2]
    expect(row).toBe('| `a\\|b` | x\\|y |')
  })
})

describe('shortName', () => {
  it('keeps short names and shortens long ones in the middle, by character', () => {
    expect(shortName('staging.stg_games')).toBe('staging.stg_games')
    const long = `marts.${'x'.repeat(200)}_end`
    const short = shortName(long, 21)
    expect(short).toBe('marts.xxxx…xxxxxx_end')
    expect(Array.from(short)).toHaveLength(21)
    // An emoji takes two columns: 9 columns hold two on either side of the ellipsis.
    expect(shortName('😀'.repeat(100), 9)).toBe('😀😀…😀😀')
  })
})

describe('right-to-left names', () => {
  it('isolates a code span holding Hebrew, so that the numbers after it keep their order', () => {
    expect(code('marts.הכנסות')).toBe('\u2068`marts.הכנסות`\u2069')
    expect(code('marts.revenue')).toBe('`marts.revenue`')
  })
})

describe('references and shortcodes in data (issue 17 §7)', () => {
  it('keeps GH-123 from becoming an issue link, like #123', () => {
    expect(text('see GH-123 and gh-7')).toBe('see GH-\u2060123 and gh-\u20607')
    expect(dataCell('GH-123')).toBe('GH-\u2060123')
    expect(text('BUGH-1')).toBe('BUGH-1')
  })

  it('keeps :+1: and other shortcodes literal, and leaves times alone', () => {
    expect(text(':+1: :white_check_mark:')).toBe(':\u2060+1: :\u2060white\\_check\\_mark:')
    expect(dataCell('ok :tada:')).toBe('ok :\u2060tada:')
    expect(text('12:30:00')).toBe('12:30:00')
  })
})

describe('shortening by grapheme cluster (issue 17 §7)', () => {
  const FLAG = '🇺🇸'
  const FAMILY = '👨‍👩‍👧'

  it('never cuts a flag or a family emoji in a shortened name, and counts each as two columns', () => {
    const name = `marts.${'a'.repeat(14)}${FLAG.repeat(20)}${FAMILY.repeat(20)}z`
    const short = shortName(name, 48)
    const segments = Array.from(new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(short), s => s.segment)
    expect(segments.filter(segment => segment !== FLAG && segment !== FAMILY && !/^[\w.…]$/.test(segment))).toEqual([])
    expect(short.startsWith(`marts.${'a'.repeat(14)}${FLAG}`)).toBe(true)
    expect(short.endsWith(`${FAMILY}z`)).toBe(true)
    const columns = segments.reduce((sum, segment) => sum + (segment === FLAG || segment === FAMILY ? 2 : 1), 0)
    expect(columns).toBeLessThanOrEqual(48)
    expect(columns).toBeGreaterThanOrEqual(46)
  })

  it('never cuts one in a data value', () => {
    expect(dataCell(`${'a'.repeat(79)}${FLAG}${FLAG}`)).toBe(`${'a'.repeat(79)}${FLAG}…`)
    expect(dataCell(`${'a'.repeat(79)}${FAMILY}x`)).toBe(`${'a'.repeat(79)}${FAMILY}…`)
  })
})

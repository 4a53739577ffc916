import { describe, it, expect } from '@jest/globals'
import { parseNameStatus } from '../../src/github/git.js'

/** What `git diff --name-status -z` prints: status NUL path NUL, repeated. */
const z = (...pairs: [string, string][]): string => pairs.map(([status, path]) => `${status}\0${path}\0`).join('')

describe('parseNameStatus', () => {
  it('maps A, M, D and T to added, modified, removed and modified', () => {
    expect(
      parseNameStatus(
        z(['A', 'models/new.sql'], ['M', 'models/edit.sql'], ['D', 'models/gone.sql'], ['T', 'macros/link.py'])
      )
    ).toEqual([
      { path: 'models/new.sql', status: 'added' },
      { path: 'models/edit.sql', status: 'modified' },
      { path: 'models/gone.sql', status: 'removed' },
      { path: 'macros/link.py', status: 'modified' }
    ])
  })

  it('keeps paths with spaces, tabs and unicode as they are', () => {
    expect(
      parseNameStatus(z(['M', 'models/my model.sql'], ['A', 'seeds/équipes 2024.csv'], ['D', 'docs/日本語\tnotes.md']))
    ).toEqual([
      { path: 'models/my model.sql', status: 'modified' },
      { path: 'seeds/équipes 2024.csv', status: 'added' },
      { path: 'docs/日本語\tnotes.md', status: 'removed' }
    ])
  })

  it('keeps a path that looks like a status letter', () => {
    expect(parseNameStatus(z(['M', 'A'], ['A', 'D']))).toEqual([
      { path: 'A', status: 'modified' },
      { path: 'D', status: 'added' }
    ])
  })

  it('returns nothing for empty output', () => {
    expect(parseNameStatus('')).toEqual([])
  })

  it('reads a status with a score by its first letter', () => {
    expect(parseNameStatus('M100\0models/a.sql\0')).toEqual([{ path: 'models/a.sql', status: 'modified' }])
  })
})

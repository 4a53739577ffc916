import { describe, expect, it } from '@jest/globals'
import { redact, registerSecret } from '../src/secrets.js'

describe('redact', () => {
  it('replaces every occurrence of a registered secret in text bound for a comment', () => {
    registerSecret('hunter2-password')
    expect(redact('connection to postgres://app:hunter2-password@db failed; hunter2-password')).toBe(
      'connection to postgres://app:***@db failed; ***'
    )
  })

  it('leaves very short values alone, so that ordinary words are not mangled', () => {
    registerSecret('ab')
    expect(redact('a tab and a crab')).toBe('a tab and a crab')
  })
})

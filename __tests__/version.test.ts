// The footer of every comment names the action's version: src/version.ts, generated from package.json when building.

import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { ACTION_VERSION } from '../src/version.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

describe('the action version', () => {
  it('is package.json version (npm run build writes src/version.ts from it)', () => {
    expect(ACTION_VERSION).toBe(pkg.version)
  })

  it('is a semantic version, as the release tags v1.x.y are', () => {
    expect(ACTION_VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/)
  })

  it('is in the bundle runners run', () => {
    expect(readFileSync(new URL('../dist/index.js', import.meta.url), 'utf8')).toContain(
      `ACTION_VERSION = '${ACTION_VERSION}'`
    )
  })
})

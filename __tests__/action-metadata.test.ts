// action.yml is what users read in the marketplace and what the runner reads: every input documented with a default,
// every output documented, the README's tables in step with both, and the Node version GitHub runs.

import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'

const actionYml = readFileSync(new URL('../action.yml', import.meta.url), 'utf8')
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** Names and the keys under them in one top-level block of action.yml ("inputs:" or "outputs:"). */
function block(name: string): Map<string, string[]> {
  const body = actionYml.split(new RegExp(`^${name}:\\s*$`, 'm'))[1]?.split(/^\S/m)[0] ?? ''
  const entries = new Map<string, string[]>()
  let current = ''
  for (const line of body.split('\n')) {
    const entry = /^ {2}([a-z0-9-]+):\s*$/.exec(line)
    if (entry) entries.set((current = entry[1]), [])
    const key = /^ {4}([a-z]+):/.exec(line)
    if (key && current) entries.get(current)?.push(key[1])
  }
  return entries
}

describe('action.yml', () => {
  it('runs on Node 24 from the committed bundle', () => {
    expect(actionYml).toMatch(/^runs:\n {2}using: node24\n {2}main: dist\/index\.js$/m)
  })

  it('gives every input a description and a default', () => {
    const inputs = block('inputs')
    expect(inputs.size).toBeGreaterThan(20)
    for (const [name, keys] of inputs)
      expect([name, keys.includes('description') && keys.includes('default')]).toEqual([name, true])
  })

  it('describes every output', () => {
    const outputs = block('outputs')
    expect([...outputs.keys()]).toEqual(
      expect.arrayContaining([
        'changed-models',
        'affected-models',
        'diff-results',
        'backfilled-models',
        'backfill-results'
      ])
    )
    for (const [name, keys] of outputs) expect([name, keys]).toEqual([name, ['description']])
  })

  it('has every input and output in the README', () => {
    const missing = [...block('inputs').keys(), ...block('outputs').keys()].filter(
      name => !readme.includes(`\`${name}\``)
    )
    expect(missing).toEqual([])
  })
})

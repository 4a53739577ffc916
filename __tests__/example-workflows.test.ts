// The workflows users copy are files (examples/workflows/, checked by actionlint and zizmor in scripts/lint.sh), and
// the README shows exactly those files: each snippet follows a `<!-- examples/workflows/<file> -->` marker. The
// repository's own CI runs the commands .ci/run runs, so a green CI on GitHub means what a green .ci/run means here.

import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'

const root = new URL('../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')
const readme = read('README.md')
const exampleFiles = readdirSync(new URL('examples/workflows/', root))
  .filter(name => name.endsWith('.yml'))
  .sort()

/** The README's YAML snippets that follow a marker naming an example file, by file name. */
function markedSnippets(): Map<string, string> {
  const snippets = new Map<string, string>()
  for (const match of readme.matchAll(/^<!-- examples\/workflows\/([\w.-]+) -->\n```yaml\n([\s\S]*?)^```$/gm)) {
    snippets.set(match[1], match[2])
  }
  return snippets
}

/** The `run:` commands of a workflow's steps, one-line ones only (the CI workflows have no other kind). */
function runCommands(workflow: string): string[] {
  return [...workflow.matchAll(/^ +- run: (.+)$/gm)].map(match => match[1].trim())
}

describe('example workflows', () => {
  it('has the pull request, merge, manual and watch workflows', () => {
    expect(exampleFiles).toEqual([
      'sqlmesh-manual.yml',
      'sqlmesh-merge.yml',
      'sqlmesh-pull-request.yml',
      'sqlmesh-watch.yml'
    ])
  })

  it('shows each example file in the README, character for character', () => {
    const snippets = markedSnippets()
    expect([...snippets.keys()].sort()).toEqual(exampleFiles)
    for (const name of exampleFiles) {
      expect([name, snippets.get(name)]).toEqual([name, read(`examples/workflows/${name}`)])
    }
  })

  it('shows no other workflow in the README', () => {
    // A snippet with jobs is a whole workflow: it must be one of the files (fragments such as `on:` are fine).
    const unmarked = [...readme.matchAll(/^(.*)\n```yaml\n([\s\S]*?)^```$/gm)].filter(
      match => /^jobs:/m.test(match[2]) && !match[1].startsWith('<!-- examples/workflows/')
    )
    expect(unmarked.map(match => match[2].split('\n')[0])).toEqual([])
  })

  it('pins every third-party action by full commit SHA, with its version beside it, here and in .github', () => {
    const files = [
      ...exampleFiles.map(name => `examples/workflows/${name}`),
      ...readdirSync(new URL('.github/workflows/', root)).map(name => `.github/workflows/${name}`)
    ]
    for (const name of files) {
      for (const [, action, ref, comment] of read(name).matchAll(/uses: ([\w.-]+\/[\w.-]+)@(\S+)(.*)$/gm)) {
        if (action === 'your-org/sqlmesh-action') continue
        expect([name, action, ref, comment]).toEqual([
          name,
          action,
          expect.stringMatching(/^[0-9a-f]{40}$/),
          expect.stringMatching(/^ # v\d+\.\d+\.\d+$/)
        ])
      }
    }
  })
  it("pins each action at the commit the repository's own workflows use, which Dependabot keeps current", () => {
    const pins = (files: string[]): Map<string, string> =>
      new Map(
        files.flatMap(file =>
          [...read(file).matchAll(/uses: ([\w.-]+\/[\w.-]+)@(\S+ # \S+)/g)].map(match => [match[1], match[2]] as const)
        )
      )
    const own = pins(readdirSync(new URL('.github/workflows/', root)).map(name => `.github/workflows/${name}`))
    for (const [action, pin] of pins(exampleFiles.map(name => `examples/workflows/${name}`))) {
      if (action === 'your-org/sqlmesh-action') continue
      expect([action, pin]).toEqual([action, own.get(action)])
    }
  })
})

describe("the repository's own workflows", () => {
  const ciRun = read('.ci/run')
    .split('\n')
    .map(line => line.trim())

  it('runs in CI the commands .ci/run runs, in its order', () => {
    const commands = runCommands(read('.github/workflows/ci.yml'))
    expect(commands).toEqual(['npm ci --no-audit --no-fund', 'npm test', 'bash scripts/check-dist.sh'])
    expect(commands.map(command => ciRun.indexOf(command))).toEqual(
      commands.map(command => ciRun.indexOf(command)).sort((a, b) => a - b)
    )
    for (const command of commands) expect([command, ciRun.includes(command)]).toEqual([command, true])
  })

  it('checks dist/ with the check .ci/run uses, after the build npm test runs', () => {
    const commands = runCommands(read('.github/workflows/check-dist.yml'))
    expect(commands).toEqual(['npm ci --no-audit --no-fund', 'npm run -s build', 'bash scripts/check-dist.sh'])
    expect(read('scripts/test.sh')).toContain('npm run -s build')
  })

  it('runs the action itself on examples/basketball end to end', () => {
    const e2e = read('.github/workflows/e2e.yml')
    expect(e2e.match(/- uses: \.\/ /g)).toHaveLength(2)
    expect(e2e.match(/project-path: examples\/basketball$/gm)).toHaveLength(2)
  })
})

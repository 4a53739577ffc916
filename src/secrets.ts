// Secrets this run knows of (the token, connection passwords from the SQLMesh config). The runner masks them in the
// log once registered; text that leaves through the GitHub API (comments) is redacted here, since nothing masks it.

import * as core from '@actions/core'

const known = new Set<string>()

export function registerSecret(value: string): void {
  if (value.length < 4) return // Too short to redact without mangling ordinary text; still masked in the log.
  known.add(value)
  core.setSecret(value)
}

export function redact(text: string): string {
  let result = text
  for (const secret of known) result = result.split(secret).join('***')
  return result
}

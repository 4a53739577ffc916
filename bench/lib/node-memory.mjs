// Loaded into the action's node with NODE_OPTIONS=--import=<this file> (bench/lib/action.mjs does it when it is given
// BENCH_NODE_MEMORY): when node exits, however it exits (process.exit included), its peak resident set size goes to
// that file. Nothing else changes in the run.

import { writeFileSync } from 'node:fs'

const target = process.env.BENCH_NODE_MEMORY
if (target) {
  process.on('exit', () => {
    // maxRSS is in kilobytes (getrusage's ru_maxrss).
    writeFileSync(target, JSON.stringify({ pid: process.pid, maxRssKiB: process.resourceUsage().maxRSS }))
  })
}

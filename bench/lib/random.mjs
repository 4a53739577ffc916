// A small seeded random generator: every generated project and graph must be the same on every run and machine, so
// that medians from different runs compare.

/**
 * mulberry32: 32-bit state, good enough spread for picking parents and rows, and reproducible everywhere.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function seededRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** @param {() => number} random @param {number} n @returns {number} an integer in [0, n) */
export function pickIndex(random, n) {
  return Math.floor(random() * n)
}

/**
 * `count` distinct items of `items`, in a seeded order (partial Fisher-Yates on a copy).
 * @template T @param {() => number} random @param {readonly T[]} items @param {number} count @returns {T[]}
 */
export function pickDistinct(random, items, count) {
  const copy = [...items]
  const take = Math.min(count, copy.length)
  for (let i = 0; i < take; i++) {
    const j = i + pickIndex(random, copy.length - i)
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy.slice(0, take)
}

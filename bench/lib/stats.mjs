// Medians, probe-log reading and plain-text tables: the small shared pieces of the benchmark.

import { existsSync, readFileSync } from 'node:fs'

/** @param {readonly number[]} values @returns {number} NaN for an empty list */
export function median(values) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** @param {readonly number[]} values */
export function sum(values) {
  return values.reduce((total, value) => total + value, 0)
}

/** A positive whole number from the environment, else the default (repetition counts, row counts). */
export function envInt(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number.parseInt(raw, 10)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1, got '${raw}'`)
  return value
}

/** A comma-separated list of positive whole numbers from the environment, else the default. */
export function envIntList(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  return raw.split(',').map(part => {
    const value = Number.parseInt(part.trim(), 10)
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be whole numbers >= 1 separated by commas, got '${raw}'`)
    return value
  })
}

/**
 * The events bench/probe.py appended (one JSON object per line), oldest first.
 * @param {string} path @returns {Array<{ t: number, pid: number, event: string, [key: string]: unknown }>}
 */
export function readProbeLog(path) {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line))
    .sort((a, b) => a.t - b.t)
}

/** Seconds with a fixed number of decimals. @param {number} seconds */
export function secs(seconds, decimals = 2) {
  return Number.isFinite(seconds) ? `${seconds.toFixed(decimals)} s` : 'n/a'
}

/** @param {number} ms */
export function millis(ms, decimals = 1) {
  return Number.isFinite(ms) ? `${ms.toFixed(decimals)} ms` : 'n/a'
}

/**
 * A markdown table (it reads fine in a terminal and pastes into BENCHMARKS.md as is).
 * @param {string[]} header @param {Array<Array<string | number>>} rows
 */
export function table(header, rows) {
  const cells = [header, ...rows].map(row => row.map(String))
  const widths = header.map((_, i) => Math.max(...cells.map(row => row[i]?.length ?? 0)))
  const line = row => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`
  return [line(cells[0]), `| ${widths.map(w => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n')
}

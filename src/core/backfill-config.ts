// The repository's backfill settings file: per-model `backfill` (false keeps a model out of automatic backfills) and
// `backfill_start_date` (its own start instead of the backfill-start input). Pure: validates parsed YAML.
//
//   models:
//     features_dev.game_features:
//       backfill: true
//       backfill_start_date: '2025-10-01'

import type { BackfillSettings, ModelBackfillSetting } from './backfill.js'

export function parseBackfillSettings(
  data: unknown,
  file: string,
  knownModels: (name: string) => boolean
): BackfillSettings {
  const settings = new Map<string, ModelBackfillSetting>()
  if (data === null || data === undefined) return settings
  const models = isRecord(data) ? data.models : undefined
  if (!isRecord(data) || !isRecord(models)) {
    throw new Error(`${file}: expected a 'models:' mapping of model names to settings (backfill, backfill_start_date).`)
  }
  for (const [name, value] of Object.entries(models)) {
    if (!knownModels(name))
      throw new Error(
        `${file}: '${name}' is not a model of this project. Use the model's name, e.g. staging.stg_games.`
      )
    if (!isRecord(value))
      throw new Error(`${file}: settings of '${name}' must be a mapping (backfill, backfill_start_date).`)
    const unknown = Object.keys(value).filter(key => key !== 'backfill' && key !== 'backfill_start_date')
    if (unknown.length > 0)
      throw new Error(
        `${file}: unknown setting '${unknown[0]}' for '${name}'; expected backfill or backfill_start_date.`
      )
    const backfill = value.backfill ?? true
    if (typeof backfill !== 'boolean') throw new Error(`${file}: 'backfill' of '${name}' must be true or false.`)
    const start = value.backfill_start_date
    if (start !== undefined && start !== null && typeof start !== 'string') {
      throw new Error(`${file}: 'backfill_start_date' of '${name}' must be a date such as '2025-01-01'.`)
    }
    settings.set(name, { backfill, startDate: typeof start === 'string' && start !== '' ? start : null })
  }
  return settings
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

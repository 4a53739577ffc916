import { describe, it, expect } from '@jest/globals'
import { parseBackfillSettings } from '../../src/core/backfill-config.js'

const FILE = 'backfill.yaml'
const MODELS = new Set(['staging.stg_games', 'staging.stg_teams', 'marts.team_stats', 'marts.report'])
const known = (name: string): boolean => MODELS.has(name)

const parse = (data: unknown): ReturnType<typeof parseBackfillSettings> => parseBackfillSettings(data, FILE, known)

describe('parseBackfillSettings', () => {
  it('reads backfill and backfill_start_date per model, with backfill true and no start by default', () => {
    const settings = parse({
      models: {
        'staging.stg_games': { backfill: false },
        'staging.stg_teams': { backfill_start_date: '2025-10-01' },
        'marts.team_stats': { backfill: true, backfill_start_date: null },
        'marts.report': {}
      }
    })
    expect([...settings.entries()]).toEqual([
      ['staging.stg_games', { backfill: false, startDate: null }],
      ['staging.stg_teams', { backfill: true, startDate: '2025-10-01' }],
      ['marts.team_stats', { backfill: true, startDate: null }],
      ['marts.report', { backfill: true, startDate: null }]
    ])
  })

  it('reads an empty start date as no start date', () => {
    expect(parse({ models: { 'marts.report': { backfill_start_date: '' } } }).get('marts.report')).toEqual({
      backfill: true,
      startDate: null
    })
  })

  it('is empty when there is no file (null) or no data (undefined)', () => {
    expect(parse(null).size).toBe(0)
    expect(parse(undefined).size).toBe(0)
  })

  it('is empty for an empty models mapping', () => {
    expect(parse({ models: {} }).size).toBe(0)
  })

  describe('rejects, naming the file', () => {
    const NOT_A_MAPPING =
      "backfill.yaml: expected a 'models:' mapping of model names to settings (backfill, backfill_start_date)."

    it.each<[string, unknown]>([
      ['a list at the top', [{ models: {} }]],
      ['a string at the top', 'models'],
      ['a mapping without models', { model: {} }],
      ['models as a list', { models: ['staging.stg_games'] }],
      ['models left empty', { models: null }]
    ])('data that is not a models mapping: %s', (_label, data) => {
      expect(() => parse(data)).toThrow(NOT_A_MAPPING)
    })

    it('a name that is not a model of the project', () => {
      expect(() => parse({ models: { 'staging.stg_gmaes': { backfill: false } } })).toThrow(
        "backfill.yaml: 'staging.stg_gmaes' is not a model of this project. Use the model's name, e.g. staging.stg_games."
      )
    })

    it.each<[string, unknown]>([
      ['a boolean', false],
      ['a list', ['backfill']],
      ['nothing', null]
    ])("a model's settings that are not a mapping: %s", (_label, value) => {
      expect(() => parse({ models: { 'marts.report': value } })).toThrow(
        "backfill.yaml: settings of 'marts.report' must be a mapping (backfill, backfill_start_date)."
      )
    })

    it('an unknown setting key', () => {
      expect(() => parse({ models: { 'marts.report': { backfill: true, start_date: '2025-01-01' } } })).toThrow(
        "backfill.yaml: unknown setting 'start_date' for 'marts.report'; expected backfill or backfill_start_date."
      )
    })

    it.each<[string, unknown]>([
      ['a string', 'no'],
      ['a number', 0]
    ])('a backfill that is not true or false: %s', (_label, value) => {
      expect(() => parse({ models: { 'marts.report': { backfill: value } } })).toThrow(
        "backfill.yaml: 'backfill' of 'marts.report' must be true or false."
      )
    })

    it.each<[string, unknown]>([
      ['a number', 20251001],
      ['a boolean', true],
      ['a mapping', { date: '2025-10-01' }]
    ])('a backfill_start_date that is not a string: %s', (_label, value) => {
      expect(() => parse({ models: { 'marts.report': { backfill_start_date: value } } })).toThrow(
        "backfill.yaml: 'backfill_start_date' of 'marts.report' must be a date such as '2025-01-01'."
      )
    })

    it('the file by the name it is given', () => {
      expect(() => parseBackfillSettings({ models: { nope: {} } }, 'config/backfill-settings.yml', known)).toThrow(
        /^config\/backfill-settings\.yml: 'nope' is not a model/
      )
    })
  })
})

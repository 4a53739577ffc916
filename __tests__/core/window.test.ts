import { describe, it, expect } from '@jest/globals'
import { describeWindow, diffWindow, formatInstant, spanOf } from '../../src/core/window.js'
import { at, envModel, windowOf } from '../fixtures/builders.js'

describe('spanOf', () => {
  it('is null when there are no intervals', () => {
    expect(spanOf([])).toBeNull()
  })

  it('covers from the earliest start to the latest end, whatever the order', () => {
    expect(
      spanOf([
        windowOf('2024-01-05', '2024-01-06'),
        windowOf('2024-01-01', '2024-01-02'),
        windowOf('2024-01-03', '2024-01-04')
      ])
    ).toEqual(windowOf('2024-01-01', '2024-01-06'))
  })

  it('is the interval itself for a single interval', () => {
    expect(spanOf([windowOf('2024-01-01', '2024-01-02')])).toEqual(windowOf('2024-01-01', '2024-01-02'))
  })
})

describe('diffWindow', () => {
  const prod = envModel({ intervals: [windowOf('2023-01-01', '2024-02-01')] })

  it('is null (compare everything) for a model that is not time-ranged', () => {
    expect(diffWindow(null, prod, envModel({ intervals: [windowOf('2024-01-01', '2024-01-08')] }))).toBeNull()
    expect(diffWindow('', prod, envModel({ intervals: [windowOf('2024-01-01', '2024-01-08')] }))).toBeNull()
  })

  it('is null when the PR environment does not hold the model', () => {
    expect(diffWindow('event_date', prod, undefined)).toBeNull()
  })

  it('is the PR window when prod holds all of it', () => {
    const pr = envModel({ intervals: [windowOf('2024-01-01', '2024-01-08')] })
    expect(diffWindow('event_date', prod, pr)).toEqual(windowOf('2024-01-01', '2024-01-08'))
  })

  it('clips a PR window that runs past what prod holds to prod', () => {
    const pr = envModel({ intervals: [windowOf('2024-01-25', '2024-02-10')] })
    expect(diffWindow('event_date', prod, pr)).toEqual(windowOf('2024-01-25', '2024-02-01'))
  })

  it('clips a PR window that starts before prod to prod', () => {
    const pr = envModel({ intervals: [windowOf('2022-12-01', '2023-01-10')] })
    expect(diffWindow('event_date', prod, pr)).toEqual(windowOf('2023-01-01', '2023-01-10'))
  })

  it("is 'empty' when the PR window lies entirely after prod's", () => {
    const pr = envModel({ intervals: [windowOf('2024-03-01', '2024-03-08')] })
    expect(diffWindow('event_date', prod, pr)).toBe('empty')
  })

  it("is 'empty' when the windows only touch (half-open ranges)", () => {
    const pr = envModel({ intervals: [windowOf('2024-02-01', '2024-02-08')] })
    expect(diffWindow('event_date', prod, pr)).toBe('empty')
  })

  it("is 'empty' when the PR environment holds no interval", () => {
    expect(diffWindow('event_date', prod, envModel({ intervals: [] }))).toBe('empty')
  })

  it('is the PR window as it is when prod holds no interval to clip it to', () => {
    const pr = envModel({ intervals: [windowOf('2024-01-01', '2024-01-08')] })
    expect(diffWindow('event_date', envModel({ intervals: [] }), pr)).toEqual(windowOf('2024-01-01', '2024-01-08'))
    expect(diffWindow('event_date', undefined, pr)).toEqual(windowOf('2024-01-01', '2024-01-08'))
  })
})

describe('formatInstant', () => {
  it('formats midnight UTC as a date', () => {
    expect(formatInstant(at('2024-01-07'))).toBe('2024-01-07')
  })

  it('formats any other instant as a timestamp without the T and the zone', () => {
    expect(formatInstant(at('2024-01-07T13:45:09Z'))).toBe('2024-01-07 13:45:09')
    expect(formatInstant(at('2024-01-07T00:00:01Z'))).toBe('2024-01-07 00:00:01')
  })

  it('formats the epoch as a date', () => {
    expect(formatInstant(0)).toBe('1970-01-01')
  })
})

describe('describeWindow', () => {
  it('shows a whole-day window with its last day inclusive', () => {
    expect(describeWindow(windowOf('2024-01-01', '2024-01-08'))).toBe('2024-01-01 – 2024-01-07')
  })

  it('shows a one-day window as that day twice', () => {
    expect(describeWindow(windowOf('2024-01-01', '2024-01-02'))).toBe('2024-01-01 – 2024-01-01')
  })

  it('marks a window that does not end at midnight as exclusive', () => {
    expect(describeWindow(windowOf('2024-01-01', '2024-01-01T06:00:00Z'))).toBe(
      '2024-01-01 – 2024-01-01 06:00:00 (exclusive)'
    )
  })

  it('keeps a start time that is not midnight', () => {
    expect(describeWindow(windowOf('2024-01-01T12:00:00Z', '2024-01-03'))).toBe('2024-01-01 12:00:00 – 2024-01-02')
  })
})

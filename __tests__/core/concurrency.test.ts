import { describe, it, expect } from '@jest/globals'
import { mapLimit } from '../../src/core/concurrency.js'

interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T): void
  reject(error: Error): void
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined
  let reject: (error: Error) => void = () => undefined
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve
    reject = onReject
  })
  return { promise, resolve, reject }
}

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/** Work whose items finish only when the test says so, recording which ones are in flight. */
function controlledWork<T>(count: number): {
  readonly gates: Deferred<T>[]
  readonly started: number[]
  readonly inFlight: () => number
  readonly maxInFlight: () => number
  readonly work: (item: number, index: number) => Promise<T>
} {
  const gates = Array.from({ length: count }, () => deferred<T>())
  const started: number[] = []
  let current = 0
  let max = 0
  const work = async (_item: number, index: number): Promise<T> => {
    started.push(index)
    current++
    max = Math.max(max, current)
    try {
      return await gates[index].promise
    } finally {
      current--
    }
  }
  return { gates, started, inFlight: () => current, maxInFlight: () => max, work }
}

describe('mapLimit', () => {
  it('returns the results in input order even when items finish in another order', async () => {
    const { gates, work } = controlledWork<string>(4)
    const running = mapLimit([10, 20, 30, 40], 4, work)
    await settle()
    ;[3, 1, 2, 0].forEach(index => gates[index]?.resolve(`result ${index}`))
    await expect(running).resolves.toEqual(['result 0', 'result 1', 'result 2', 'result 3'])
  })

  it('passes each item with its index', async () => {
    const seen: [string, number][] = []
    const results = await mapLimit(['a', 'b', 'c'], 2, (item, index) => {
      seen.push([item, index])
      return Promise.resolve(`${item}${index}`)
    })
    expect(results).toEqual(['a0', 'b1', 'c2'])
    expect([...seen].sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2]
    ])
  })

  it('never runs more than `limit` items at once, starting the next as soon as one finishes', async () => {
    const { gates, started, inFlight, maxInFlight, work } = controlledWork<number>(5)
    const running = mapLimit([1, 2, 3, 4, 5], 2, work)
    await settle()
    expect(started).toEqual([0, 1])
    expect(inFlight()).toBe(2)

    gates[1]?.resolve(1)
    await settle()
    expect(started).toEqual([0, 1, 2])
    expect(inFlight()).toBe(2)

    gates[0]?.resolve(0)
    gates[2]?.resolve(2)
    await settle()
    expect(started).toEqual([0, 1, 2, 3, 4])
    expect(inFlight()).toBe(2)

    gates[3]?.resolve(3)
    gates[4]?.resolve(4)
    await expect(running).resolves.toEqual([0, 1, 2, 3, 4])
    expect(inFlight()).toBe(0)
    expect(maxInFlight()).toBe(2)
  })

  it('runs one at a time with a limit of 1', async () => {
    const { gates, started, maxInFlight, work } = controlledWork<number>(3)
    const running = mapLimit([1, 2, 3], 1, work)
    await settle()
    expect(started).toEqual([0])
    gates[0]?.resolve(0)
    await settle()
    expect(started).toEqual([0, 1])
    gates[1]?.resolve(1)
    gates[2]?.resolve(2)
    await expect(running).resolves.toEqual([0, 1, 2])
    expect(maxInFlight()).toBe(1)
  })

  it('starts every item at once when the limit is larger than the list', async () => {
    const { gates, started, inFlight, work } = controlledWork<number>(3)
    const running = mapLimit([1, 2, 3], 10, work)
    await settle()
    expect(started).toEqual([0, 1, 2])
    expect(inFlight()).toBe(3)
    gates.forEach((gate, index) => gate.resolve(index * 2))
    await expect(running).resolves.toEqual([0, 2, 4])
  })

  it('returns an empty list for an empty list without calling the work', async () => {
    let calls = 0
    const results = await mapLimit<number, number>([], 3, item => {
      calls++
      return Promise.resolve(item)
    })
    expect(results).toEqual([])
    expect(calls).toBe(0)
  })

  it('still runs the work, one at a time, when the limit is 0', async () => {
    const { gates, started, work } = controlledWork<number>(2)
    const running = mapLimit([1, 2], 0, work)
    await settle()
    expect(started).toEqual([0])
    gates[0]?.resolve(0)
    gates[1]?.resolve(1)
    await expect(running).resolves.toEqual([0, 1])
  })

  it('rejects with the error of the work that failed', async () => {
    const { gates, work } = controlledWork<number>(3)
    const running = mapLimit([1, 2, 3], 2, work)
    await settle()
    gates[1]?.reject(new Error('table diff of marts.report failed'))
    gates[0]?.resolve(0)
    gates[2]?.resolve(2)
    await expect(running).rejects.toThrow('table diff of marts.report failed')
  })

  it('rejects when an async work function throws', async () => {
    await expect(
      // eslint-disable-next-line @typescript-eslint/require-await -- the case under test is an async function that throws
      mapLimit([1, 2, 3], 2, async item => {
        if (item === 2) throw new Error(`item ${item} failed`)
        return item
      })
    ).rejects.toThrow('item 2 failed')
  })
})

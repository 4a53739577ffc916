import { describe, it, expect } from '@jest/globals'
import { ANALYTICS_SWITCH, bridgeEnvironment } from '../../src/sqlmesh/client.js'

describe('bridgeEnvironment', () => {
  it("turns SQLMesh's anonymized analytics off when the step's env does not mention them", () => {
    const env = bridgeEnvironment({ PATH: '/usr/bin', PGPASSWORD: 'p' })
    expect(env[ANALYTICS_SWITCH]).toBe('1')
    expect(env.PATH).toBe('/usr/bin')
    expect(env.PGPASSWORD).toBe('p')
  })

  it('keeps the value a user set, including one that turns analytics on', () => {
    expect(bridgeEnvironment({ [ANALYTICS_SWITCH]: '0' })[ANALYTICS_SWITCH]).toBe('0')
    expect(bridgeEnvironment({ [ANALYTICS_SWITCH]: 'false' })[ANALYTICS_SWITCH]).toBe('false')
    expect(bridgeEnvironment({ [ANALYTICS_SWITCH]: '' })[ANALYTICS_SWITCH]).toBe('')
    expect(bridgeEnvironment({ [ANALYTICS_SWITCH]: 'true' })[ANALYTICS_SWITCH]).toBe('true')
  })

  it("leaves the caller's env as it was", () => {
    const original = { PATH: '/usr/bin' }
    bridgeEnvironment(original)
    expect(original).toEqual({ PATH: '/usr/bin' })
  })
})

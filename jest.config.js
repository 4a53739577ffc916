// Unit tests import only the pure modules; integration tests (*.int.test.ts) run the bundled dist/ as a runner does.
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs'],
  resolver: 'ts-jest-resolver',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testPathIgnorePatterns: ['/dist/', '/node_modules/']
}

export default {
  // Integration tests drive real SQLMesh runs; no single test may hang CI, but several seconds each is normal.
  testTimeout: 300_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: [...shared.testPathIgnorePatterns, '\\.int\\.test\\.ts$']
    },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/__tests__/**/*.int.test.ts'] }
  ]
}

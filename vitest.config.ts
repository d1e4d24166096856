import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['app/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Each file gets its own process: the OpenTelemetry API keeps global state.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report feeds the closing "N passed, N failed" line of .ci/run.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // Coverage wherever CI is set (GitHub Actions and .ci/run alike), so both run the same `npm test`.
    coverage: {
      enabled: Boolean(process.env.CI),
      provider: 'v8',
      include: ['app/src/**'],
      reporter: ['text-summary', 'lcov'],
      reportsDirectory: 'test-results/coverage',
    },
  },
});

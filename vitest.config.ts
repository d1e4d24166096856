import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file gets its own process: the OpenTelemetry API keeps global state.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit-integration',
          include: [
            'app/test/**/*.test.ts',
            'test/compare/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/loadtests/**/*.test.ts',
            'test/grafana/**/*.test.ts',
            'test/harness/**/*.test.ts',
          ],
        },
      },
      {
        // End to end, after the others and one file at a time: the stack (with a VM under emulation), the
        // compare command and the overload test each load the two cores; together they would measure
        // each other.
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    // The JSON report feeds the closing "N passed, N failed" line of .ci/run.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // Coverage wherever CI is set (GitHub Actions and .ci/run alike), so both run the same `npm test`.
    coverage: {
      enabled: Boolean(process.env.CI),
      provider: 'v8',
      include: [
        'app/src/**/*.ts',
        'harness/**/*.ts',
        'scripts/**/*.ts',
        'grafana/src/**/*.ts',
        'loadtests/lib/**/*.ts',
      ],
      reporter: ['text-summary', 'lcov'],
      reportsDirectory: 'test-results/coverage',
    },
  },
});

import { defineConfig } from 'vitest/config';

// Two projects: unit tests sit beside their module and need no network;
// stack tests start real PostgreSQL, Kafka, Toxiproxy and k6, so they run one
// file at a time (2 cores) with timeouts sized for process start-up.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{src,recorders,simulators,scenarios,bench,scripts}/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'stack',
          include: ['test/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

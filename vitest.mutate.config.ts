import { defineConfig } from 'vitest/config';

// The unit tests of core/ only, for `npm run mutate` (stryker.config.json): Stryker measures which
// tests cover which code in this process, and the end-to-end suites run servers in child
// processes, where it cannot see; they stay in `npm test`.
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts'],
    testTimeout: 30_000,
  },
});

import { defineConfig } from 'vitest/config';

// npm run test:container (infra/container-test.sh builds the image first): the suites that run the
// built images under the Docker daemon. Not part of npm test, which needs no daemon.
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});

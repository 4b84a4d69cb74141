import { defineConfig } from 'vitest/config';

// The tests `npm run mutate` reruns (stryker.config.json): core/'s unit tests, the Node listeners'
// in-process tests (runtime/node/http-listener.test.ts, runtime/node/grpc/grpc-server.test.ts), and
// the storage contract every source passes, in this process (test/storage/sources.test.ts,
// external-data.test.ts).
// Stryker measures which tests cover which code in this process, and the end-to-end suites run
// servers in child processes, where it cannot see; they stay in `npm test`.
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'runtime/node/http-listener.test.ts', 'runtime/node/grpc/grpc-server.test.ts', 'test/storage/sources.test.ts', 'test/storage/external-data.test.ts'],
    testTimeout: 30_000,
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});

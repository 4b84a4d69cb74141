import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'runtime/**/*.test.ts', 'functions/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // The built images under a Docker daemon: npm run test:container (vitest.container.config.ts), which .ci/run
    // runs after npm test once it has started a daemon. npm test needs none.
    exclude: [...configDefaults.exclude, 'test/container/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The tests' own S3 clients, on Node 20: the SDK's notice that later releases need Node 22
    // (runtime/node/s3-client.ts says why the server turns it off too). The tests' own onnxruntime
    // sessions: no telemetry, so no /tmp/mat-debug-<pid>.log per worker (runtime/node/onnxruntime-node.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ORT_DISABLE_TELEMETRY: '1' },
  },
});

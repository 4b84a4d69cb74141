import { expect, it } from 'vitest';
import { createS3Client } from './s3-client.ts';

// The server's and CLI's S3 client prints nothing on the supported Node versions (20 and 22): the
// SDK's Node 20 notice is turned off by createS3Client (vitest.config.ts does the same for the
// tests' own clients, so it is removed here first).
it('creates an S3 client without the SDK printing a warning', async () => {
  delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    createS3Client({ env: { AWS_REGION: 'us-east-1' } });
    await new Promise((resolve) => setImmediate(resolve)); // emitWarning delivers on a later tick
  } finally {
    process.off('warning', onWarning);
  }
  expect(warnings).toEqual([]);
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from './server-process.ts';

// What a server leaves in the temp folder after it has loaded and run a model: nothing. On Lambda
// that folder outlives an invocation, and a container's may be a small tmpfs.
const temp = mkdtempSync(join(tmpdir(), 'edgeserve-temp-files-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the Node server', () => {
  it("writes no file to the temp folder, onnxruntime's telemetry log included", async () => {
    // As a fresh machine starts it: no ORT_DISABLE_TELEMETRY of its own (the test workers set one).
    const server = await startServer(['--model_config_file=models/models.config'], { ORT_DISABLE_TELEMETRY: '', TMPDIR: temp });
    try {
      const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
      expect(await res.json()).toEqual({ predictions: [[2.5]] });
    } finally {
      await server.stop();
    }
    // tsx's compile cache (tsx-<uid>) is the test's way to run TypeScript, kept on purpose between runs.
    expect(readdirSync(temp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });
});

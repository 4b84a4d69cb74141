import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// Binary predict runs on every target, Workers included, which refuse code generated at run time
// (`new Function`): the REST app must reach the hand-written codec only, never protobufjs.
describe('binary predict on the edge', () => {
  it('the REST app and the service factory bundle without protobufjs or the JSON descriptor', async () => {
    const result = await build({
      entryPoints: ['../../core/http/app.ts', '../../core/service/create-service.ts'].map((path) => new URL(path, import.meta.url).pathname),
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      outdir: 'unused', // several entry points need one; nothing is written
      metafile: true,
      logLevel: 'silent',
      external: ['hono', 'hono/*'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('core/http/binary-predict.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('core/manager/catalog.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('protobufjs') || p.includes('proto-descriptor.json') || p.includes('proto-root.ts'))).toEqual([]);
  });
});

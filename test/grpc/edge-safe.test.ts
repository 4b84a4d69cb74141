import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// Binary predict runs on every target, Workers included, which refuse code generated at run time
// (`new Function`): the REST app must reach the hand-written codec only, never protobufjs.
describe('binary predict on the edge', () => {
  it('the REST app bundles without protobufjs or the JSON descriptor', async () => {
    const result = await build({
      entryPoints: [new URL('../../core/http/app.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      external: ['hono', 'hono/*'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('core/http/binary-predict.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('protobufjs') || p.includes('proto-descriptor.json') || p.includes('proto-root.ts'))).toEqual([]);
  });
});

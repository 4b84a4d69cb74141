import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExternalDataFile } from '../../core/backend/backend.ts';
import { onnxruntimeWasm } from '../../core/backend/onnxruntime-wasm.ts';
import { externalDataLocations } from '../../core/repository/external-data.ts';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { externalize, graph, mlpSpec } from '../fixtures/onnx-writer.ts';

// Models whose weights live in external data: onnxruntime-node opens them from disk by path,
// onnxruntime-web (wasm) takes their bytes in its externalData option; both answer exactly as
// the same model with its weights inline.
const SPEC = mlpSpec({ layers: [16, 32, 4], seed: 7 });
const INLINE = graph(SPEC);
const x = { dtype: 'float32' as const, dims: [2, 16], data: Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)) };
const dir = mkdtempSync(join(tmpdir(), 'edgeserve-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function onDisk(name: string, perTensor: boolean) {
  const { model, files } = externalize(SPEC, { perTensor });
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  writeFileSync(join(folder, 'model.onnx'), model);
  for (const [path, bytes] of files) writeFileSync(join(folder, path), bytes);
  const externalData: ExternalDataFile[] = [...files].map(([path, data]) => ({ path, size: data.byteLength, data }));
  return { model, files, folder, externalData };
}

async function expected() {
  const session = await onnxruntimeNode({ intraOpNumThreads: 1 }).load(INLINE);
  return (await session.run({ x })).y.data;
}

describe('external data', () => {
  it('model.onnx names its files, and holds no weights', () => {
    const one = externalize(SPEC);
    expect(externalDataLocations(one.model)).toEqual(['model.onnx.data']);
    expect(one.model.byteLength).toBeLessThan(1000);
    expect(externalDataLocations(externalize(SPEC, { perTensor: true }).model)).toEqual(['w0.bin', 'b0.bin', 'w1.bin', 'b1.bin']);
    expect(externalDataLocations(INLINE)).toEqual([]);
  });

  for (const perTensor of [false, true]) {
    const layout = perTensor ? 'one file per tensor' : 'model.onnx.data';
    it(`onnxruntime-node loads ${layout} by path`, async () => {
      const { model, folder, externalData } = onDisk(`node-${perTensor}`, perTensor);
      const backend = onnxruntimeNode({ intraOpNumThreads: 1 });
      expect(backend.opensFiles).toBe(true);
      const files = externalData.map(({ path, size }) => ({ path, size }));
      const session = await backend.load({ bytes: model, externalData: files, path: join(folder, 'model.onnx') });
      expect(session.signature.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: [-1, 16] }]);
      expect((await session.run({ x })).y.data).toEqual(await expected());
      await session.release();
    });

    it(`wasm takes ${layout} as externalData`, async () => {
      const { model, externalData } = onDisk(`wasm-${perTensor}`, perTensor);
      const backend = onnxruntimeWasm();
      expect(backend.opensFiles).toBeFalsy();
      const session = await backend.load({ bytes: model, externalData });
      const y = (await session.run({ x })).y.data as Float32Array;
      const want = (await expected()) as Float32Array;
      y.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      await session.release();
    });
  }

  it('wasm refuses external files it was not given the bytes of', async () => {
    const { model, externalData } = onDisk('wasm-nobytes', false);
    const files = externalData.map(({ path, size }) => ({ path, size }));
    await expect(onnxruntimeWasm().load({ bytes: model, externalData: files, path: '/nowhere/model.onnx' })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
  });
});

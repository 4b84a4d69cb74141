import type { Backend } from '../../core/backend/backend.ts';
import type { Tensor } from '../../core/tensor/tensor.ts';

/**
 * The Backend contract (core/backend/backend.ts) as cases every backend runs: onnxruntime-node and
 * WASM under vitest (backend.test.ts), WebGPU in Deno (deno-contract.ts). Framework-free (plain
 * throws), so the same file runs in both runtimes; each case gets the backend and the bytes of
 * CONTRACT_MODEL (built by the caller with test/fixtures/onnx-writer.ts, which needs protobufjs):
 *
 *   x float32 ['batch', 3] -> y = x * 2 + 1   float32 ['batch', 3]
 *   k int32   ['batch']    -> k_out = k       int32   ['batch']
 */
export interface ContractCase {
  name: string;
  run(backend: Backend, model: Uint8Array): Promise<void>;
}

const X: Tensor = { dtype: 'float32', dims: [2, 3], data: new Float32Array([1, 2, 3, -0.5, 0, 4]) };
const K: Tensor = { dtype: 'int32', dims: [2], data: new Int32Array([7, -9]) };
const Y = [3, 5, 7, 0, 1, 9];

export const CONTRACT_CASES: ContractCase[] = [
  {
    name: 'load: the signature has the graph names, dtypes and shapes (symbolic dims are -1)',
    async run(backend, model) {
      const session = await backend.load(model);
      equal(session.signature, {
        inputs: [
          { name: 'x', dtype: 'float32', dims: [-1, 3] },
          { name: 'k', dtype: 'int32', dims: [-1] },
        ],
        outputs: [
          { name: 'y', dtype: 'float32', dims: [-1, 3] },
          { name: 'k_out', dtype: 'int32', dims: [-1] },
        ],
      });
      await session.release();
    },
  },
  {
    name: 'run: every output, keyed by name, equals the expected values (also when runs overlap)',
    async run(backend, model) {
      const session = await backend.load(model);
      const [a, b] = await Promise.all([session.run({ x: X, k: K }), session.run({ x: X, k: K })]);
      for (const out of [a, b]) {
        equal(Object.keys(out).sort(), ['k_out', 'y']);
        equal({ dtype: out.y.dtype, dims: out.y.dims, data: Array.from(out.y.data as Float32Array) }, { dtype: 'float32', dims: [2, 3], data: Y });
        equal({ dtype: out.k_out.dtype, dims: out.k_out.dims, data: Array.from(out.k_out.data as Int32Array) }, { dtype: 'int32', dims: [2], data: [7, -9] });
      }
      await session.release();
    },
  },
  {
    name: 'load: overlapping loads all succeed, and runs may overlap them',
    async run(backend, model) {
      const first = await backend.load(model);
      const [a, b, out] = await Promise.all([backend.load(model), backend.load(model), first.run({ x: X, k: K })]);
      equal(Array.from(out.y.data as Float32Array), Y);
      equal(Array.from((await b.run({ x: X, k: K })).y.data as Float32Array), Y);
      await Promise.all([first.release(), a.release(), b.release()]);
    },
  },
  {
    name: 'load: bytes that are not ONNX reject with a ServingError that says so',
    async run(backend) {
      const err = await backend.load(new TextEncoder().encode('this is not an onnx model')).then(
        () => null,
        (e: unknown) => e as { name?: string; code?: string; message?: string },
      );
      if (!err) throw new Error('load() accepted bytes that are not ONNX');
      equal({ name: err.name, known: ['INVALID_ARGUMENT', 'FAILED_PRECONDITION'].includes(err.code ?? '') }, { name: 'ServingError', known: true });
      if (!/model|onnx/i.test(err.message ?? '') || /\n\s+at /.test(err.message ?? '')) throw new Error(`unclear load error: ${err.message}`);
    },
  },
  {
    name: 'run: an input of the wrong dtype is INVALID_ARGUMENT',
    async run(backend, model) {
      const session = await backend.load(model);
      const wrong: Tensor = { dtype: 'int32', dims: [2, 3], data: new Int32Array(6) };
      await expectInvalidArgument(session.run({ x: wrong, k: K }));
      await session.release();
    },
  },
  {
    name: 'run: an input of the wrong shape is INVALID_ARGUMENT',
    async run(backend, model) {
      const session = await backend.load(model);
      const wrong: Tensor = { dtype: 'float32', dims: [2, 4], data: new Float32Array(8) };
      await expectInvalidArgument(session.run({ x: wrong, k: K }));
      await session.release();
    },
  },
];

async function expectInvalidArgument(work: Promise<unknown>): Promise<void> {
  const err = await work.then(
    () => null,
    (e: unknown) => e as { name?: string; code?: string },
  );
  if (!err) throw new Error('run() accepted a bad input');
  equal({ name: err.name, code: err.code }, { name: 'ServingError', code: 'INVALID_ARGUMENT' });
}

function equal(actual: unknown, expected: unknown): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`expected ${e}\n     got ${a}`);
}

import { graph, largeModel } from '../fixtures/onnx-writer.ts';

/**
 * Models and files for the progressive-delivery tests: y = x + offset (largeModel), its warmup
 * file with golden outputs, and a model that loads and warms up but fails at run time for the
 * traffic the tests send (x = 10), as a canary that returns errors would.
 */
export const REQUEST = { instances: [[10]] };

export function offsetModel(offset: number): Uint8Array {
  return largeModel(1024, { offset });
}

/** warmup.json whose golden output is what a model with `offset` answers to x = 10. */
export function goldenWarmup(offset: number): string {
  return JSON.stringify({ requests: [{ request: REQUEST, expected: { y: [[10 + offset]] } }] });
}

/** y = table[int(x)] over a one-entry table: x = 0 works (its warmup passes), x = 10 fails the run (400: an index out of the table). */
export function erroringModel(): Uint8Array {
  return graph({
    inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 1] }],
    outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', 1] }],
    nodes: [
      { op: 'Cast', inputs: ['x'], outputs: ['i'], attrs: { to: 7 } },
      { op: 'Gather', inputs: ['table', 'i'], outputs: ['y'] },
    ],
    initializers: [{ name: 'table', dtype: 'float32', dims: [1], data: Float32Array.of(5) }],
  });
}

export const ERRORING_WARMUP = JSON.stringify({ requests: [{ request: { instances: [[0]] }, expected: { y: [[5]] } }] });

import { graph } from '../fixtures/onnx-writer.ts';

/** The model backend-contract.ts describes: y = x * 2 + 1 on float32, k_out = k on int32. */
export function contractModel(): Uint8Array {
  return graph({
    inputs: [
      { name: 'x', dtype: 'float32', dims: ['batch', 3] },
      { name: 'k', dtype: 'int32', dims: ['batch'] },
    ],
    outputs: [
      { name: 'y', dtype: 'float32', dims: ['batch', 3] },
      { name: 'k_out', dtype: 'int32', dims: ['batch'] },
    ],
    initializers: [
      { name: 'two', dtype: 'float32', dims: [], data: [2] },
      { name: 'one', dtype: 'float32', dims: [], data: [1] },
    ],
    nodes: [
      { op: 'Mul', inputs: ['x', 'two'], outputs: ['x2'] },
      { op: 'Add', inputs: ['x2', 'one'], outputs: ['y'] },
      { op: 'Identity', inputs: ['k'], outputs: ['k_out'] },
    ],
  });
}

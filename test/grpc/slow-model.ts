import { graph } from '../fixtures/onnx-writer.ts';

/**
 * A model whose run takes long enough (2n³·k flops: about 13 GFLOP by default) to outlast a short deadline:
 * x f32[1] -> y f32[1] = x + sum((ones(n,n)·x)^(k+1)), k chained n×n MatMuls. The chain depends on
 * x, so onnxruntime cannot fold it into a constant at load time.
 */
export function slowModel({ n = 1024, matmuls = 6 } = {}): Uint8Array {
  const nodes = [
    { op: 'ConstantOfShape', inputs: ['shape'], outputs: ['ones'], attrs: { value: { t: { dtype: 'float32' as const, dims: [1], data: [1e-3] } } } },
    { op: 'Mul', inputs: ['ones', 'x'], outputs: ['m0'] },
  ];
  for (let i = 0; i < matmuls; i++) nodes.push({ op: 'MatMul', inputs: [`m${i}`, 'm0'], outputs: [`m${i + 1}`] });
  nodes.push({ op: 'ReduceSum', inputs: [`m${matmuls}`], outputs: ['total'], attrs: { keepdims: 0 } } as never);
  nodes.push({ op: 'Add', inputs: ['x', 'total'], outputs: ['y'] });
  return graph({
    inputs: [{ name: 'x', dtype: 'float32', dims: [1] }],
    outputs: [{ name: 'y', dtype: 'float32', dims: [1] }],
    initializers: [{ name: 'shape', dtype: 'int64', dims: [2], data: [BigInt(n), BigInt(n)] }],
    nodes,
  });
}

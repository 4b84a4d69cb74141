import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describePlan, planBatching } from '../core/batcher/batchability.ts';
import { tfDtypeName } from '../core/tensor/dtypes.ts';
import { externalDataLocations } from '../core/repository/external-data.ts';
import { MODEL_JSON_FILE, parseModelJson } from '../core/repository/model-json.ts';
import { DEFAULT_SIGNATURE, type Signature, type TensorSpec } from '../core/tensor/tensor.ts';
import { UsageError, parseArgs } from './args.ts';
import { INSPECT_USAGE } from './usage.ts';


/** `edgeserve inspect`: loads the model with onnxruntime-node (what the server runs) and prints its signature. */
export async function inspect(argv: string[], log = (m: string) => console.log(m)): Promise<void> {
  const args = parseArgs(argv, {});
  const [file] = args.positional;
  if (!file || args.positional.length > 1) throw new UsageError(`inspect needs one model file\n${INSPECT_USAGE}`);
  const bytes = await readFile(file).catch(() => {
    throw new UsageError(`${file}: no such file`);
  });
  const { onnxruntimeNode } = await import('../runtime/node/onnxruntime-node.ts');
  const model = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Weights in external data: onnxruntime-node reads them beside the file, by path.
  const externalData = externalDataLocations(model).map((path) => ({ path, size: 0 }));
  const session = await onnxruntimeNode().load(externalData.length ? { bytes: model, externalData, path: file } : model);
  try {
    log(formatSignature(session.signature));
    const axes = await readBatchAxes(join(dirname(dirname(file)), MODEL_JSON_FILE));
    log(describePlan(planBatching(session.signature, axes)));
  } finally {
    await session.release();
  }
}

export function formatSignature(signature: Signature): string {
  const block = (kind: 'inputs' | 'outputs', specs: TensorSpec[]) => [
    `The given SavedModel SignatureDef contains the following ${kind.slice(0, -1)}(s):`,
    ...specs.flatMap((s) => [
      `  ${kind}['${s.name}'] tensor_info:`,
      `      dtype: ${tfDtypeName(s.dtype)}`,
      `      shape: ${s.dims === null ? 'unknown_rank' : `(${s.dims.join(', ')}${s.dims.length === 1 ? ',' : ''})`}`,
      `      name: ${s.name}`,
    ]),
  ];
  return [
    `signature_def['${DEFAULT_SIGNATURE}']:`,
    ...[...block('inputs', signature.inputs), ...block('outputs', signature.outputs)].map((line) => `  ${line}`),
    `  Method name is: tensorflow/serving/predict`,
  ].join('\n');
}

/** batch_axes of the model.json beside the version folder, if there is one. */
async function readBatchAxes(path: string) {
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? undefined : parseModelJson(text, path, { numBatchThreads: 1 }).batching?.batchAxes;
}

import { invalidArgument, ServingError } from '../errors.ts';
import { DEFAULT_SIGNATURE } from '../tensor/tensor.ts';
import type { Features } from '../tensor/tf-example/decode.ts';
import type { ApiCall, ApiServices, Target } from './call.ts';
import { classify, regress, type ClassifyResult, type RegressResult } from './classify.ts';

/**
 * TF Serving's MultiInference (PredictionService.MultiInference; gRPC only, as in TF Serving):
 * several classify or regress tasks over one shared set of examples, answered in the order of the
 * tasks. TF Serving's rules and words: at least one task; every task names the same model; no
 * signature twice (an ONNX model has one, serving_default, so one task per signature); methods
 * classify or regress (anything else is UNIMPLEMENTED). Each task runs as its API does (classify.ts).
 */
export const CLASSIFY_METHOD = 'tensorflow/serving/classify';
export const REGRESS_METHOD = 'tensorflow/serving/regress';

export interface InferenceTask {
  target: Target;
  /** As sent; '' means serving_default. */
  signatureName: string;
  methodName: string;
}

export type InferenceResult = { method: 'classify'; result: ClassifyResult } | { method: 'regress'; result: RegressResult };

export async function multiInference(services: ApiServices, call: ApiCall, tasks: InferenceTask[], examples: Features[]): Promise<InferenceResult[]> {
  if (tasks.length === 0) throw invalidArgument('Expected at least one task');
  const signatures = new Set<string>();
  for (const task of tasks) {
    if (task.target.model === '') throw invalidArgument('Found ModelSpec with an empty model name.');
    if (task.target.model !== tasks[0].target.model) throw invalidArgument('All ModelSpecs in a MultiInferenceRequest must access the same model name.');
    const signature = task.signatureName || DEFAULT_SIGNATURE;
    if (signatures.has(signature)) throw invalidArgument(`Duplicate evaluation of signature: ${signature}`);
    signatures.add(signature);
    if (task.methodName !== CLASSIFY_METHOD && task.methodName !== REGRESS_METHOD) {
      throw new ServingError('UNIMPLEMENTED', `Unsupported signature method_name: ${task.methodName}`);
    }
  }
  const results: InferenceResult[] = [];
  for (const task of tasks) {
    const request = { target: task.target, signatureName: task.signatureName, examples };
    if (task.methodName === CLASSIFY_METHOD) results.push({ method: 'classify', result: await classify(services, call, request) });
    else results.push({ method: 'regress', result: await regress(services, call, request) });
  }
  return results;
}

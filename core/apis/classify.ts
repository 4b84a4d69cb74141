import { invalidArgument, quoted } from '../errors.ts';
import { examplesToInputs, type Features } from '../tensor/tf-example/decode.ts';
import { classifyResults, regressResults, type ClassScore } from '../tensor/tf-example/encode.ts';
import { DEFAULT_SIGNATURE } from '../tensor/tensor.ts';
import type { ApiCall, ApiServices, Ran, Target } from './call.ts';
import { runOn, type Run } from './servable-access.ts';

/**
 * TF Serving's Classify and Regress over tf.Examples (docs/tf-serving-compat.md 6 and 11), for
 * REST JSON (core/tensor/tf-example/decode.ts reads the body) and gRPC (the transport turns the
 * Input message into the same Features). Examples become model inputs by the tf-example rules;
 * results are classifyResults / regressResults, which every transport encodes its own way.
 */
export interface ExamplesRequest {
  target: Target;
  /** As sent; '' means serving_default. */
  signatureName: string;
  /** One per example, each already merged with the request's context. */
  examples: Features[];
}

export interface ClassifyResult extends Ran {
  signatureName: string;
  /** The classes of each example, in order. */
  classifications: ClassScore[][];
}

export interface RegressResult extends Ran {
  signatureName: string;
  /** One value per example, in order. */
  regressions: number[];
}

export async function classify(services: ApiServices, call: ApiCall, request: ExamplesRequest): Promise<ClassifyResult> {
  const run = await runExamples(services, call, request);
  const classifications = classifyResults(run.outputs, run.servable.session.signature, run.servable.labels);
  return { model: run.model, version: run.version, label: run.label, signatureName: signatureOf(request), classifications };
}

export async function regress(services: ApiServices, call: ApiCall, request: ExamplesRequest): Promise<RegressResult> {
  const run = await runExamples(services, call, request);
  const regressions = regressResults(run.outputs, run.servable.session.signature);
  return { model: run.model, version: run.version, label: run.label, signatureName: signatureOf(request), regressions };
}

function runExamples(services: ApiServices, call: ApiCall, request: ExamplesRequest): Promise<Run> {
  return runOn(services, call, request.target, (servable) => {
    const signatureName = signatureOf(request);
    if (signatureName !== DEFAULT_SIGNATURE) throw invalidArgument(`No signature was found with the name: ${quoted(signatureName)}`);
    if (request.examples.length === 0) throw invalidArgument('Input is empty.');
    return examplesToInputs(request.examples, servable.session.signature);
  });
}

const signatureOf = (request: ExamplesRequest) => request.signatureName || DEFAULT_SIGNATURE;

import { invalidArgument, quoted } from '../errors.ts';
import { classifyResults, regressResults } from '../tensor/tf-example/encode.ts';
import { examplesToInputs, type Feature, type Features } from '../tensor/tf-example/decode.ts';
import { DEFAULT_SIGNATURE } from '../tensor/tensor.ts';
import { runLeased } from '../manager/lease-run.ts';
import { deadlineAfter } from '../deadline.ts';
import { acquire, modelSpecFromObject, modelSpecObject, requireModelSpec, type ModelSpecObject } from './model-spec.ts';
import type { ApiContext } from './predict.ts';

/**
 * TF Serving's Classify and Regress over tf.Example inputs (docs/tf-serving-compat.md 6 and 11), as protobufjs
 * decodes the requests (proto-root.ts). Examples become features exactly as the REST API's JSON
 * examples do, then model inputs by core/tensor/tf-example/decode.ts's rules; results come from the same
 * classifyResults / regressResults as the REST responses. With example_list_with_context each
 * example is merged with the context, the example's feature winning (TF concatenates the
 * serialized protos, and a map entry that repeats replaces the earlier one).
 */

interface ListObject<T> {
  value?: T[];
}
interface FeatureObject {
  bytes_list?: ListObject<Uint8Array> | null;
  float_list?: ListObject<number> | null;
  int64_list?: ListObject<bigint | number> | null;
}
interface ExampleObject {
  features?: { feature?: Record<string, FeatureObject> } | null;
}
export interface InputObject {
  example_list?: { examples?: ExampleObject[] } | null;
  example_list_with_context?: { examples?: ExampleObject[]; context?: ExampleObject | null } | null;
}
export interface ExamplesRequestObject {
  model_spec?: ModelSpecObject | null;
  input?: InputObject | null;
}

export interface ClassificationResponseObject {
  model_spec: ModelSpecObject;
  result: { classifications: { classes: { label: string; score: number }[] }[] };
}
export interface RegressionResponseObject {
  model_spec: ModelSpecObject;
  result: { regressions: { value: number }[] };
}

export async function classify(request: ExamplesRequestObject, ctx: ApiContext): Promise<ClassificationResponseObject> {
  const { spec, rows, labels, signatureName, version } = await runExamples(request, ctx);
  const classes = classifyResults(rows.outputs, rows.signature, labels);
  return {
    model_spec: modelSpecObject(spec.name, version, signatureName),
    result: { classifications: classes.map((c) => ({ classes: c })) },
  };
}

export async function regress(request: ExamplesRequestObject, ctx: ApiContext): Promise<RegressionResponseObject> {
  const { spec, rows, signatureName, version } = await runExamples(request, ctx);
  const values = regressResults(rows.outputs, rows.signature);
  return {
    model_spec: modelSpecObject(spec.name, version, signatureName),
    result: { regressions: values.map((value) => ({ value })) },
  };
}

async function runExamples(request: ExamplesRequestObject, ctx: ApiContext) {
  const spec = requireModelSpec(modelSpecFromObject(request.model_spec));
  const timeLeft = deadlineAfter(ctx.timeoutMs); // one deadline for the wait for the model and the run
  const lease = await acquire(ctx.manager, spec, { timeoutMs: timeLeft(), signal: ctx.signal }, ctx.routingKey);
  const { servable } = lease;
  const signatureName = spec.signatureName || DEFAULT_SIGNATURE;
  const outputs = await runLeased(
    lease,
    ctx.run,
    () => {
      ctx.ranVersion?.(servable.version, lease.label);
      if (signatureName !== DEFAULT_SIGNATURE) throw invalidArgument(`No signature was found with the name: ${quoted(signatureName)}`);
      const examples = inputExamples(request.input);
      if (examples.length === 0) throw invalidArgument('Input is empty.');
      return examplesToInputs(examples, servable.session.signature);
    },
    timeLeft(),
    ctx.signal,
  );
  const { signature } = servable.session;
  return { spec, signatureName, version: servable.version, labels: servable.labels, rows: { outputs, signature } };
}

/** The examples of an Input, each merged with the context when there is one. */
export function inputExamples(input: InputObject | null | undefined): Features[] {
  if (input?.example_list) return (input.example_list.examples ?? []).map(features);
  const withContext = input?.example_list_with_context;
  if (!withContext) return [];
  const context = features(withContext.context ?? {});
  return (withContext.examples ?? []).map((e) => new Map([...context, ...features(e)]));
}

const utf8 = new TextDecoder();

function features(example: ExampleObject): Features {
  const out: Features = new Map();
  for (const [name, f] of Object.entries(example.features?.feature ?? {})) out.set(name, feature(f));
  return out;
}

function feature(f: FeatureObject): Feature {
  if (f.bytes_list) return { kind: 'bytes', values: (f.bytes_list.value ?? []).map((b) => utf8.decode(b)) };
  if (f.float_list) return { kind: 'float', values: (f.float_list.value ?? []).map(Math.fround) };
  if (f.int64_list) return { kind: 'int64', values: (f.int64_list.value ?? []).map((v) => BigInt(v)) };
  return { kind: 'none', values: [] };
}

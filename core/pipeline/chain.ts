import type { RunContext, Session } from '../backend/backend.ts';
import { invalidArgument } from '../errors.ts';
import type { Signature, Tensor, TensorSpec } from '../tensor/tensor.ts';
import { runRows } from './rows.ts';
import { applyTensorOp, parseTensorOp, tensorOpSpec, type TensorOp } from './tensor-ops.ts';
import { monotonicNow } from '../clock.ts';
import { inSpan } from '../trace/spans.ts';

/**
 * Model chains (pipeline.json "steps"; Triton calls them ensembles, KServe inference graphs): one
 * model's outputs feed another's inputs, in one request. Each example runs through the steps alone,
 * over named tensors that its inputs start and every step adds to:
 *
 *   { "model": "oww_mel", "version": 1, "inputs": { "input": "samples" }, "outputs": { "output": "mel" } }
 *   { "op": "affine", "input": "mel", "multiply": 0.1, "add": 2 }
 *   { "call": "my_step", "inputs": { ... }, "outputs": { ... }, "args": { ... } }
 *   { "model": "@this" }
 *
 * - A model step runs another model of the repository, pinned by `version` or `label` (neither:
 *   its latest), through that model's own servable and batcher (ModelCaller): concurrent examples
 *   and requests are batched per step, and the request's deadline covers the whole chain.
 *   "@this" is the version's own model.onnx, run directly. `inputs` maps model inputs to tensors,
 *   `outputs` model outputs to names (each defaults to the same names).
 * - A tensor step (tensor-ops.ts) reshapes or scales one tensor between models.
 * - A named step (`call`) runs TypeScript registered at build time (NamedStep); a name no
 *   registered step has fails the version at load.
 * At load every step is checked against the signature its model has then (names, dtypes), so a
 * chain that does not fit fails the version with a message naming the step. Chains do not nest: a
 * step's model may not itself be a chain (which also rules out cycles, and the deadlock of two
 * chains loading each other).
 */
export const THIS_MODEL = '@this';

export interface ChainTarget {
  model: string;
  version?: number;
  label?: string;
}

/** How a chain reaches the other models: their servables, leased and run like a request's. */
export interface ModelCaller {
  /** The target's signature now (loading its version if need be); `chain`: that version is a chain. */
  resolve(target: ChainTarget): Promise<{ signature: Signature; chain: boolean }>;
  /** The models whose chains are being loaded now, with how many loads each (resolveTargets keeps it). */
  readonly loading: Map<string, number>;
  run(target: ChainTarget, inputs: Record<string, Tensor>, context: RunContext): Promise<Record<string, Tensor>>;
}

/**
 * A step written in TypeScript for what no declaration covers (say, cropping the text lines a
 * detector found), registered by name in the target's build (steps/index.ts). Contract:
 * `inputs` and `outputs` state what it takes and makes (checked against the other steps at load,
 * dims -1 where any size goes); run() gets one example's
 * tensors by the names the declaration maps and the declaration's `args`, and throws
 * INVALID_ARGUMENT (core/errors.ts) for data it cannot take.
 */
export interface NamedStep {
  inputs: Readonly<Record<string, Omit<TensorSpec, 'name'>>>;
  outputs: Readonly<Record<string, Omit<TensorSpec, 'name'>>>;
  run(inputs: Record<string, Tensor>, args: Readonly<Record<string, unknown>>): Record<string, Tensor> | Promise<Record<string, Tensor>>;
}

export type ChainStep =
  | { kind: 'model'; target: ChainTarget | null; signature: Signature; inputs: [string, string][]; outputs: [string, string][]; where: string }
  | { kind: 'tensor'; op: TensorOp; input: string; output: string; where: string }
  | { kind: 'call'; name: string; step: NamedStep; args: Record<string, unknown>; inputs: [string, string][]; outputs: [string, string][]; where: string };

type Fail = (what: string, message: string) => Error;
type Obj = Record<string, unknown>;

/** The models a declaration's steps name, by step index ("@this" left out), to resolve before parseChain. */
export function chainTargets(steps: unknown[], fail: Fail): Map<number, ChainTarget> {
  const targets = new Map<number, ChainTarget>();
  steps.forEach((s, i) => {
    const where = `steps[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw fail(where, 'must be an object');
    const step = s as Obj;
    if (step.model === undefined || step.model === THIS_MODEL) return;
    if (typeof step.model !== 'string' || step.model === '') throw fail(`${where}.model`, `must be a model name, or "${THIS_MODEL}"`);
    if (step.version !== undefined && step.label !== undefined) throw fail(where, 'pins a version or a label, not both');
    if (step.version !== undefined && !(Number.isInteger(step.version) && (step.version as number) > 0)) throw fail(`${where}.version`, 'must be a positive integer');
    if (step.label !== undefined && (typeof step.label !== 'string' || step.label === '')) throw fail(`${where}.label`, 'must be a non-empty string');
    targets.set(i, { model: step.model, ...(step.version !== undefined && { version: step.version as number }), ...(step.label !== undefined && { label: step.label as string }) });
  });
  return targets;
}

/**
 * What a chain's inputs may feed: each tensor a model or named step reads before any step makes
 * it, with the spec of the input it goes to (the first such step decides).
 */
export function chainInputs(steps: unknown[], own: Signature, models: Map<number, Signature>, named: Readonly<Record<string, NamedStep>>, fail: Fail): TensorSpec[] {
  const made = new Set<string>();
  const fed = new Map<string, TensorSpec>();
  steps.forEach((s, i) => {
    const step = s as Obj;
    const where = `steps[${i}]`;
    if (step.model !== undefined) {
      const signature = models.get(i) ?? own;
      for (const [input, from] of mapping(step.inputs, signature.inputs.map((x) => x.name), `${where}.inputs`, 'input', fail)) {
        if (!made.has(from) && !fed.has(from)) fed.set(from, { ...signature.inputs.find((x) => x.name === input)!, name: from });
      }
      for (const [, name] of mapping(step.outputs, signature.outputs.map((x) => x.name), `${where}.outputs`, 'output', fail)) made.add(name);
    } else if (step.call !== undefined) {
      const impl = typeof step.call === 'string' && Object.hasOwn(named, step.call) ? named[step.call] : undefined;
      if (!impl) return;
      for (const [input, from] of mapping(step.inputs, Object.keys(impl.inputs), `${where}.inputs`, 'input', fail)) {
        if (!made.has(from) && !fed.has(from)) fed.set(from, { ...impl.inputs[input], name: from });
      }
      for (const [, name] of mapping(step.outputs, Object.keys(impl.outputs), `${where}.outputs`, 'output', fail)) made.add(name);
    } else made.add(String(step.output ?? step.input));
  });
  return [...fed.values()];
}

/**
 * The steps, checked in order against `tensors` (what the inputs start with, by name), which
 * gains what each step makes. `models`: each step's resolved signature by index; `own`: @this's.
 */
export function parseChain(
  steps: unknown[],
  own: Signature,
  models: Map<number, Signature>,
  named: Readonly<Record<string, NamedStep>>,
  tensors: Map<string, TensorSpec>,
  fail: Fail,
): ChainStep[] {
  return steps.map((s, i): ChainStep => {
    const where = `steps[${i}]`;
    const step = s as Obj;
    const read = (name: string, what: string): TensorSpec => {
      const spec = tensors.get(name);
      if (!spec) throw fail(what, `no input or earlier step makes a tensor named ${JSON.stringify(name)} (there are ${[...tensors.keys()].join(', ')})`);
      return spec;
    };
    if (step.model !== undefined) {
      const signature = models.get(i) ?? own;
      const inputs = mapping(step.inputs, signature.inputs.map((x) => x.name), `${where}.inputs`, 'input', fail);
      const outputs = mapping(step.outputs, signature.outputs.map((x) => x.name), `${where}.outputs`, 'output', fail);
      for (const spec of signature.inputs) {
        const from = inputs.find(([input]) => input === spec.name);
        if (!from) throw fail(`${where}.inputs`, `model input ${spec.name} is not fed`);
        checkFeed(read(from[1], `${where}.inputs.${spec.name}`), spec, `${where}.inputs.${spec.name}`, fail);
      }
      for (const [output, name] of outputs) tensors.set(name, { ...signature.outputs.find((o) => o.name === output)!, name });
      return { kind: 'model', target: models.has(i) ? chainTargetOf(step) : null, signature, inputs, outputs, where };
    }
    if (step.call !== undefined) {
      if (typeof step.call !== 'string' || !Object.hasOwn(named, step.call)) {
        const known = Object.keys(named);
        throw fail(`${where}.call`, `no step named ${JSON.stringify(step.call)} is built into this server (${known.length ? known.join(', ') : 'none are'}; steps/index.ts registers them)`);
      }
      const impl = named[step.call];
      const inputs = mapping(step.inputs, Object.keys(impl.inputs), `${where}.inputs`, 'input', fail);
      for (const [name, spec] of Object.entries(impl.inputs)) {
        const from = inputs.find(([input]) => input === name);
        if (!from) throw fail(`${where}.inputs`, `step ${step.call} takes ${name}`);
        checkFeed(read(from[1], `${where}.inputs.${name}`), { ...spec, name }, `${where}.inputs.${name}`, fail);
      }
      const outputs = mapping(step.outputs, Object.keys(impl.outputs), `${where}.outputs`, 'output', fail);
      for (const [output, name] of outputs) tensors.set(name, { ...impl.outputs[output], name });
      const args = step.args === undefined ? {} : step.args;
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw fail(`${where}.args`, 'must be an object');
      return { kind: 'call', name: step.call, step: impl, args: args as Obj, inputs, outputs, where };
    }
    if (typeof step.input !== 'string') throw fail(`${where}.input`, 'must name a tensor');
    const op = parseTensorOp(step, where, fail);
    const output = step.output === undefined ? step.input : step.output;
    if (typeof output !== 'string' || output === '') throw fail(`${where}.output`, 'must be a non-empty string');
    tensors.set(output, tensorOpSpec(op, read(step.input, `${where}.input`), output, where, fail));
    return { kind: 'tensor', op, input: step.input, output, where };
  });
}

/** A tensor of spec `have` may go to an input of spec `want`: the same dtype and, where both are known, rank. */
function checkFeed(have: TensorSpec, want: TensorSpec, what: string, fail: Fail): void {
  if (have.dtype !== want.dtype) throw fail(what, `${have.name} is ${have.dtype}, input ${want.name} takes ${want.dtype}`);
  if (have.dims && want.dims && have.dims.length !== want.dims.length) {
    throw fail(what, `${have.name} is [${have.dims.join(', ')}], input ${want.name} takes [${want.dims.join(', ')}]`);
  }
}

/** `{ name: tensor }` pairs whose names are among `known` (default: each known name to itself). */
function mapping(v: unknown, known: readonly string[], what: string, kind: string, fail: Fail): [string, string][] {
  if (v === undefined) return known.map((name) => [name, name]);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(what, `must map ${kind} names to tensor names`);
  return Object.entries(v).map(([name, tensor]) => {
    if (!known.includes(name)) throw fail(`${what}.${name}`, `there is no ${kind} ${JSON.stringify(name)} (there are ${known.join(', ')})`);
    if (typeof tensor !== 'string' || tensor === '') throw fail(`${what}.${name}`, 'must be a tensor name');
    return [name, tensor];
  });
}

function chainTargetOf(step: Obj): ChainTarget {
  return { model: step.model as string, ...(step.version !== undefined && { version: step.version as number }), ...(step.label !== undefined && { label: step.label as string }) };
}

/**
 * The signatures of the models a chain names, by step index, for its load (`chain`: the model
 * loading). A target that is itself a chain is refused, as is one whose chain is loading now:
 * waiting for it could be waiting for ourselves.
 */
export async function resolveTargets(chain: string, targets: Map<number, ChainTarget>, caller: ModelCaller | undefined, fail: Fail): Promise<Map<number, Signature>> {
  const signatures = new Map<number, Signature>();
  if (targets.size === 0) return signatures;
  if (!caller) throw fail('steps', 'this target runs no model chains');
  const nested = (i: number, model: string) => fail(`steps[${i}].model`, `${model} is a chain itself; chains do not nest`);
  caller.loading.set(chain, (caller.loading.get(chain) ?? 0) + 1);
  try {
    for (const [i, target] of targets) {
      if (caller.loading.has(target.model)) throw nested(i, target.model);
      const { signature, chain: isChain } = await caller.resolve(target);
      if (isChain) throw nested(i, target.model);
      signatures.set(i, signature);
    }
  } finally {
    const left = caller.loading.get(chain)! - 1;
    if (left) caller.loading.set(chain, left);
    else caller.loading.delete(chain);
  }
  return signatures;
}

/** Runs one example through the steps, adding to `tensors`. */
export async function runChain(steps: ChainStep[], own: Session, caller: ModelCaller | undefined, tensors: Map<string, Tensor>, context: RunContext): Promise<void> {
  const get = (name: string, where: string) => {
    const t = tensors.get(name);
    if (!t) throw invalidArgument(`${where}: no tensor ${name}`);
    return t;
  };
  for (const step of steps) {
    // Each step is a span under the run (core/trace/spans.ts); a model step's acquire, queue and run nest in it.
    await inSpan(context.span, 'step', monotonicNow, async (span) => {
      if (span) Object.assign(span.attributes, { 'edgeserve.step': step.where, 'edgeserve.step.kind': stepKind(step) });
      if (step.kind === 'tensor') {
        tensors.set(step.output, applyTensorOp(step.op, get(step.input, step.where), step.where));
        return;
      }
      const inputs = Object.fromEntries(step.inputs.map(([input, from]) => [input, get(from, step.where)]));
      const within = span ? { ...context, span } : context;
      let outputs: Record<string, Tensor>;
      if (step.kind === 'call') outputs = await step.step.run(inputs, step.args);
      else if (step.target) outputs = await runRows(step.signature, (rows) => caller!.run(step.target!, rows, within), inputs);
      else outputs = await runRows(own.signature, (rows) => own.run(rows, within), inputs);
      for (const [output, name] of step.outputs) {
        if (!outputs[output]) throw invalidArgument(`${step.where}: made no ${output}`);
        tensors.set(name, outputs[output]);
      }
    });
  }
}

function stepKind(step: ChainStep): string {
  if (step.kind === 'tensor') return `tensor ${step.op.op}`;
  if (step.kind === 'call') return `call ${step.name}`;
  return step.target ? `model ${step.target.model}` : 'model @this';
}

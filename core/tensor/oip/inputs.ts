import { invalidArgument, quoted } from '../../errors.ts';
import { shapeFitsSignature, type TensorBudget } from '../budget.ts';
import { dtypeOfOipType, oipTypeName } from '../dtypes.ts';
import { leafWriter } from '../json/leaf.ts';
import type { JsonValue } from '../json/value.ts';
import { allocate, elementCount, type Signature, type Tensor } from '../tensor.ts';
import { tensorFromRaw } from './raw.ts';
import type { OipInput, OipRequestedOutput } from './request.ts';

/**
 * An OIP request's inputs as tensors, checked against the servable's signature before anything is
 * allocated: every signature input exactly once, no others; the datatype is the input's own
 * (no conversion: a mismatch names both); the shape fits the signature's and is charged to the
 * request's tensor budget; then the data (JSON leaves, flat or nested, exactly one per element,
 * or raw bytes) fills it. All failures are INVALID_ARGUMENT naming the input.
 */
export function oipInputs(inputs: OipInput[], signature: Signature, budget: TensorBudget): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = Object.create(null);
  const expected = signature.inputs.map((s) => s.name);
  for (const input of inputs) {
    const spec = signature.inputs.find((s) => s.name === input.name);
    if (!spec) throw invalidArgument(`unexpected inference input ${quoted(input.name)}; the model's inputs are: ${expected.join(', ')}`);
    if (input.name in tensors) throw invalidArgument(`input ${quoted(input.name)} is given more than once`);
    const dtype = dtypeOfOipType(input.datatype);
    if (dtype === undefined) throw invalidArgument(`input ${quoted(input.name)}: unsupported datatype ${quoted(input.datatype)}`);
    if (dtype !== spec.dtype) {
      throw invalidArgument(`input ${quoted(input.name)}: datatype ${input.datatype} does not match the model's ${oipTypeName(spec.dtype)}`);
    }
    shapeFitsSignature(input.name, input.shape, spec);
    budget.charge(input.name, dtype, input.shape);
    if (input.raw !== undefined) {
      tensors[input.name] = tensorFromRaw(input.name, dtype, input.shape, input.raw, spec.bytes);
      continue;
    }
    if (input.data === undefined) throw invalidArgument(`input ${quoted(input.name)} has no "data"`);
    const n = elementCount(input.shape);
    const data = allocate(dtype, n);
    const write = leafWriter(dtype, spec.bytes);
    let count = 0;
    const visit = (v: JsonValue) => {
      if (Array.isArray(v)) {
        for (const e of v) visit(e);
        return;
      }
      if (count >= n) throw sizeError(input, n);
      write(v, data, count++);
    };
    visit(input.data);
    if (count !== n) throw sizeError(input, n, count);
    tensors[input.name] = { dtype, dims: input.shape, data };
  }
  const missing = expected.filter((name) => !(name in tensors));
  if (missing.length > 0) throw invalidArgument(`expected ${expected.length} inputs but got ${inputs.length}; missing: ${missing.join(', ')}`);
  return tensors;
}

function sizeError(input: OipInput, n: number, got?: number) {
  const had = got === undefined ? 'more' : String(got);
  return invalidArgument(`input ${quoted(input.name)}: shape [${input.shape.join(',')}] has ${n} elements but "data" holds ${had}`);
}

/** The outputs to return, in order: those requested (each known, once) or every output of the signature. */
export function oipOutputNames(requested: OipRequestedOutput[] | undefined, signature: Signature): string[] {
  const all = signature.outputs.map((o) => o.name);
  if (requested === undefined || requested.length === 0) return all;
  const seen = new Set<string>();
  for (const { name } of requested) {
    if (!all.includes(name)) throw invalidArgument(`unexpected inference output ${quoted(name)}; the model's outputs are: ${all.join(', ')}`);
    if (seen.has(name)) throw invalidArgument(`output ${quoted(name)} is requested more than once`);
    seen.add(name);
  }
  return requested.map((r) => r.name);
}

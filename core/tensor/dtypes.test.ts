import { describe, expect, it } from 'vitest';
import { protoRoot } from '../../runtime/node/grpc/proto-root.ts';
import { DTYPES, dtypeOfTfDataType, tfDataType, tfDtypeName, tfTypeString, tfTypeStringOf } from './dtypes.ts';
import type { DType } from './tensor.ts';

const dtypes = Object.keys(DTYPES) as DType[];

describe('the dtype table', () => {
  // Our types.proto copy carries TF's enum names and numbers; every spelling must agree with it.
  const tf = protoRoot.lookupEnum('tensorflow.DataType').values;

  it("gives each dtype TF's number and DataType_Name", () => {
    for (const d of dtypes) expect(tf[tfDtypeName(d)]).toBe(tfDataType(d));
  });

  it('maps every TF number back to its dtype, and others to undefined', () => {
    for (const d of dtypes) expect(dtypeOfTfDataType(tfDataType(d))).toBe(d);
    expect([0, 8, 14, 24].map(dtypeOfTfDataType)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("spells every DataType as TF's DataTypeString does, ours or not", () => {
    for (const [name, n] of Object.entries(tf)) {
      if (n <= 23) expect(`DT_${tfTypeStringOf(n)!.toUpperCase()}`).toBe(name);
    }
    expect(tfTypeStringOf(24)).toBeUndefined();
    expect(['float32', 'float64', 'float16', 'uint8', 'bool'].map((d) => tfTypeString(d as DType))).toEqual(['float', 'double', 'half', 'uint8', 'bool']);
  });

  it('names the ONNX element types', () => {
    expect(['float32', 'float16', 'int64', 'string'].map((d) => DTYPES[d as DType].onnx)).toEqual(['FLOAT', 'FLOAT16', 'INT64', 'STRING']);
  });
});

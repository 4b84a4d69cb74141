import { describe, expect, it } from 'vitest';
import { protoRoot } from '../../runtime/node/grpc/proto-root.ts';
import { DTYPES, dtypeOfOipType, dtypeOfTfDataType, oipTypeName, tfDataType, tfDtypeName, tfTypeString, tfTypeStringOf } from './dtypes.ts';
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

  it.each([
    ['float32', 1, 'float', 'FLOAT', 'FP32'],
    ['float64', 2, 'double', 'DOUBLE', 'FP64'],
    ['int32', 3, 'int32', 'INT32', 'INT32'],
    ['uint8', 4, 'uint8', 'UINT8', 'UINT8'],
    ['int16', 5, 'int16', 'INT16', 'INT16'],
    ['int8', 6, 'int8', 'INT8', 'INT8'],
    ['string', 7, 'string', 'STRING', 'BYTES'],
    ['int64', 9, 'int64', 'INT64', 'INT64'],
    ['bool', 10, 'bool', 'BOOL', 'BOOL'],
    ['uint16', 17, 'uint16', 'UINT16', 'UINT16'],
    ['float16', 19, 'half', 'FLOAT16', 'FP16'],
    ['uint32', 22, 'uint32', 'UINT32', 'UINT32'],
    ['uint64', 23, 'uint64', 'UINT64', 'UINT64'],
  ] as [DType, number, string, string, string][])('%s: DT number %i, TF "%s", ONNX %s, OIP %s', (dtype, tfNumber, tfString, onnx, oip) => {
    expect(DTYPES[dtype]).toEqual({ tf: tfNumber, onnx, oip });
    expect(tfDataType(dtype)).toBe(tfNumber);
    expect(dtypeOfTfDataType(tfNumber)).toBe(dtype);
    expect(tfTypeString(dtype)).toBe(tfString);
    expect(tfDtypeName(dtype)).toBe(`DT_${tfString.toUpperCase()}`);
    expect(oipTypeName(dtype)).toBe(oip);
    expect(dtypeOfOipType(oip)).toBe(dtype);
  });

  it('covers exactly the thirteen served dtypes, and no OIP type we do not serve', () => {
    expect(dtypes).toHaveLength(13);
    expect(['BF16', 'fp32', ''].map(dtypeOfOipType)).toEqual([undefined, undefined, undefined]);
  });

  it('names the ONNX element types', () => {
    expect(['float32', 'float16', 'int64', 'string'].map((d) => DTYPES[d as DType].onnx)).toEqual(['FLOAT', 'FLOAT16', 'INT64', 'STRING']);
  });
});

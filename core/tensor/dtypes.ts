import type { DType } from './tensor.ts';

/**
 * The one dtype table. Our dtype names are onnxruntime's tensor type names (what backends report
 * and take); each row adds the tensorflow.DataType number (proto/tensorflow/core/framework/types.proto)
 * and the onnx.TensorProto.DataType name (proto/onnx.proto). TF's two spellings follow from the
 * number: DataTypeString ("float", "half": TF Serving's error messages) and DataType_Name
 * ("DT_FLOAT": the metadata APIs and saved_model_cli). `oip` is the Open Inference Protocol's
 * datatype name ("FP32", "BYTES": KServe v2 / Triton). Everything that names a dtype reads it here.
 */
export const DTYPES: Readonly<Record<DType, { readonly tf: number; readonly onnx: string; readonly oip: string }>> = {
  float32: { tf: 1, onnx: 'FLOAT', oip: 'FP32' },
  float64: { tf: 2, onnx: 'DOUBLE', oip: 'FP64' },
  int32: { tf: 3, onnx: 'INT32', oip: 'INT32' },
  uint8: { tf: 4, onnx: 'UINT8', oip: 'UINT8' },
  int16: { tf: 5, onnx: 'INT16', oip: 'INT16' },
  int8: { tf: 6, onnx: 'INT8', oip: 'INT8' },
  string: { tf: 7, onnx: 'STRING', oip: 'BYTES' },
  int64: { tf: 9, onnx: 'INT64', oip: 'INT64' },
  bool: { tf: 10, onnx: 'BOOL', oip: 'BOOL' },
  uint16: { tf: 17, onnx: 'UINT16', oip: 'UINT16' },
  float16: { tf: 19, onnx: 'FLOAT16', oip: 'FP16' },
  uint32: { tf: 22, onnx: 'UINT32', oip: 'UINT32' },
  uint64: { tf: 23, onnx: 'UINT64', oip: 'UINT64' },
};

/** TF's DataTypeString for every DataType up to DT_UINT64 (index = enum number), ours or not. */
const TF_TYPE_STRINGS = [
  'invalid', 'float', 'double', 'int32', 'uint8', 'int16', 'int8', 'string', 'complex64', 'int64', 'bool', 'qint8',
  'quint8', 'qint32', 'bfloat16', 'qint16', 'quint16', 'uint16', 'complex128', 'half', 'resource', 'variant', 'uint32',
  'uint64',
];

const BY_TF_NUMBER = new Map(Object.entries(DTYPES).map(([dtype, row]) => [row.tf, dtype as DType]));

/** The tensorflow.DataType number of a dtype (DT_FLOAT = 1, ...). */
export function tfDataType(dtype: DType): number {
  return DTYPES[dtype].tf;
}

/** The dtype a tensorflow.DataType number stands for; undefined for types we do not serve. */
export function dtypeOfTfDataType(n: number): DType | undefined {
  return BY_TF_NUMBER.get(n);
}

/** TF's DataTypeString of a dtype: "float", "double", "half", "int64", ... */
export function tfTypeString(dtype: DType): string {
  return TF_TYPE_STRINGS[DTYPES[dtype].tf];
}

/** TF's DataTypeString of any DataType number ("complex64", "bfloat16", ...); undefined past the enum. */
export function tfTypeStringOf(n: number): string | undefined {
  return TF_TYPE_STRINGS[n];
}

/** TF's DataType_Name of a dtype: "DT_FLOAT", "DT_HALF", "DT_INT64", ... */
export function tfDtypeName(dtype: DType): string {
  return `DT_${tfTypeString(dtype).toUpperCase()}`;
}

const BY_OIP_NAME = new Map(Object.entries(DTYPES).map(([dtype, row]) => [row.oip, dtype as DType]));

/** The Open Inference Protocol datatype of a dtype: "FP32", "INT64", "BYTES", ... */
export function oipTypeName(dtype: DType): string {
  return DTYPES[dtype].oip;
}

/** The dtype an OIP datatype names (exact spelling); undefined for types we do not serve (BF16). */
export function dtypeOfOipType(name: string): DType | undefined {
  return BY_OIP_NAME.get(name);
}

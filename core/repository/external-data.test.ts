import { describe, expect, it } from 'vitest';
import { externalDataLocations } from './external-data.ts';

// A few ONNX protobuf messages by hand: every field here is length-delimited (wire type 2).
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}
const field = (number: number, value: number[] | string): number[] => {
  const bytes = typeof value === 'string' ? [...new TextEncoder().encode(value)] : value;
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes];
};
/** StringStringEntryProto: key = 1, value = 2. */
const entry = (key: string | null, value: string | null) => [...(key === null ? [] : field(1, key)), ...(value === null ? [] : field(2, value))];
/** TensorProto: name = 8, external_data = 13. */
const tensor = (name: string, ...externalData: number[][]) => [...field(8, name), ...externalData.flatMap((e) => field(13, e))];
/** ModelProto.graph = 7 holding GraphProto: name = 2, initializer = 5. */
const model = (...initializers: number[][]) => new Uint8Array(field(7, [...field(2, 'g'), ...initializers.flatMap((t) => field(5, t))]));

describe('externalDataLocations', () => {
  it('names the distinct files of the initializers, in order of first use', () => {
    const bytes = model(
      tensor('w0', entry('location', 'weights.bin'), entry('offset', '0'), entry('length', '64')),
      tensor('b0', entry('offset', '64'), entry('location', 'bias.bin')),
      tensor('w1', entry('location', 'weights.bin'), entry('offset', '64')),
    );
    expect(externalDataLocations(bytes)).toEqual(['weights.bin', 'bias.bin']);
  });

  it('finds none in a model that keeps its weights inline', () => {
    expect(externalDataLocations(model(tensor('w0'), tensor('b0')))).toEqual([]);
    expect(externalDataLocations(new Uint8Array())).toEqual([]);
  });

  it('reads an entry without a value as the empty string, as protobuf does', () => {
    expect(externalDataLocations(model(tensor('w0', entry('location', null))))).toEqual(['']);
  });

  it('finds none in bytes that do not parse, even after a location it could read', () => {
    const graph = [...field(5, tensor('w0', entry('location', 'weights.bin'))), ...field(5, [0x6a, 0x7f, 0x01])]; // the 2nd initializer's external_data is cut short
    expect(externalDataLocations(new Uint8Array(field(7, graph)))).toEqual([]);
    const whole = model(tensor('w0', entry('location', 'weights.bin')));
    expect(externalDataLocations(whole.subarray(0, whole.length - 1))).toEqual([]);
  });

  it('passes on an error that is not malformed input, so a bug does not pass as "no external data"', () => {
    expect(() => externalDataLocations(null as unknown as Uint8Array)).toThrow(TypeError);
  });
});

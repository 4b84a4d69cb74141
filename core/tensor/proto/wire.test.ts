import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/support/thrown.ts';
import { FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, WireError, WireReader, WireWriter, int32Size, tagOf, uint32Size, uint64Size } from './wire.ts';

// The hand wire codec against protobufjs's Writer and Reader, byte for byte.
const reader = (bytes: ArrayLike<number>) => new WireReader(Uint8Array.from(bytes));
const writer = () => protobuf.Writer.create();
/** protobufjs's bytes as a plain Uint8Array (under Node it hands back a Buffer). */
const plain = (bytes: Uint8Array) => Uint8Array.from(bytes);
const wireError = (run: () => unknown) => thrown(run, WireError).message;

/** Every varint length: the last value of each length and the first of the next. */
const UINT32_BOUNDARIES = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
const UINT64_VALUES = [0n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 35n, 2n ** 53n + 1n, 2n ** 56n, 2n ** 63n, 2n ** 64n - 1n];

describe('WireReader varints', () => {
  it.each(UINT32_BOUNDARIES)('reads uint32 %d as protobufjs writes it, to its last byte', (v) => {
    const bytes = writer().uint32(v).finish();
    const r = new WireReader(bytes);
    expect(r.uint32()).toBe(v);
    expect(r.done()).toBe(true);
  });

  it.each(UINT64_VALUES)('reads uint64 %d as protobufjs writes it, to its last byte', (v) => {
    const r = new WireReader(writer().uint64(v.toString()).finish());
    expect(r.uint64()).toBe(v);
    expect(r.done()).toBe(true);
  });

  it.each([-1, -2, -(2 ** 31), 2 ** 31 - 1])('reads int32 %d, negative ones from their ten-byte sign extension', (v) => {
    const bytes = writer().int32(v).finish();
    if (v < 0) expect(bytes.length).toBe(10);
    const r = new WireReader(bytes);
    expect(r.int32()).toBe(v);
    expect(r.done()).toBe(true);
  });

  it.each([-1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n])('reads int64 %d', (v) => {
    const r = new WireReader(writer().int64(v.toString()).finish());
    expect(r.int64()).toBe(v);
    expect(r.done()).toBe(true);
  });

  it('keeps the low 32 bits of a wider varint read as uint32, and reads past all of it', () => {
    // 2^35 (80 80 80 80 80 01) and 2^32 + 5: the fifth byte and later carry no low bits.
    for (const [wide, low] of [[2 ** 35, 0], [2 ** 32 + 5, 5]]) {
      const r = new WireReader(writer().uint64(wide).uint32(7).finish());
      expect(r.uint32()).toBe(low);
      expect(r.uint32()).toBe(7);
      expect(r.done()).toBe(true);
    }
  });

  it('refuses a varint longer than ten bytes', () => {
    const eleven = [...Array(10).fill(0xff), 0x01];
    expect(wireError(() => reader(eleven).uint32())).toBe('varint longer than 10 bytes');
    expect(wireError(() => reader(eleven).uint64())).toBe('varint longer than 10 bytes');
    expect(wireError(() => reader(eleven).tag())).toBe('varint longer than 10 bytes');
  });

  it('refuses a varint cut off at the end of its message, even when bytes follow in the buffer', () => {
    const bytes = Uint8Array.from([0x80, 0x01]);
    expect(wireError(() => new WireReader(bytes, 0, 1).uint32())).toBe('truncated message');
    expect(wireError(() => new WireReader(bytes, 0, 1).uint64())).toBe('truncated message');
    expect(wireError(() => reader([0x80]).uint32())).toBe('truncated message');
  });

  it('refuses field number 0 in a tag', () => {
    expect(wireError(() => reader([0x00]).tag())).toBe('invalid field number 0');
    expect(wireError(() => reader([0x02]).tag())).toBe('invalid field number 0');
    expect(reader([0x08]).tag()).toBe(tagOf(1, VARINT));
  });

  it.each(UINT32_BOUNDARIES)('sizes uint32 %d as protobufjs writes it', (v) => {
    expect(uint32Size(v)).toBe(writer().uint32(v).finish().length);
  });

  it.each(UINT64_VALUES)('sizes uint64 %d as protobufjs writes it', (v) => {
    expect(uint64Size(v)).toBe(writer().uint64(v.toString()).finish().length);
  });

  it('sizes a negative int32 or int64 at ten bytes', () => {
    expect(int32Size(-1)).toBe(10);
    expect(uint64Size(-1n)).toBe(10);
  });
});

describe('WireReader fixed-width values', () => {
  it('reads little-endian floats and doubles where they sit in a larger buffer, one after another', () => {
    const body = writer().double(1 / 3).double(-2.5).float(1.5).finish();
    const buf = new Uint8Array(3 + body.length);
    buf.set(body, 3);
    const r = new WireReader(buf.subarray(3));
    expect(r.double()).toBe(1 / 3);
    expect(r.double()).toBe(-2.5);
    expect(r.float()).toBe(1.5);
    expect(r.done()).toBe(true);
  });

  it('refuses a double or float cut off at the end', () => {
    expect(wireError(() => reader([0, 0, 0, 0, 0, 0, 0]).double())).toBe('truncated message');
    expect(wireError(() => reader([0, 0, 0]).float())).toBe('truncated message');
  });
});

describe('WireReader fields', () => {
  it('skips unknown fields of every wire type and reads the field after them', () => {
    const bytes = writer()
      .uint32(tagOf(20, VARINT)).uint64('18446744073709551615')
      .uint32(tagOf(21, FIXED64)).double(-1)
      .uint32(tagOf(22, LENGTH_DELIMITED)).bytes(Uint8Array.from([0x80, 0xff, 0x08]))
      .uint32(tagOf(23, FIXED32)).float(-1)
      .uint32(tagOf(1, VARINT)).uint32(42)
      .finish();
    let got: number | undefined;
    new WireReader(bytes).fields({ [tagOf(1, VARINT)]: (r) => (got = r.uint32()) });
    expect(got).toBe(42);
  });

  it('refuses a skipped fixed-width value cut off at the end', () => {
    expect(wireError(() => reader([...writer().uint32(tagOf(21, FIXED64)).finish(), 0, 0, 0, 0]).fields({}))).toBe('truncated message');
    expect(wireError(() => reader([...writer().uint32(tagOf(23, FIXED32)).finish(), 0, 0]).fields({}))).toBe('truncated message');
  });

  it.each([3, 4, 6, 7])('refuses wire type %d (groups and unassigned types)', (type) => {
    expect(wireError(() => reader([tagOf(1, type), 0, 0, 0, 0, 0, 0, 0, 0]).fields({}))).toBe(`unsupported wire type ${type}`);
  });
});

describe('WireWriter', () => {
  it('writes uint32, int32 and uint64 varints as protobufjs does', () => {
    for (const v of UINT32_BOUNDARIES) {
      const w = new WireWriter(uint32Size(v));
      w.uint32(v);
      expect(w.finish()).toEqual(plain(writer().uint32(v).finish()));
    }
    for (const v of [0, 1, 300, 2 ** 31 - 1, -1, -300, -(2 ** 31)]) {
      const w = new WireWriter(int32Size(v));
      w.int32(v);
      expect(w.finish()).toEqual(plain(writer().int32(v).finish()));
    }
    for (const v of UINT64_VALUES) {
      const w = new WireWriter(uint64Size(v));
      w.uint64(v);
      expect(w.finish()).toEqual(plain(writer().uint64(v.toString()).finish()));
    }
  });

  it('refuses to finish a buffer its writes did not fill (a size bug)', () => {
    const w = new WireWriter(3);
    w.uint32(1);
    expect(() => w.finish()).toThrow('wire writer: wrote 1 of 3 bytes');
  });
});

/**
 * The protocol buffers wire format by hand: a reader over a byte view and a writer into an
 * exactly sized buffer, for core's binary codecs (tensor-proto.ts, predict.ts).
 *
 * Why not protobufjs here: its reflection compiles encoders and decoders with `new Function`,
 * which Cloudflare Workers forbid, and decoding by hand lets `tensor_content` and packed floats
 * become typed-array views of the request bytes instead of per-element JS numbers. The codecs'
 * field numbers are checked against proto/*.proto (through protobufjs) by their tests.
 *
 * WireReader: throws WireError on truncated or malformed input; the codecs turn it into
 * INVALID_ARGUMENT. Length-delimited values are views (subarray), never copies.
 * WireWriter: the caller computes the message size first (the *Size helpers), then writes into
 * one allocation; writing past the size is a bug and throws.
 */

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

/** A field's tag: its number and wire type, as they precede its value on the wire. */
export const tagOf = (field: number, wireType: number): number => (field << 3) | wireType;

/**
 * Malformed input. `within` adds the field it was found in, outermost last:
 * `inputs["x"].int64_val: truncated message`.
 */
export class WireError extends Error {
  constructor(
    readonly reason: string,
    readonly path = '',
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }

  within(field: string): WireError {
    const path = this.path === '' ? field : this.path.startsWith('[') ? field + this.path : `${field}.${this.path}`;
    return new WireError(this.reason, path);
  }
}

const utf8Decoder = new TextDecoder();
export const utf8Encoder = new TextEncoder();

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** True when the whole range has been read. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's tag: field number = tag >>> 3, wire type = tag & 7. */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) throw new WireError('invalid field number 0');
    return tag;
  }

  /** A varint's low 32 bits, unsigned (uint32, enum values, lengths). */
  uint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    let v = b & 0x7f;
    if (b < 0x80) return this.check(v);
    b = buf[this.pos++];
    v |= (b & 0x7f) << 7;
    if (b < 0x80) return this.check(v);
    b = buf[this.pos++];
    v |= (b & 0x7f) << 14;
    if (b < 0x80) return this.check(v);
    b = buf[this.pos++];
    v |= (b & 0x7f) << 21;
    if (b < 0x80) return this.check(v);
    b = buf[this.pos++];
    v = (v | ((b & 0x0f) << 28)) >>> 0;
    // Negative int32 values are sign-extended to ten bytes: skip the high ones.
    for (let i = 0; b >= 0x80; i++) {
      if (i === 5) throw new WireError('varint longer than 10 bytes');
      b = buf[this.pos++];
    }
    return this.check(v);
  }

  /** A varint's low 32 bits, signed (int32). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** A 64-bit varint as an unsigned bigint (uint64). */
  uint64(): bigint {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 4; i++) {
      b = buf[this.pos++];
      lo = (lo | ((b & 0x7f) << (i * 7))) >>> 0;
      if (b < 0x80) return this.big(lo, hi);
    }
    b = buf[this.pos++];
    lo = (lo | ((b & 0x7f) << 28)) >>> 0;
    hi = (b & 0x7f) >>> 4;
    if (b < 0x80) return this.big(lo, hi);
    for (i = 0; i < 5; i++) {
      b = buf[this.pos++];
      hi = (hi | ((b & 0x7f) << (i * 7 + 3))) >>> 0;
      if (b < 0x80) return this.big(lo, hi);
    }
    // A varint cut off by the end of the message reads as continuation bytes: say it was cut off.
    this.check(0);
    throw new WireError('varint longer than 10 bytes');
  }

  /** A 64-bit varint as a signed bigint (int64). */
  int64(): bigint {
    return BigInt.asIntN(64, this.uint64());
  }

  /** A 64-bit varint as a JS number; exact up to 2^53 (versions, dimension sizes). */
  int64Number(): number {
    return Number(this.int64());
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  float(): number {
    this.need(4);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited value as a view of the buffer. */
  bytes(): Uint8Array {
    const length = this.uint32();
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    return utf8Decoder.decode(this.bytes());
  }

  /** A reader over the next length-delimited value (an embedded message); advances past it. */
  message(): WireReader {
    const length = this.uint32();
    this.need(length);
    const sub = new WireReader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  /**
   * Reads this message to its end: a field whose tag (tagOf) has a handler is handed to it with the
   * reader at the field's value, which the handler reads; every other field is skipped. For walks
   * that want a few fields of a large message (ONNX graphs) without decoding the rest.
   */
  fields(handlers: Record<number, (r: WireReader) => void>): void {
    while (!this.done()) {
      const tag = this.tag();
      const handle = handlers[tag];
      if (handle) handle(this);
      else this.skip(tag & 7);
    }
  }

  /** Skips a field of the given wire type (unknown fields are ignored, as protobuf does). */
  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.uint64();
        return;
      case FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case LENGTH_DELIMITED:
        this.bytes();
        return;
      case FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.end) throw new WireError('truncated message');
  }

  private check(v: number): number {
    if (this.pos > this.end) throw new WireError('truncated message');
    return v;
  }

  private big(lo: number, hi: number): bigint {
    this.check(0);
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
}

/** Bytes of a varint holding the unsigned 32-bit value v. */
export function uint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Bytes of an int32 varint: negative values take ten. */
export function int32Size(v: number): number {
  return v < 0 ? 10 : uint32Size(v);
}

/** Bytes of a 64-bit varint (a negative bigint counts as its two's complement). */
export function uint64Size(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  if (u < 0x100000000n) return uint32Size(Number(u));
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

/** Bytes of a tag plus a length-delimited body of `length` bytes. */
export function delimitedSize(field: number, length: number): number {
  return uint32Size(field << 3) + uint32Size(length) + length;
}

export class WireWriter {
  readonly buf: Uint8Array<ArrayBuffer>;
  private readonly view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  tag(field: number, wireType: number): void {
    this.uint32(tagOf(field, wireType));
  }

  uint32(v: number): void {
    const buf = this.buf;
    v >>>= 0;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.pos++] = v;
  }

  int32(v: number): void {
    if (v >= 0) this.uint32(v);
    else this.uint64(BigInt(v));
  }

  uint64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    if (u < 0x100000000n) {
      this.uint32(Number(u));
      return;
    }
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  float(v: number): void {
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  /** Raw bytes, no length prefix (the caller wrote the tag and length). */
  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  /** Tag, length and bytes of a length-delimited field. */
  delimited(field: number, bytes: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.uint32(bytes.byteLength);
    this.raw(bytes);
  }

  /** The written bytes; throws if they do not fill the buffer exactly (a size bug). */
  finish(): Uint8Array<ArrayBuffer> {
    if (this.pos !== this.buf.byteLength) throw new Error(`wire writer: wrote ${this.pos} of ${this.buf.byteLength} bytes`);
    return this.buf;
  }
}

import { writeFloat32 } from './float-bytes.ts';

/**
 * A response body written as bytes into one buffer that is kept between responses and grows by
 * doubling; done() copies the written part out (the body outlives the next response). Numbers and
 * punctuation are ASCII and written byte by byte; other text goes through TextEncoder.encodeInto.
 * One writer at a time: encoding is synchronous, so a shared buffer is safe on one thread.
 */
export class JsonBytes {
  private static shared: Uint8Array<ArrayBuffer> = new Uint8Array(64 * 1024);
  buf = JsonBytes.shared;
  pos = 0;

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = JsonBytes.shared = next;
  }

  /** ASCII text (punctuation, digits, JSON already escaped to ASCII). */
  ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** Any text, as UTF-8. */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += ENCODER.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  float32(x: number): void {
    this.reserve(16);
    this.pos = writeFloat32(this.buf, this.pos, x);
  }

  /**
   * values[start, start + n) separated by commas, with one reserve for them all: 16 bytes a
   * float (what float32 reserves) and its comma.
   */
  float32s(values: Float32Array, start: number, n: number): void {
    this.reserve(17 * n);
    const buf = this.buf;
    let pos = this.pos;
    for (let k = start; k < start + n; k++) {
      if (k > start) buf[pos++] = 0x2c; // ','
      pos = writeFloat32(buf, pos, values[k]);
    }
    this.pos = pos;
  }

  done(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }
}

const ENCODER = new TextEncoder();

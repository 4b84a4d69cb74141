import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeImageCodecs } from '../../runtime/node/image-codecs.ts';
import { servingErrorMessage } from '../../test/support/thrown.ts';
import { decodeImage, imageHeader, type DecodedImage, type ImageCodecs } from './image.ts';
import { applyImageStep, writeTensorRow } from './image-steps.ts';
import type { Pixels } from './resample.ts';

// Decoding and resizing against Pillow's own output (test/fixtures/images/make-reference.py:
// Pillow 9.4, Image.open().convert('RGB'), then torchvision's Resize(64) bilinear + CenterCrop(56)).
const DIR = join(import.meta.dirname, '../../test/fixtures/images');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  images: Record<string, { size: [number, number]; decoded_sha256: string; crop56: string }>;
};
const codecs = nodeImageCodecs();
const file = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const decode = (name: string, orient = false) => decodeImage(file(name), { maxPixels: 1e8, orient, where: `input image (${name})` }, codecs);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const torchvisionEval = (p: Pixels) =>
  applyImageStep({ op: 'center_crop', width: 56, height: 56 }, applyImageStep({ op: 'resize', shorterSide: 64, filter: 'bilinear' }, p));

describe('images against Pillow', () => {
  for (const [name, want] of Object.entries(reference.images)) {
    it(`${name}: the same decoded pixels, and the same pixels after Resize(64) + CenterCrop(56)`, async () => {
      const pixels = await decode(name);
      expect([pixels.width, pixels.height]).toEqual(want.size);
      expect(sha(pixels.data)).toBe(want.decoded_sha256);
      const cropped = torchvisionEval(pixels);
      const expected = file(want.crop56);
      let maxDelta = 0;
      cropped.data.forEach((v, i) => (maxDelta = Math.max(maxDelta, Math.abs(v - expected[i]))));
      expect(maxDelta).toBe(0);
    });
  }

  it('applies EXIF orientation only when asked', async () => {
    const upright = await decode('photo-420.jpg');
    const turned = await decode('rotated.jpg', true);
    expect([turned.width, turned.height]).toEqual([upright.height, upright.width]);
    // Orientation 6: the stored image is shown turned 90 degrees clockwise.
    for (const [x, y] of [[0, 0], [10, 200], [239, 319], [120, 17]]) {
      const at = (p: Pixels, px: number, py: number) => Array.from(p.data.subarray((py * p.width + px) * 3, (py * p.width + px) * 3 + 3));
      expect(at(turned, x, y)).toEqual(at(upright, y, upright.height - 1 - x));
    }
    expect(sha((await decode('rotated.jpg')).data)).toBe(reference.images['rotated.jpg'].decoded_sha256);
  });
});

describe('images from callers', () => {
  it('refuses a decompression bomb from its header, before decoding', async () => {
    expect(imageHeader(file('bomb.png'))).toEqual({ format: 'png', width: 50000, height: 50000 });
    const message = await decodeImage(file('bomb.png'), { maxPixels: 36e6, orient: false, where: 'input image' }, codecs).catch((e) => servingErrorMessage(() => { throw e; }));
    expect(message).toBe("input image: the png is 50000 x 50000 pixels, over this model's limit of 36000000");
  });

  it('answers INVALID_ARGUMENT naming the input for bytes that are not an image, or a broken one', async () => {
    const bad = async (bytes: Uint8Array) =>
      decodeImage(bytes, { maxPixels: 1e8, orient: false, where: 'input image, example 2' }, codecs).then(
        () => 'decoded',
        (e) => `${e.code}: ${e.message}`,
      );
    expect(await bad(new TextEncoder().encode('hello'))).toBe('INVALID_ARGUMENT: input image, example 2: not a JPEG, PNG or WebP image (5 bytes)');
    const jpeg = file('photo-420.jpg');
    expect(await bad(jpeg.slice(0, 600))).toBe('INVALID_ARGUMENT: input image, example 2: the jpeg is truncated (no end-of-image marker)');
    const corrupt = jpeg.slice();
    corrupt.fill(0x55, 200, 2000);
    expect(await bad(corrupt)).toMatch(/^INVALID_ARGUMENT: input image, example 2: the jpeg cannot be decoded/);
    const png = file('photo.png');
    expect(await bad(png.slice(0, 200))).toMatch(/^INVALID_ARGUMENT: input image, example 2: the png cannot be decoded/);
    const webp = file('photo-lossy.webp');
    expect(await bad(webp.slice(0, 300))).toBe(`INVALID_ARGUMENT: input image, example 2: the webp is truncated (300 of its ${webp.length} bytes)`);
    const garbled = webp.slice();
    garbled.fill(0x55, 40, 400);
    expect(await bad(garbled)).toMatch(/^INVALID_ARGUMENT: input image, example 2: the webp cannot be decoded/);
  });

  it("reads a WebP bomb's size from its header (lossy, lossless and extended), before decoding", async () => {
    for (const name of ['photo-lossy.webp', 'photo-lossless.webp', 'alpha.webp']) expect(imageHeader(file(name)), name).toEqual({ format: 'webp', width: 320, height: 240 });
    // VP8X's canvas declares 16384 x 16384: refused from the header.
    const bomb = file('alpha.webp');
    bomb.set([0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00], 24);
    await expect(decodeImage(bomb, { maxPixels: 1e6, orient: false, where: 'input image' }, codecs)).rejects.toThrow("input image: the webp is 16384 x 16384 pixels, over this model's limit of 1000000");
  });
});

// Headers built byte by byte: each check in imageHeader on a buffer that differs from a good one in one place.
const pngHeader = (width: number, height: number) => {
  const b = new Uint8Array(24);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
};
/** RIFF....WEBP, then a chunk with its fourcc; `body` is written from byte 20 (the chunk's payload). */
const webpHeader = (fourcc: string, body: number[], length = 30) => {
  const b = new Uint8Array(length);
  b.set(new TextEncoder().encode(`RIFF....WEBP${fourcc}`));
  new DataView(b.buffer).setUint32(4, length - 8, true);
  b.set(body.slice(0, length - 20), 20);
  return b;
};
const vp8 = (width: number, height: number) => webpHeader('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, width & 0xff, width >> 8, height & 0xff, height >> 8]);
/** A start-of-frame segment as far as the size: marker, length 17, precision 8, height, width (big-endian). */
const sof = (marker: number, height: number, width: number) => [0xff, marker, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff];
const jpegOf = (...parts: number[][]) => Uint8Array.from([0xff, 0xd8, ...parts.flat()]);
/** A good little JPEG header: SOI, an SOF0 declaring width x height, a few bytes, EOI. */
const jpegHeader = (width: number, height: number) => jpegOf(sof(0xc0, height, width), [0x03, 0x01, 0x22, 0x00], [0xff, 0xd9]);
const withByte = (b: Uint8Array, at: number, value: number) => {
  const copy = b.slice();
  copy[at] = value;
  return copy;
};

// PNGs built in the test: signature, IHDR, PLTE when given, one IDAT of unfiltered rows, IEND.
const pngChunk = (type: string, data: Uint8Array) => {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
};
const pngFile = (o: { width: number; height: number; depth: 8 | 16; colorType: 0 | 2 | 3; rows: number[][]; palette?: number[][] }) => {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, o.width);
  new DataView(ihdr.buffer).setUint32(4, o.height);
  ihdr.set([o.depth, o.colorType, 0, 0, 0], 8);
  const raw: number[] = [];
  for (const row of o.rows) {
    raw.push(0); // filter: none
    for (const v of row) raw.push(...(o.depth === 16 ? [v >> 8, v & 0xff] : [v]));
  }
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk('IHDR', ihdr),
    ...(o.palette ? [pngChunk('PLTE', Uint8Array.from(o.palette.flat()))] : []),
    pngChunk('IDAT', new Uint8Array(deflateSync(Uint8Array.from(raw)))),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

/** Codecs that decode nothing: they answer RGBA pixels of the size asked (or throw what they are given). */
const rgba = (width: number, height: number): DecodedImage => ({ width, height, data: Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 7) & 0xff) });
const fakeCodecs = (o: { maxPixels?: number; fail?: unknown } = {}): ImageCodecs => {
  const answer = async (bytes: Uint8Array) => {
    if (o.fail !== undefined) throw o.fail;
    const header = imageHeader(bytes)!;
    return rgba(header.width, header.height);
  };
  return { maxPixels: o.maxPixels, jpeg: answer, webp: answer };
};
const decodeWith = (bytes: Uint8Array, maxPixels: number, codecs: ImageCodecs) => decodeImage(bytes, { maxPixels, orient: false, where: 'input image' }, codecs);
const refusal = (bytes: Uint8Array, maxPixels: number, codecs: ImageCodecs) =>
  decodeWith(bytes, maxPixels, codecs).then(
    (p) => `decoded ${p.width} x ${p.height}`,
    (e) => servingErrorMessage(() => { throw e; }),
  );

describe('imageHeader', () => {
  it('reads a PNG size from IHDR, and takes a buffer that differs in one signature byte, or is under 24 bytes, for no image', () => {
    const good = pngHeader(0x01020304, 0x0a0b0c0d);
    expect(imageHeader(good)).toEqual({ format: 'png', width: 0x01020304, height: 0x0a0b0c0d });
    for (const at of [0, 1, 2, 3, 12, 13]) expect(imageHeader(withByte(good, at, good[at] ^ 0x01)), `byte ${at}`).toBeNull();
    expect(imageHeader(good.subarray(0, 23))).toBeNull();
  });

  it('reads a WebP size from its first chunk: VP8 (14 bits, scale bits dropped), VP8L (14 bits + 1), VP8X (24 bits + 1)', () => {
    expect(imageHeader(vp8(0xc000 | 320, 0x4000 | 240))).toEqual({ format: 'webp', width: 320, height: 240 });
    // VP8L: signature 0x2f, then width - 1 and height - 1 in 14 bits each, little-endian.
    const bits = 299 | (199 << 14);
    expect(imageHeader(webpHeader('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >>> 24]))).toEqual({ format: 'webp', width: 300, height: 200 });
    expect(imageHeader(webpHeader('VP8X', [0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x00]))).toEqual({ format: 'webp', width: 0x030202, height: 0x0505 });
  });

  it('takes a WebP with a wrong RIFF, WEBP or chunk fourcc, wrong VP8 or VP8L magic bytes, or under 30 bytes, for no image', () => {
    const lossy = vp8(320, 240);
    for (const at of [0, 3, 8, 11, 12, 15, 23, 24, 25]) expect(imageHeader(withByte(lossy, at, lossy[at] ^ 0x01)), `byte ${at}`).toBeNull();
    // The VP8 magic bytes alone do not make a VP8 chunk.
    expect(imageHeader(webpHeader('VP9 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]))).toBeNull();
    const lossless = webpHeader('VP8L', [0x2f, 0, 0, 0, 0]);
    expect(imageHeader(lossless)).toEqual({ format: 'webp', width: 1, height: 1 });
    expect(imageHeader(withByte(lossless, 20, 0x2e))).toBeNull();
    expect(imageHeader(webpHeader('VP9L', [0x2f, 0, 0, 0, 0]))).toBeNull();
    expect(imageHeader(webpHeader('VP8Y', [0, 0, 0, 0, 1, 0, 0, 1, 0, 0]))).toBeNull();
    const extended = webpHeader('VP8X', [0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(imageHeader(extended)).toEqual({ format: 'webp', width: 2, height: 2 });
    expect(imageHeader(webpHeader('VP8X', [0, 0, 0, 0, 1, 0, 0, 1, 0, 0], 29))).toBeNull();
  });

  it('reads a JPEG size from its start-of-frame: height then width, big-endian', () => {
    expect(imageHeader(jpegHeader(0x0304, 0x0102))).toEqual({ format: 'jpeg', width: 0x0304, height: 0x0102 });
  });

  it('takes bytes without the JPEG start-of-image, or under 4 bytes, for no image', () => {
    const frame = sof(0xc0, 16, 16);
    expect(imageHeader(Uint8Array.from([0x00, 0x00, ...frame]))).toBeNull();
    expect(imageHeader(Uint8Array.from([0xff, 0x00, ...frame]))).toBeNull();
    expect(imageHeader(Uint8Array.from([0x00, 0xd8, ...frame]))).toBeNull();
    expect(imageHeader(Uint8Array.of(0xff, 0xd8, 0xff))).toBeNull();
    expect(imageHeader(Uint8Array.of(0xff, 0xd8))).toBeNull();
    expect(imageHeader(new Uint8Array(0))).toBeNull();
  });

  it('walks JPEG marker segments: fill bytes skipped, a byte other than 0xFF where a marker belongs is no image', () => {
    expect(imageHeader(jpegOf([0xff, 0xff, 0xff], sof(0xc2, 20, 30)))).toEqual({ format: 'jpeg', width: 30, height: 20 });
    expect(imageHeader(jpegOf([0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46], [0xff, 0xff], sof(0xc0, 20, 30)))).toEqual({ format: 'jpeg', width: 30, height: 20 });
    expect(imageHeader(jpegOf([0x00], sof(0xc0, 20, 30).slice(1)))).toBeNull();
    expect(imageHeader(jpegOf([0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46], [0x7f], sof(0xc0, 20, 30).slice(1)))).toBeNull();
  });

  it('takes every start-of-frame 0xC0-0xCF but DHT (0xC4), JPG (0xC8) and DAC (0xCC) for the frame; other markers are segments skipped', () => {
    // The segment before the frame would declare 9 x 10 if it were taken for a frame; the frame after it declares 772 x 258.
    const segment = (marker: number) => [0xff, marker, 0x00, 0x07, 0x08, 0x00, 0x09, 0x00, 0x0a];
    for (let marker = 0xc0; marker <= 0xcf; marker++) {
      const skipped = marker === 0xc4 || marker === 0xc8 || marker === 0xcc;
      const want = skipped ? { width: 772, height: 258 } : { width: 10, height: 9 };
      expect(imageHeader(jpegOf(segment(marker), sof(0xc0, 258, 772))), marker.toString(16)).toEqual({ format: 'jpeg', ...want });
    }
    for (const marker of [0x01, 0xbf, 0xd0, 0xdb, 0xe0, 0xe1, 0xfe]) {
      expect(imageHeader(jpegOf(segment(marker), sof(0xc1, 258, 772))), marker.toString(16)).toEqual({ format: 'jpeg', width: 772, height: 258 });
    }
  });

  it('takes a JPEG frame cut before its width (i + 9 > length) for no image, one that just holds it for the size', () => {
    const whole = jpegOf(sof(0xc0, 0x0102, 0x0304));
    expect(imageHeader(whole)).toEqual({ format: 'jpeg', width: 0x0304, height: 0x0102 });
    expect(imageHeader(whole.subarray(0, whole.length - 1))).toBeNull();
  });

  it('takes a JPEG segment length under 2 for no image; an empty segment (length 2) is skipped', () => {
    expect(imageHeader(jpegOf([0xff, 0xe0, 0x00, 0x02], sof(0xc0, 20, 30)))).toEqual({ format: 'jpeg', width: 30, height: 20 });
    expect(imageHeader(jpegOf([0xff, 0xe0, 0x00, 0x01], sof(0xc0, 20, 30)))).toBeNull();
    expect(imageHeader(jpegOf([0xff, 0xe0, 0x00, 0x00], sof(0xc0, 20, 30)))).toBeNull();
  });
});

describe('decodeImage: what is refused before decoding, and how decoder failures are answered', () => {
  it('refuses a header declaring width 0 or height 0, either alone', async () => {
    expect(await refusal(jpegHeader(0, 5), 1e6, fakeCodecs())).toBe('input image: the jpeg declares 0 x 5 pixels');
    expect(await refusal(jpegHeader(7, 0), 1e6, fakeCodecs())).toBe('input image: the jpeg declares 7 x 0 pixels');
    expect(await refusal(pngHeader(0, 3), 1e6, fakeCodecs())).toBe('input image: the png declares 0 x 3 pixels');
    expect(await refusal(pngHeader(3, 0), 1e6, fakeCodecs())).toBe('input image: the png declares 3 x 0 pixels');
  });

  it('lets through exactly maxPixels, and refuses one pixel row more', async () => {
    expect(await refusal(jpegHeader(16, 16), 256, fakeCodecs())).toBe('decoded 16 x 16');
    expect(await refusal(jpegHeader(16, 17), 256, fakeCodecs())).toBe("input image: the jpeg is 16 x 17 pixels, over this model's limit of 256");
  });

  it("names the target's limit when the codecs' own maxPixels is the lower, the model's otherwise", async () => {
    expect(await refusal(jpegHeader(16, 16), 1000, fakeCodecs({ maxPixels: 200 }))).toBe("input image: the jpeg is 16 x 16 pixels, over this target's limit of 200");
    expect(await refusal(jpegHeader(16, 16), 200, fakeCodecs({ maxPixels: 5000 }))).toBe("input image: the jpeg is 16 x 16 pixels, over this model's limit of 200");
    expect(await refusal(jpegHeader(16, 16), 200, fakeCodecs({ maxPixels: 200 }))).toBe("input image: the jpeg is 16 x 16 pixels, over this model's limit of 200");
    expect(await refusal(jpegHeader(16, 16), 256, fakeCodecs({ maxPixels: 256 }))).toBe('decoded 16 x 16');
  });

  it('looks for the JPEG end-of-image marker in the last 4096 bytes only', async () => {
    const padded = (eoiAt: number) => {
      const b = new Uint8Array(5000);
      b.set(jpegOf(sof(0xc0, 4, 4)));
      b.set([0xff, 0xd9], eoiAt);
      return b;
    };
    expect(await refusal(padded(5000 - 4096), 1e6, fakeCodecs())).toBe('decoded 4 x 4');
    expect(await refusal(padded(5000 - 4097), 1e6, fakeCodecs())).toBe('input image: the jpeg is truncated (no end-of-image marker)');
    expect(await refusal(padded(4998), 1e6, fakeCodecs())).toBe('decoded 4 x 4');
  });

  it("drops the decoder's alpha channel", async () => {
    const pixels = await decodeWith(jpegHeader(2, 1), 100, fakeCodecs());
    expect(Array.from(pixels.data)).toEqual([0, 7, 14, 28, 35, 42]);
    expect(pixels.channels).toBe(3);
  });

  it('rethrows a decoder error that carries a code as is; any other becomes INVALID_ARGUMENT naming the input', async () => {
    const exhausted = Object.assign(new Error('out of memory'), { code: 'RESOURCE_EXHAUSTED' });
    await expect(decodeWith(jpegHeader(4, 4), 1e6, fakeCodecs({ fail: exhausted }))).rejects.toBe(exhausted);
    expect(await refusal(jpegHeader(4, 4), 1e6, fakeCodecs({ fail: new Error('bad Huffman code') }))).toBe('input image: the jpeg cannot be decoded (bad Huffman code)');
    expect(await refusal(jpegHeader(4, 4), 1e6, fakeCodecs({ fail: 'abort(7)' }))).toBe('input image: the jpeg cannot be decoded (abort(7))');
    const webp = webpHeader('VP8X', [0, 0, 0, 0, 3, 0, 0, 3, 0, 0]);
    expect(await refusal(webp, 1e6, fakeCodecs({ fail: new Error('VP8_STATUS_BITSTREAM_ERROR') }))).toBe('input image: the webp cannot be decoded (VP8_STATUS_BITSTREAM_ERROR)');
    expect(await refusal(webp, 1e6, fakeCodecs())).toBe('decoded 4 x 4');
  });
});

describe('PNG pixels', () => {
  it('cuts 16-bit samples to their high byte, as PIL does, grey replicated to three channels', async () => {
    const rgb16 = pngFile({ width: 2, height: 1, depth: 16, colorType: 2, rows: [[0x1234, 0xabcd, 0x00ff, 0xff00, 0x8001, 0x7fff]] });
    const pixels = await decodeWith(rgb16, 100, fakeCodecs());
    expect([pixels.width, pixels.height, pixels.channels]).toEqual([2, 1, 3]);
    expect(Array.from(pixels.data)).toEqual([0x12, 0xab, 0x00, 0xff, 0x80, 0x7f]);
    const grey16 = pngFile({ width: 2, height: 1, depth: 16, colorType: 0, rows: [[0x1234, 0xfe01]] });
    expect(Array.from((await decodeWith(grey16, 100, fakeCodecs())).data)).toEqual([0x12, 0x12, 0x12, 0xfe, 0xfe, 0xfe]);
  });

  it('expands a palette, an index missing from the palette giving black', async () => {
    const indexed = pngFile({ width: 2, height: 2, depth: 8, colorType: 3, palette: [[10, 20, 30], [200, 100, 50]], rows: [[0, 1], [2, 1]] });
    const pixels = await decodeWith(indexed, 100, fakeCodecs());
    expect(Array.from(pixels.data)).toEqual([10, 20, 30, 200, 100, 50, 0, 0, 0, 200, 100, 50]);
  });
});

describe('resize for a detector (max_side, multiple_of)', () => {
  it("sizes as PaddleOCR's DetResizeForTest: the longer side at most max_side, each side rounded half to even to a multiple", () => {
    const size = (width: number, height: number) => {
      const out = applyImageStep({ op: 'resize', maxSide: 960, multipleOf: 32, filter: 'bilinear' }, { width, height, channels: 3, data: new Uint8Array(width * height * 3) });
      return [out.width, out.height];
    };
    // 1200 x 900 scales by 0.8 to 960 x 720; 720 / 32 = 22.5 rounds to 22.
    expect(size(1200, 900)).toEqual([960, 704]);
    // Smaller than max_side: not scaled, only rounded (240 / 32 = 7.5 rounds to 8), and at least one multiple.
    expect(size(480, 240)).toEqual([480, 256]);
    expect(size(40, 10)).toEqual([32, 32]);
  });
});

describe('to_tensor', () => {
  it('computes ToTensor + Normalize in float32, in the declared channel order and layout', () => {
    const image: Pixels = { width: 2, height: 1, channels: 3, data: Uint8Array.of(10, 20, 30, 200, 100, 0) };
    const spec = { divide: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], dtype: 'float32' as const };
    const nchw = new Float32Array(6);
    writeTensorRow(image, { ...spec, channels: 'rgb', layout: 'nchw' }, nchw, 0);
    const f = Math.fround;
    const norm = (v: number, c: number) => f(f(f(v / 255) - f(spec.mean[c])) / f(spec.std[c]));
    expect(Array.from(nchw)).toEqual([norm(10, 0), norm(200, 0), norm(20, 1), norm(100, 1), norm(30, 2), norm(0, 2)]);
    const nhwcBgr = new Float32Array(6);
    writeTensorRow(image, { ...spec, channels: 'bgr', layout: 'nhwc' }, nhwcBgr, 0);
    expect(Array.from(nhwcBgr)).toEqual([norm(30, 0), norm(20, 1), norm(10, 2), norm(0, 0), norm(100, 1), norm(200, 2)]);
  });
});

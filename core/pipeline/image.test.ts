import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeImageCodecs } from '../../runtime/node/image-codecs.ts';
import { servingErrorMessage } from '../../test/support/thrown.ts';
import { decodeImage, imageHeader } from './image.ts';
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

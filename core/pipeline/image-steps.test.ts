import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.ts';
import { applyImageStep, writeTensorRow, type ImageStep, type ToTensor } from './image-steps.ts';
import type { Pixels } from './resample.ts';

// The geometry steps and to_tensor on tiny images worked out by hand. In `grid`, each pixel's three
// channels hold y * 16 + x, so a crop's pixels say where they came from.
const grid = (width: number, height: number): Pixels => {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(y * 16 + x, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, channels: 3, data };
};
/** Each pixel's position value (channel 0), row by row. */
const positions = (p: Pixels) => Array.from({ length: p.height }, (_, y) => Array.from({ length: p.width }, (_, x) => p.data[(y * p.width + x) * 3]));
const size = (step: ImageStep, width: number, height: number) => {
  const out = applyImageStep(step, grid(width, height));
  return [out.width, out.height];
};
const crop = (width: number, height: number): ImageStep => ({ op: 'center_crop', width, height });

describe('resize', () => {
  it('shorter_side on a portrait image: the width becomes the side, the height int(side * h / w)', () => {
    expect(size({ op: 'resize', shorterSide: 2, filter: 'bilinear' }, 4, 6)).toEqual([2, 3]);
    // 3 * 7 / 5 = 4.2: truncated, as torchvision's int().
    expect(size({ op: 'resize', shorterSide: 3, filter: 'bilinear' }, 5, 7)).toEqual([3, 4]);
  });

  it('shorter_side on a landscape image: the height becomes the side, the width int(side * w / h)', () => {
    expect(size({ op: 'resize', shorterSide: 2, filter: 'bilinear' }, 6, 4)).toEqual([3, 2]);
    expect(size({ op: 'resize', shorterSide: 3, filter: 'bilinear' }, 7, 5)).toEqual([4, 3]);
  });

  it('shorter_side on a square image: both sides become the side', () => {
    expect(size({ op: 'resize', shorterSide: 3, filter: 'bilinear' }, 5, 5)).toEqual([3, 3]);
  });

  it('to an explicit width and height, whatever the aspect ratio', () => {
    expect(size({ op: 'resize', width: 3, height: 5, filter: 'bilinear' }, 4, 2)).toEqual([3, 5]);
    expect(size({ op: 'resize', width: 6, height: 2, filter: 'bicubic' }, 3, 3)).toEqual([6, 2]);
  });

  it('resizes when only one side changes', () => {
    expect(size({ op: 'resize', width: 2, height: 2, filter: 'bilinear' }, 4, 2)).toEqual([2, 2]);
    expect(size({ op: 'resize', width: 4, height: 2, filter: 'bilinear' }, 4, 4)).toEqual([4, 2]);
  });

  it('returns an image already the right size as it is', () => {
    const image = grid(4, 6);
    expect(applyImageStep({ op: 'resize', shorterSide: 4, filter: 'bilinear' }, image)).toBe(image);
    expect(applyImageStep({ op: 'resize', width: 4, height: 6, filter: 'bicubic' }, image)).toBe(image);
  });

  it("uses the declared filter, Pillow's bilinear or bicubic", () => {
    // One row 0 0 255 255 halved: bilinear weighs the pixels 0.75 0.75 0.25 (36 = 255 * 0.25 / 1.75);
    // bicubic (a = -0.5) reaches one pixel further, with a negative lobe: 21.
    const edge: Pixels = { width: 4, height: 1, channels: 3, data: Uint8Array.from([0, 0, 255, 255].flatMap((v) => [v, v, v])) };
    const halve = (filter: 'bilinear' | 'bicubic') => Array.from(applyImageStep({ op: 'resize', width: 2, height: 1, filter }, edge).data.filter((_, i) => i % 3 === 0));
    expect(halve('bilinear')).toEqual([36, 219]);
    expect(halve('bicubic')).toEqual([21, 234]);
  });
});

describe('center_crop', () => {
  it('refuses a crop wider or taller than the image, naming both sizes', () => {
    expect(thrown(() => applyImageStep(crop(5, 4), grid(4, 4)), RangeError).message).toBe('center_crop 5 x 4 is larger than the 4 x 4 image');
    expect(thrown(() => applyImageStep(crop(4, 5), grid(4, 4)), RangeError).message).toBe('center_crop 4 x 5 is larger than the 4 x 4 image');
    expect(thrown(() => applyImageStep(crop(6, 7), grid(4, 4)), RangeError).message).toBe('center_crop 6 x 7 is larger than the 4 x 4 image');
  });

  it('crops the full width or the full height', () => {
    expect(positions(applyImageStep(crop(4, 2), grid(4, 4)))).toEqual([
      [0x10, 0x11, 0x12, 0x13],
      [0x20, 0x21, 0x22, 0x23],
    ]);
    expect(positions(applyImageStep(crop(2, 4), grid(4, 4)))).toEqual([
      [0x01, 0x02],
      [0x11, 0x12],
      [0x21, 0x22],
      [0x31, 0x32],
    ]);
  });

  it('takes the centre: offsets (size - crop) / 2', () => {
    expect(positions(applyImageStep(crop(2, 2), grid(4, 4)))).toEqual([
      [0x11, 0x12],
      [0x21, 0x22],
    ]);
    expect(positions(applyImageStep(crop(1, 1), grid(7, 3)))).toEqual([[0x13]]);
  });

  it("rounds a half-pixel offset to even, as Python's round()", () => {
    // Offsets 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
    expect(positions(applyImageStep(crop(2, 2), grid(3, 3)))).toEqual([
      [0x00, 0x01],
      [0x10, 0x11],
    ]);
    expect(positions(applyImageStep(crop(2, 2), grid(7, 5)))).toEqual([
      [0x22, 0x23],
      [0x32, 0x33],
    ]);
  });
});

describe('to_tensor', () => {
  const plain: ToTensor = { channels: 'rgb', layout: 'nchw', dtype: 'float32', divide: 1, mean: [0, 0, 0], std: [1, 1, 1] };
  // 2 x 2 pixels, RGB: (1 2 3) (4 5 6) / (7 8 9) (10 11 12).
  const square: Pixels = { width: 2, height: 2, channels: 3, data: Uint8Array.from({ length: 12 }, (_, i) => i + 1) };

  it('nchw: one plane per channel, holding every pixel of the image', () => {
    const out = new Float32Array(12);
    writeTensorRow(square, plain, out, 0);
    expect(Array.from(out)).toEqual([1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
  });

  it('writes only its own row of the batch, in whatever order the rows are written', () => {
    for (const layout of ['nchw', 'nhwc'] as const) {
      const out = new Float32Array(24);
      writeTensorRow(square, { ...plain, layout }, out, 12);
      writeTensorRow(square, { ...plain, layout }, out, 0);
      const row = layout === 'nchw' ? [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12] : Array.from(square.data);
      expect(Array.from(out), layout).toEqual([...row, ...row]);
      const alone = new Float32Array(13).fill(-1);
      writeTensorRow(square, { ...plain, layout }, alone, 0);
      expect(alone[12], layout).toBe(-1);
    }
  });

  it('uint8: the pixels as they are, whatever divide, mean and std say', () => {
    const out = new Uint8Array(12);
    writeTensorRow(square, { channels: 'bgr', layout: 'nhwc', dtype: 'uint8', divide: 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, out, 0);
    expect(Array.from(out)).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]);
  });
});

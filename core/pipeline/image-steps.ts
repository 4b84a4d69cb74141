import { resample, type Filter, type Pixels } from './resample.ts';

/**
 * The geometry and tensor steps after decoding, with torchvision's and timm's arithmetic:
 * - resize to a shorter side (torchvision Resize(int)): the long side is int(side * long / short);
 *   or to a fixed width and height; or, for detectors that take any size, by PaddleOCR's
 *   DetResizeForTest (limit_type "max"): scaled down so the longer side is at most max_side,
 *   then each side rounded to a multiple (half to even, at least one multiple);
 * - center crop (torchvision CenterCrop): offsets int(round((H - h) / 2)) with Python's rounding
 *   (half to even); a crop larger than the image is refused (the declaration must resize first);
 * - to_tensor: channel order, layout, then float32 arithmetic exactly as ToTensor + Normalize
 *   compute it: x = v / divide, then (x - mean[c]) / std[c], each rounded to float32.
 */
export type ImageStep =
  | { op: 'resize'; shorterSide?: number; width?: number; height?: number; maxSide?: number; multipleOf?: number; filter: Filter }
  | { op: 'center_crop'; width: number; height: number };

export interface ToTensor {
  channels: 'rgb' | 'bgr';
  layout: 'nchw' | 'nhwc';
  dtype: 'float32' | 'uint8';
  divide: number;
  mean: number[];
  std: number[];
}

export function applyImageStep(step: ImageStep, image: Pixels): Pixels {
  if (step.op === 'resize') {
    const [width, height] =
      step.shorterSide !== undefined ? shorterSideSize(image, step.shorterSide) : step.maxSide !== undefined ? limitedSize(image, step.maxSide, step.multipleOf ?? 1) : [step.width!, step.height!];
    return width === image.width && height === image.height ? image : resample(image, width, height, step.filter);
  }
  return centerCrop(image, step.width, step.height);
}

function shorterSideSize(image: Pixels, side: number): [number, number] {
  const { width: w, height: h } = image;
  if (w <= h) return [side, Math.trunc((side * h) / w)];
  return [Math.trunc((side * w) / h), side];
}

function limitedSize(image: Pixels, maxSide: number, multiple: number): [number, number] {
  const longer = Math.max(image.width, image.height);
  const ratio = longer > maxSide ? maxSide / longer : 1;
  const side = (n: number) => Math.max(roundHalfEven(Math.trunc(n * ratio) / multiple) * multiple, multiple);
  return [side(image.width), side(image.height)];
}

function centerCrop(image: Pixels, width: number, height: number): Pixels {
  if (width > image.width || height > image.height) {
    throw new RangeError(`center_crop ${width} x ${height} is larger than the ${image.width} x ${image.height} image`);
  }
  const top = roundHalfEven((image.height - height) / 2);
  const left = roundHalfEven((image.width - width) / 2);
  const c = image.channels;
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * c;
    data.set(image.data.subarray(from, from + width * c), y * width * c);
  }
  return { width, height, channels: c, data };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One image as the model's input row: [C, H, W] or [H, W, C] values, written into `out` at `offset`. */
export function writeTensorRow(image: Pixels, spec: ToTensor, out: Float32Array | Uint8Array, offset: number): void {
  const { width, height } = image;
  const plane = width * height;
  const order = spec.channels === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const mean = spec.mean.map(Math.fround);
  const std = spec.std.map(Math.fround);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[p * 3 + order[c]];
      const at = offset + (spec.layout === 'nchw' ? c * plane + p : p * 3 + c);
      if (out instanceof Uint8Array) out[at] = v;
      else out[at] = Math.fround(Math.fround(Math.fround(v / spec.divide) - mean[c]) / std[c]);
    }
  }
}

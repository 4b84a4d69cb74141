/**
 * Pillow's resampling (src/libImaging/Resample.c), ported so that images resized here match what
 * torchvision and timm feed models in training (PIL input): separable convolution, the filter's
 * support widened by the scale when downsampling (Pillow's antialias), 22-bit fixed-point weights,
 * a uint8 image between the horizontal and the vertical pass. Bit-exact with Pillow on the same
 * decoded pixels (core/pipeline/image.test.ts holds it to Pillow's own output).
 *
 * Pixels are interleaved 8-bit channels, row-major (RGB: 3 per pixel).
 */
export interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export type Filter = 'bilinear' | 'bicubic';

const FILTERS: Record<Filter, { support: number; weight: (x: number) => number }> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  // Pillow's bicubic: a = -0.5.
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

const PRECISION_BITS = 32 - 8 - 2;

/** The image resized to width x height (Pillow's Image.resize with the default box). */
export function resample(image: Pixels, width: number, height: number, filter: Filter): Pixels {
  const f = FILTERS[filter];
  let out = image;
  const vertical = coefficients(image.height, height, f);
  if (width !== image.width) {
    // Only the rows the vertical pass reads are resized horizontally.
    const first = vertical.bounds[0];
    const last = vertical.bounds[(height - 1) * 2] + vertical.bounds[(height - 1) * 2 + 1];
    for (let y = 0; y < height; y++) vertical.bounds[y * 2] -= first;
    out = horizontal(image, first, last - first, coefficients(image.width, width, f));
  }
  if (height !== image.height) out = verticalPass(out, height, vertical);
  return out;
}

interface Coefficients {
  size: number;
  ksize: number;
  /** Per output position: first input index, then the count of taps. */
  bounds: Int32Array;
  /** Fixed-point weights, ksize per output position. */
  weights: Int32Array;
}

function coefficients(inSize: number, outSize: number, filter: (typeof FILTERS)[Filter]): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax && total !== 0 ? k[x] / total : x < xmax ? k[x] : 0;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { size: outSize, ksize, bounds, weights };
}

function clip8(v: number): number {
  if (v >= 1 << PRECISION_BITS << 8) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

const HALF = 1 << (PRECISION_BITS - 1);

function horizontal(image: Pixels, firstRow: number, rows: number, c: Coefficients): Pixels {
  const { channels } = image;
  const out = new Uint8Array(c.size * rows * channels);
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + firstRow) * image.width * channels;
    const rowOut = y * c.size * channels;
    for (let xx = 0; xx < c.size; xx++) {
      const xmin = c.bounds[xx * 2];
      const taps = c.bounds[xx * 2 + 1];
      const k = xx * c.ksize;
      for (let ch = 0; ch < channels; ch++) {
        let ss = HALF;
        for (let x = 0; x < taps; x++) ss += image.data[rowIn + (x + xmin) * channels + ch] * c.weights[k + x];
        out[rowOut + xx * channels + ch] = clip8(ss);
      }
    }
  }
  return { width: c.size, height: rows, channels, data: out };
}

function verticalPass(image: Pixels, height: number, c: Coefficients): Pixels {
  const { channels, width } = image;
  const stride = width * channels;
  const out = new Uint8Array(height * stride);
  for (let yy = 0; yy < height; yy++) {
    const ymin = c.bounds[yy * 2];
    const taps = c.bounds[yy * 2 + 1];
    const k = yy * c.ksize;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      for (let y = 0; y < taps; y++) ss += image.data[(y + ymin) * stride + i] * c.weights[k + y];
      out[yy * stride + i] = clip8(ss);
    }
  }
  return { width, height, channels, data: out };
}

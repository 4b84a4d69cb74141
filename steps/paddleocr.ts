import { invalidArgument } from '../core/errors.ts';
import type { NamedStep } from '../core/pipeline/chain.ts';

/**
 * PaddleOCR's glue between its detector, direction classifier and recognizer (PP-OCR, as
 * PaddleOCR's tools/infer/predict_system.py chains them), as named steps for pipeline.json:
 *
 * paddleocr_text_lines: the detector's probability map and its input image to one tensor of text
 *   lines for the recognizer (and one for the classifier). DB post-processing made axis-aligned:
 *   pixels over `threshold` grouped into 8-connected regions; a region's score is the mean
 *   probability in its box ("fast" score mode), kept at `box_threshold` or more; the box grows by
 *   area * unclip_ratio / perimeter on each side (the unclip of a rectangle) and sides under
 *   `min_size` are dropped; boxes are read top to bottom, then left to right on one line (10 px).
 *   Each box is cropped from the detector's input (its normalisation undone with `mean`, `std`
 *   and `divide`), resized bilinearly to `height` (48) keeping its aspect, normalised to [-1, 1]
 *   ((x / 255 - 0.5) / 0.5) and padded with zeros on the right: for the recognizer to the widest
 *   line (at least `min_width`, 320), for the classifier to `cls_width` (192). Rotated and
 *   curved text (PaddleOCR's min-area rectangles and perspective crops) is not handled.
 *   Outputs: rec_lines [lines, 3, 48, W], cls_lines [lines, 3, 48, 192], widths [lines] (each
 *   line's width before padding), boxes [lines, 4] (x1, y1, x2, y2 in the detector's input).
 *
 * paddleocr_orient: turns by 180 degrees each line the classifier calls upside down (class 1,
 *   "180", with a probability over `threshold`, 0.9), as PaddleOCR's TextClassifier does.
 */

type Args = Readonly<Record<string, unknown>>;

const num = (args: Args, key: string, fallback: number): number => {
  const v = args[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(`paddleocr step: args.${key} must be a number`);
  return v;
};
const triple = (args: Args, key: string, fallback: number[]): number[] => {
  const v = args[key] ?? fallback;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) throw invalidArgument(`paddleocr step: args.${key} must be three numbers`);
  return v as number[];
};

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export const textLines: NamedStep = {
  inputs: { map: { dtype: 'float32', dims: [1, 1, -1, -1] }, image: { dtype: 'float32', dims: [1, 3, -1, -1] } },
  outputs: {
    rec_lines: { dtype: 'float32', dims: [-1, 3, 48, -1] },
    cls_lines: { dtype: 'float32', dims: [-1, 3, 48, -1] },
    widths: { dtype: 'int32', dims: [-1] },
    boxes: { dtype: 'float32', dims: [-1, 4] },
  },
  run({ map, image }, args) {
    if (map.dims.length !== 4 || image.dims.length !== 4 || map.dims[2] !== image.dims[2] || map.dims[3] !== image.dims[3] || image.dims[1] !== 3) {
      throw invalidArgument(`paddleocr_text_lines: expects map [1, 1, H, W] and image [1, 3, H, W], got [${map.dims.join(', ')}] and [${image.dims.join(', ')}]`);
    }
    const [, , h, w] = map.dims;
    const boxes = findBoxes(map.data as Float32Array, w, h, args).slice(0, num(args, 'max_lines', 100));
    const pixels = unnormalize(image.data as Float32Array, w * h, triple(args, 'mean', [0, 0, 0]), triple(args, 'std', [1, 1, 1]), num(args, 'divide', 1));
    const height = num(args, 'height', 48);
    const crops = boxes.map((b) => ({ box: b, width: Math.ceil((height * (b.x2 - b.x1)) / (b.y2 - b.y1)) }));
    const recWidth = Math.max(num(args, 'min_width', 320), ...crops.map((c) => c.width));
    const clsWidth = num(args, 'cls_width', 192);
    const rec = new Float32Array(crops.length * 3 * height * recWidth);
    const cls = new Float32Array(crops.length * 3 * height * clsWidth);
    crops.forEach((c, i) => {
      writeLine(pixels, w, h, c.box, height, Math.min(c.width, recWidth), recWidth, rec, i);
      writeLine(pixels, w, h, c.box, height, Math.min(c.width, clsWidth), clsWidth, cls, i);
    });
    return {
      rec_lines: { dtype: 'float32', dims: [crops.length, 3, height, recWidth], data: rec },
      cls_lines: { dtype: 'float32', dims: [crops.length, 3, height, clsWidth], data: cls },
      widths: { dtype: 'int32', dims: [crops.length], data: Int32Array.from(crops, (c) => Math.min(c.width, recWidth)) },
      boxes: { dtype: 'float32', dims: [crops.length, 4], data: Float32Array.from(boxes.flatMap((b) => [b.x1, b.y1, b.x2, b.y2])) },
    };
  },
};

export const orient: NamedStep = {
  inputs: { lines: { dtype: 'float32', dims: [-1, 3, 48, -1] }, widths: { dtype: 'int32', dims: [-1] }, probs: { dtype: 'float32', dims: [-1, 2] } },
  outputs: { lines: { dtype: 'float32', dims: [-1, 3, 48, -1] } },
  run({ lines, widths, probs }, args) {
    const [n, c, h, w] = lines.dims;
    if (probs.dims[0] !== n || widths.dims[0] !== n) throw invalidArgument(`paddleocr_orient: ${n} lines, ${widths.dims[0]} widths, ${probs.dims[0]} classifications`);
    const threshold = num(args, 'threshold', 0.9);
    const p = probs.data as Float32Array;
    const classes = probs.dims[1];
    const out = Float32Array.from(lines.data as Float32Array);
    for (let i = 0; i < n; i++) {
      if (!(p[i * classes + 1] > p[i * classes] && p[i * classes + 1] > threshold)) continue;
      const width = (widths.data as Int32Array)[i];
      for (let ch = 0; ch < c; ch++) {
        const plane = (i * c + ch) * h * w;
        for (let y = 0; y < h; y++) for (let x = 0; x < width; x++) out[plane + y * w + x] = (lines.data as Float32Array)[plane + (h - 1 - y) * w + (width - 1 - x)];
      }
    }
    return { lines: { dtype: 'float32', dims: lines.dims, data: out } };
  },
};

function findBoxes(prob: Float32Array, w: number, h: number, args: Args): Box[] {
  const threshold = num(args, 'threshold', 0.3);
  const boxThreshold = num(args, 'box_threshold', 0.6);
  const unclip = num(args, 'unclip_ratio', 1.5);
  const minSize = num(args, 'min_size', 3);
  const seen = new Uint8Array(w * h);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || !(prob[start] > threshold)) continue;
    let [x1, y1, x2, y2] = [w, h, -1, -1];
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x), Math.max(y2, y)];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          const q = ny * w + nx;
          if (nx >= 0 && ny >= 0 && nx < w && ny < h && !seen[q] && prob[q] > threshold) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    const bw = x2 - x1 + 1;
    const bh = y2 - y1 + 1;
    if (Math.min(bw, bh) < minSize) continue;
    let sum = 0;
    for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) sum += prob[y * w + x];
    if (sum / (bw * bh) < boxThreshold) continue;
    const grow = (bw * bh * unclip) / (2 * (bw + bh));
    const box = { x1: Math.max(0, Math.floor(x1 - grow)), y1: Math.max(0, Math.floor(y1 - grow)), x2: Math.min(w, Math.ceil(x2 + 1 + grow)), y2: Math.min(h, Math.ceil(y2 + 1 + grow)) };
    if (Math.min(box.x2 - box.x1, box.y2 - box.y1) < minSize + 2) continue;
    boxes.push(box);
  }
  // Top to bottom; boxes within 10 px vertically read left to right (PaddleOCR's sorted_boxes).
  boxes.sort((a, b) => a.y1 - b.y1 || a.x1 - b.x1);
  for (let i = 0; i + 1 < boxes.length; i++) {
    for (let j = i; j >= 0 && Math.abs(boxes[j + 1].y1 - boxes[j].y1) < 10 && boxes[j + 1].x1 < boxes[j].x1; j--) [boxes[j], boxes[j + 1]] = [boxes[j + 1], boxes[j]];
  }
  return boxes;
}

/** The detector's input back to 0..255 values, plane by plane (in its channel order). */
function unnormalize(data: Float32Array, plane: number, mean: number[], std: number[], divide: number): Float32Array {
  return Float32Array.from(data, (v, i) => {
    const c = Math.floor(i / plane);
    return (v * std[c] + mean[c]) * divide;
  });
}

/** One box of `pixels` ([3, h, w] planes) resized bilinearly to height x width, as (x / 255 - 0.5) / 0.5, at line `i` of `out` [n, 3, height, padded]. */
function writeLine(pixels: Float32Array, w: number, h: number, box: Box, height: number, width: number, padded: number, out: Float32Array, i: number): void {
  const sx = (box.x2 - box.x1) / width;
  const sy = (box.y2 - box.y1) / height;
  for (let c = 0; c < 3; c++) {
    const plane = c * w * h;
    const target = (i * 3 + c) * height * padded;
    for (let y = 0; y < height; y++) {
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), box.y2 - box.y1 - 1) + box.y1;
      const y0 = Math.floor(fy);
      const y1 = Math.min(y0 + 1, h - 1);
      const ty = fy - y0;
      for (let x = 0; x < width; x++) {
        const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), box.x2 - box.x1 - 1) + box.x1;
        const x0 = Math.floor(fx);
        const x1 = Math.min(x0 + 1, w - 1);
        const tx = fx - x0;
        const top = pixels[plane + y0 * w + x0] * (1 - tx) + pixels[plane + y0 * w + x1] * tx;
        const bottom = pixels[plane + y1 * w + x0] * (1 - tx) + pixels[plane + y1 * w + x1] * tx;
        out[target + y * padded + x] = ((top * (1 - ty) + bottom * ty) / 255 - 0.5) / 0.5;
      }
    }
  }
}

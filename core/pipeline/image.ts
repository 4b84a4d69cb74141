import { invalidArgument } from '../errors.ts';
import { decode as decodePng } from 'fast-png';
import type { Pixels } from './resample.ts';

/**
 * Encoded images (JPEG, PNG, WebP) to 8-bit RGB pixels, the way PIL's Image.open(...).convert('RGB')
 * gives them to torchvision and timm: JPEG through MozJPEG (@jsquash/jpeg: libjpeg-turbo's
 * decoder, the same pixels as PIL's), WebP through libwebp (@jsquash/webp, as PIL's; alpha
 * dropped), PNG through fast-png (pure JS; grey replicated to three channels, alpha dropped, a
 * palette expanded, 16-bit samples cut to their high byte as PIL does).
 *
 * The size is read from the header first, so an image over maxPixels (a decompression bomb: a tiny
 * PNG that declares 50,000 x 50,000) is refused before anything is allocated. Everything that is
 * not a decodable image of a sane size is INVALID_ARGUMENT naming the input: the caller's.
 * EXIF orientation is applied only when the declaration asks (PIL and torchvision do not).
 */
export interface ImageCodecs {
  /** The target's own ceiling on decoded pixels (an isolate's memory), below any declaration's. */
  readonly maxPixels?: number;
  /** MozJPEG's decoder: RGBA pixels of a JPEG, rotated per EXIF when `orient`. */
  jpeg(bytes: Uint8Array, orient: boolean): Promise<DecodedImage>;
  /** libwebp's decoder: RGBA pixels of a WebP (its first frame). */
  webp(bytes: Uint8Array): Promise<DecodedImage>;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  data: Uint8ClampedArray | Uint8Array;
}

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export async function decodeImage(bytes: Uint8Array, options: { maxPixels: number; orient: boolean; where: string }, codecs: ImageCodecs): Promise<Pixels> {
  const { where } = options;
  const header = imageHeader(bytes);
  if (!header) throw invalidArgument(`${where}: not a JPEG, PNG or WebP image (${bytes.byteLength} bytes)`);
  const { width, height } = header;
  if (width === 0 || height === 0) throw invalidArgument(`${where}: the ${header.format} declares ${width} x ${height} pixels`);
  const limit = Math.min(options.maxPixels, codecs.maxPixels ?? Infinity);
  if (width * height > limit) {
    const whose = limit < options.maxPixels ? "this target's" : "this model's";
    throw invalidArgument(`${where}: the ${header.format} is ${width} x ${height} pixels, over ${whose} limit of ${limit}`);
  }
  // MozJPEG decodes a truncated JPEG as a partly grey picture; Pillow refuses it ("image file is truncated").
  if (header.format === 'jpeg' && !endsJpeg(bytes)) throw invalidArgument(`${where}: the jpeg is truncated (no end-of-image marker)`);
  if (header.format === 'webp' && riffLength(bytes) > bytes.length) throw invalidArgument(`${where}: the webp is truncated (${bytes.length} of its ${riffLength(bytes)} bytes)`);
  try {
    if (header.format === 'png') return pngPixels(bytes);
    return rgbFromRgba(header.format === 'jpeg' ? await codecs.jpeg(bytes, options.orient) : await codecs.webp(bytes));
  } catch (err) {
    if (err instanceof Error && 'code' in err) throw err;
    throw invalidArgument(`${where}: the ${header.format} cannot be decoded (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The format and size an image declares, from its first bytes; null when it is none of JPEG, PNG, WebP. */
export function imageHeader(b: Uint8Array): { format: ImageFormat; width: number; height: number } | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[12] === 0x49 && b[13] === 0x48) {
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (b.length >= 30 && ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return webpSize(b, view);
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  // JPEG: walk the marker segments to the first start-of-frame.
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (i + 9 > b.length) return null;
      return { format: 'jpeg', height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    }
    if (length < 2) return null;
    i += 2 + length;
  }
  return null;
}

/** A WebP's size from its first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X). */
function webpSize(b: Uint8Array, view: DataView): { format: 'webp'; width: number; height: number } | null {
  const u24 = (at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
  if (ascii(b, 12, 'VP8 ') && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { format: 'webp', width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (ascii(b, 12, 'VP8L') && b[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, 'VP8X')) return { format: 'webp', width: u24(24) + 1, height: u24(27) + 1 };
  return null;
}

function riffLength(b: Uint8Array): number {
  return 8 + new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true);
}

function ascii(b: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** An end-of-image marker, allowing the trailing bytes some writers add after it. */
function endsJpeg(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(2, b.length - 4096); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}

function rgbFromRgba(image: DecodedImage): Pixels {
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    data[p * 3] = image.data[p * 4];
    data[p * 3 + 1] = image.data[p * 4 + 1];
    data[p * 3 + 2] = image.data[p * 4 + 2];
  }
  return { width: image.width, height: image.height, channels: 3, data };
}

function pngPixels(bytes: Uint8Array): Pixels {
  const png = decodePng(bytes);
  const { width, height } = png;
  const n = width * height;
  const src = png.data;
  const sample = png.depth === 16 ? (i: number) => src[i] >> 8 : (i: number) => src[i];
  const data = new Uint8Array(n * 3);
  if (png.palette) {
    for (let p = 0; p < n; p++) {
      const entry = png.palette[src[p]] ?? [0, 0, 0];
      data[p * 3] = entry[0];
      data[p * 3 + 1] = entry[1];
      data[p * 3 + 2] = entry[2];
    }
  } else {
    const c = png.channels;
    for (let p = 0; p < n; p++) {
      const grey = c < 3;
      data[p * 3] = sample(p * c);
      data[p * 3 + 1] = sample(p * c + (grey ? 0 : 1));
      data[p * 3 + 2] = sample(p * c + (grey ? 0 : 2));
    }
  }
  return { width, height, channels: 3, data };
}

import decodeJpeg, { init } from '@jsquash/jpeg/decode.js';
import { internal } from '../errors.ts';
import type { ImageCodecs } from './image.ts';

/**
 * The JPEG decoder on every target: MozJPEG compiled to WebAssembly (@jsquash/jpeg). Each target
 * hands over the compiled module its own way (Node reads the .wasm file; Workers bundle it as a
 * compiled module, since they refuse to compile bytes), once, on the first image decoded.
 */
export function mozjpegCodecs(wasm: () => Promise<WebAssembly.Module>, options: { maxPixels?: number } = {}): ImageCodecs {
  let ready: Promise<void> | null = null;
  return {
    maxPixels: options.maxPixels,
    async jpeg(bytes, orient) {
      // A decoder that cannot start is the server's fault, never the caller's.
      ready ??= wasm().then(
        (module) => init(module),
        (err) => Promise.reject(internal(`the JPEG decoder cannot start: ${err instanceof Error ? err.message : String(err)}`)),
      );
      await ready;
      const copy = bytes.slice().buffer;
      const image = await decodeJpeg(copy, { preserveOrientation: orient });
      return { width: image.width, height: image.height, data: image.data as Uint8ClampedArray };
    },
  };
}

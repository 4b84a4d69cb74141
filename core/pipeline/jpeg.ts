import { internal } from '../errors.ts';
import type { ImageCodecs } from './image.ts';

/**
 * The JPEG decoder on every target: MozJPEG compiled to WebAssembly (@jsquash/jpeg). Each target
 * hands over the compiled module its own way (Node reads the .wasm file; Workers bundle it as a
 * compiled module, since they refuse to compile bytes), once, on the first image decoded; the
 * decoder's JavaScript is imported then too, so a target that decodes no image never loads it.
 */
export function mozjpegCodecs(wasm: () => Promise<WebAssembly.Module>, options: { maxPixels?: number } = {}): ImageCodecs {
  let ready: Promise<typeof import('@jsquash/jpeg/decode.js')> | null = null;
  return {
    maxPixels: options.maxPixels,
    async jpeg(bytes, orient) {
      // A decoder that cannot start is the server's fault, never the caller's.
      ready ??= Promise.all([import('@jsquash/jpeg/decode.js'), wasm()]).then(
        async ([decoder, module]) => {
          await decoder.init(module);
          return decoder;
        },
        (err) => Promise.reject(internal(`the JPEG decoder cannot start: ${err instanceof Error ? err.message : String(err)}`)),
      );
      const decoder = await ready;
      const copy = bytes.slice().buffer;
      const image = await decoder.default(copy, { preserveOrientation: orient });
      return { width: image.width, height: image.height, data: image.data as Uint8ClampedArray };
    },
  };
}

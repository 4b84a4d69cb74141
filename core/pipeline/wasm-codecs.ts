import { internal } from '../errors.ts';
import type { DecodedImage, ImageCodecs } from './image.ts';

/**
 * The JPEG and WebP decoders on every target: MozJPEG and libwebp compiled to WebAssembly
 * (@jsquash/jpeg, @jsquash/webp). Each target hands over the compiled modules its own way (Node
 * reads the .wasm files; Workers bundle them as compiled modules, since they refuse to compile
 * bytes), each once, on the first image of its format; a decoder's JavaScript is imported then
 * too, so a target that decodes no image never loads it.
 */
export interface CodecModules {
  jpeg: () => Promise<WebAssembly.Module>;
  webp: () => Promise<WebAssembly.Module>;
}

interface Decoder<Options> {
  init(module: WebAssembly.Module): Promise<void>;
  default(buffer: ArrayBuffer, options?: Options): Promise<ImageData>;
}

export function wasmImageCodecs(modules: CodecModules, options: { maxPixels?: number } = {}): ImageCodecs {
  const jpeg = started<{ preserveOrientation?: boolean }>('JPEG', () => import('@jsquash/jpeg/decode.js'), modules.jpeg);
  const webp = started<never>('WebP', () => import('@jsquash/webp/decode.js'), modules.webp);
  return {
    maxPixels: options.maxPixels,
    jpeg: async (bytes, orient) => pixels(await (await jpeg()).default(bytes.slice().buffer, { preserveOrientation: orient })),
    webp: async (bytes) => pixels(await (await webp()).default(bytes.slice().buffer)),
  };
}

/** The decoder, initialised on first use; a decoder that cannot start is the server's fault, never the caller's. */
function started<Options>(format: string, load: () => Promise<unknown>, module: () => Promise<WebAssembly.Module>): () => Promise<Decoder<Options>> {
  let ready: Promise<Decoder<Options>> | null = null;
  return () =>
    (ready ??= Promise.all([load() as Promise<Decoder<Options>>, module()]).then(
      async ([decoder, compiled]) => {
        await decoder.init(compiled);
        return decoder;
      },
      (err) => Promise.reject(internal(`the ${format} decoder cannot start: ${err instanceof Error ? err.message : String(err)}`)),
    ));
}

function pixels(image: ImageData): DecodedImage {
  // Both decoders make 8-bit RGBA (Deno's ImageData type also allows float16 data).
  return { width: image.width, height: image.height, data: image.data as Uint8ClampedArray };
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ImageCodecs } from '../../core/pipeline/image.ts';
import { wasmImageCodecs } from '../../core/pipeline/wasm-codecs.ts';

/** The image decoders on Node (server, container, Lambda): MozJPEG's and libwebp's wasm read from their packages on first use. */
export function nodeImageCodecs(): ImageCodecs {
  const compiled = (file: string) => async () => WebAssembly.compile(await readFile(createRequire(import.meta.url).resolve(file)));
  return wasmImageCodecs({ jpeg: compiled('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'), webp: compiled('@jsquash/webp/codec/dec/webp_dec.wasm') });
}

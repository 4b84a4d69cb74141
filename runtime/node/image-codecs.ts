import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { mozjpegCodecs } from '../../core/pipeline/jpeg.ts';
import type { ImageCodecs } from '../../core/pipeline/image.ts';

/** The image decoders on Node (server, container, Lambda): MozJPEG's wasm read from its package on first use. */
export function nodeImageCodecs(): ImageCodecs {
  return mozjpegCodecs(async () => {
    const path = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    return WebAssembly.compile(await readFile(path));
  });
}

import { ServingError, invalidArgument } from '../errors.ts';
import { concat, PayloadTooLargeError, type HttpRequest } from './exchange.ts';

/**
 * Reads a request body as text, honouring Content-Encoding: gzip (TF Serving gunzips too).
 * maxBytes caps the body as sent (HttpRequest.body) and again once decompressed, so a small gzip
 * bomb cannot expand past it.
 */
export async function readBodyText(req: HttpRequest, maxBytes: number): Promise<string> {
  return DECODER.decode(await readBodyBytes(req, maxBytes));
}

/** The request body's bytes, with readBodyText's gzip handling and limits. */
export async function readBodyBytes(req: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = await req.body(maxBytes);
  } catch (err) {
    if (err instanceof ServingError) throw err;
    throw invalidArgument('Could not read the request body', { cause: err });
  }
  const gzip = (req.header('content-encoding') ?? '').toLowerCase().includes('gzip');
  return gzip ? gunzip(raw, maxBytes) : raw;
}

async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new PayloadTooLargeError(maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ServingError) throw err;
    throw invalidArgument('Request body is not valid gzip', { cause: err });
  }
  return concat(chunks, size);
}

const DECODER = new TextDecoder();

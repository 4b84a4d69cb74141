import { ServingError, invalidArgument } from '../errors.ts';
import { readCapped, type HttpRequest } from './exchange.ts';

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
  try {
    return await readCapped(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')), maxBytes);
  } catch (err) {
    if (err instanceof ServingError) throw err;
    throw invalidArgument('Request body is not valid gzip', { cause: err });
  }
}

const DECODER = new TextDecoder();

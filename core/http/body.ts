import { ServingError, invalidArgument } from '../errors.ts';

/**
 * Reads a request body as text, honouring Content-Encoding: gzip (TF Serving gunzips too).
 * The raw size is capped by the bodyLimit middleware; the decompressed size is capped here, so a
 * small gzip bomb cannot expand past maxBytes.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(req, maxBytes));
}

/** The request body's bytes, with readBodyText's gzip handling and limits. */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  const gzip = (req.headers.get('content-encoding') ?? '').toLowerCase().includes('gzip');
  if (!req.body) return new Uint8Array(0);
  const stream = gzip ? req.body.pipeThrough(new DecompressionStream('gzip')) : req.body;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ServingError) throw err;
    throw invalidArgument(gzip ? 'Request body is not valid gzip' : 'Could not read the request body', { cause: err });
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, size);
}

/** A body over the limit: RESOURCE_EXHAUSTED, answered 413 rather than the table's 429. */
export class PayloadTooLargeError extends ServingError {
  constructor(maxBytes: number) {
    super('RESOURCE_EXHAUSTED', `Request body is larger than the limit of ${maxBytes} bytes`);
  }
}

function tooLarge(maxBytes: number): ServingError {
  return new PayloadTooLargeError(maxBytes);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

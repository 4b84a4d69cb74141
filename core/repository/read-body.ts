/**
 * Reads an object's body into one Uint8Array. With a known length (Content-Length) the buffer is
 * allocated once and chunks are copied straight into it, so a 1 GB model costs 1 GB, not 2 GB;
 * without one, chunks are joined at the end. Accepts what storage clients hand back: a web
 * ReadableStream (fetch, Workers, the AWS SDK in browsers), a Node Readable or any async iterable
 * of byte chunks (the AWS SDK on Node), or bytes. Calls progress() after each chunk (it restarts
 * the caller's timeout) and stops reading when `signal` aborts. A body shorter or longer than
 * `length` throws BodyLengthError: the connection was cut or the object changed underneath.
 */
export class BodyLengthError extends Error {
  override readonly name = 'BodyLengthError';
}

type Chunk = Uint8Array | ArrayBuffer | string;

export async function readBody(body: unknown, length: number | undefined, progress: () => void, signal?: AbortSignal): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return checked(body, length);
  if (body instanceof ArrayBuffer) return checked(new Uint8Array(body), length);
  const sink = length === undefined ? new Chunks() : new Preallocated(length);
  for await (const chunk of chunksOf(body, signal)) {
    sink.add(toBytes(chunk));
    progress();
  }
  return sink.done();
}

/**
 * The same bodies as a stream of byte chunks, for callers that write them on rather than keep them
 * (the disk tier); a body shorter or longer than `length` throws BodyLengthError at its end.
 */
export async function* bodyChunks(body: unknown, length: number | undefined, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    yield checked(toBytes(body), length);
    return;
  }
  let seen = 0;
  for await (const chunk of chunksOf(body, signal)) {
    const bytes = toBytes(chunk);
    seen += bytes.byteLength;
    if (length !== undefined && seen > length) throw new BodyLengthError(`body longer than its ${length} bytes`);
    yield bytes;
  }
  if (length !== undefined && seen !== length) throw new BodyLengthError(`body ended after ${seen} of ${length} bytes`);
}

async function* chunksOf(body: unknown, signal?: AbortSignal): AsyncGenerator<Chunk> {
  const stream = body as { getReader?: () => ReadableStreamDefaultReader<Chunk>; destroy?: () => void } | null;
  if (stream && typeof stream.getReader === 'function') {
    const reader = stream.getReader();
    const stop = () => void reader.cancel().catch(() => {});
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      reader.releaseLock();
    }
  }
  if (stream && Symbol.asyncIterator in stream) {
    const stop = () => stream.destroy?.();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      yield* stream as unknown as AsyncIterable<Chunk>;
    } finally {
      signal?.removeEventListener('abort', stop);
    }
    return;
  }
  throw new TypeError('unsupported object body');
}

class Preallocated {
  private readonly bytes: Uint8Array;
  private offset = 0;
  constructor(readonly length: number) {
    this.bytes = new Uint8Array(length);
  }
  add(chunk: Uint8Array): void {
    if (this.offset + chunk.byteLength > this.length) throw new BodyLengthError(`body longer than its ${this.length} bytes`);
    this.bytes.set(chunk, this.offset);
    this.offset += chunk.byteLength;
  }
  done(): Uint8Array {
    if (this.offset !== this.length) throw new BodyLengthError(`body ended after ${this.offset} of ${this.length} bytes`);
    return this.bytes;
  }
}

class Chunks {
  private readonly parts: Uint8Array[] = [];
  private total = 0;
  add(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.total += chunk.byteLength;
  }
  done(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0];
    const bytes = new Uint8Array(this.total);
    let offset = 0;
    for (const part of this.parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    return bytes;
  }
}

function toBytes(chunk: Chunk): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  throw new TypeError('unsupported body chunk');
}

function checked(bytes: Uint8Array, length: number | undefined): Uint8Array {
  if (length !== undefined && bytes.byteLength !== length) throw new BodyLengthError(`body has ${bytes.byteLength} of ${length} bytes`);
  return bytes;
}

import { ServingError } from '../errors.ts';
import type { RunSignal } from '../deadline.ts';

/**
 * The request and response core/http handles, whatever carries them. Targets with the fetch API
 * (Workers, Deno, Lambda, tests) adapt a Request with fromFetch and answer toFetch(response); the
 * Node server (runtime/node/http-listener.ts) adapts node:http's IncomingMessage directly, so its
 * hot path builds no Request, Headers, ReadableStream or AbortSignal per request: on the small
 * model those took about 10% of the main thread (docs/performance.md).
 */
export interface HttpRequest {
  /** Upper case, as sent. */
  readonly method: string;
  /** The path as URL parsing gives it: percent-encoded, dot segments resolved, no query. */
  readonly pathname: string;
  /** A header's value; `name` in lower case. */
  header(name: string): string | undefined;
  /**
   * The body's bytes as sent (Content-Encoding not undone; body.ts does). Rejects with
   * PayloadTooLargeError past maxBytes, before reading it all where Content-Length says so, and
   * with any other error when the client's stream fails. Read it once.
   */
  body(maxBytes: number): Promise<Uint8Array>;
  /** Aborts when the client goes away before its response. */
  readonly signal: RunSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. A fresh object per response: the service and the transport add to it. */
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer>;
}

/** Handles every request; never rejects (errors are answered as responses). */
export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>;

/** A body over the limit: RESOURCE_EXHAUSTED, answered 413 rather than the table's 429. */
export class PayloadTooLargeError extends ServingError {
  constructor(maxBytes: number) {
    super('RESOURCE_EXHAUSTED', `Request body is larger than the limit of ${maxBytes} bytes`);
  }
}

/** A JSON response; `body` already serialized. */
export function jsonResponse(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body };
}

/** A fetch Request as an HttpRequest (its signal is an AbortSignal, which is a RunSignal). */
export function fromFetch(request: Request): HttpRequest {
  return {
    method: request.method,
    pathname: new URL(request.url).pathname,
    header: (name) => request.headers.get(name) ?? undefined,
    body: (maxBytes) => readStream(request, maxBytes),
    signal: request.signal,
  };
}

/**
 * An HttpResponse as a fetch Response; HEAD answers headers only. A header value Headers refuses
 * (outside Latin-1, a line break) is answered 500 with a fixed error, as the Node listener does.
 */
export function toFetch(response: HttpResponse, method: string): Response {
  const empty = method === 'HEAD' || response.status === 204 || response.status === 304;
  let headers: Headers;
  try {
    headers = new Headers(response.headers);
  } catch (err) {
    console.error(`edgeserve: cannot write a response header: ${(err as Error).message}`);
    return new Response(method === 'HEAD' ? null : '{"error": "Internal error"}', { status: 500, headers: { 'content-type': 'application/json' } });
  }
  return new Response(empty ? null : response.body, { status: response.status, headers });
}

async function readStream(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return request.body ? readCapped(request.body, maxBytes) : new Uint8Array(0);
}

/** A stream's bytes as one array; PayloadTooLargeError (the stream cancelled) once they pass maxBytes. */
export async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
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
  return concat(chunks, size);
}

/** The chunks as one array; a single chunk as it is. */
export function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

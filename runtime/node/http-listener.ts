import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { concat, PayloadTooLargeError, type HttpHandler, type HttpRequest, type HttpResponse } from '../../core/http/exchange.ts';
import { RunAbort } from '../../core/deadline.ts';

/** The answer when a response cannot be written as the handler gave it; says nothing more. */
const internal = (): HttpResponse => ({ status: 500, headers: { 'content-type': 'application/json' }, body: '{"error": "Internal error"}' });

/**
 * A node:http server for an HttpHandler (core/http/exchange.ts), reading IncomingMessage and
 * writing ServerResponse directly: no fetch Request, Headers, ReadableStream, AbortSignal or
 * Response per request, which took about a tenth of the small model's main thread when an
 * adapter built them (docs/performance.md).
 */
export function httpListener(handle: HttpHandler): Server {
  const server = createServer((req, res) => {
    const request = nodeRequest(req, res);
    const answer = (response: HttpResponse) => {
      // Once the server is closing, a request in flight gets its answer and its connection is
      // closed after it: a keep-alive connection would otherwise hold the exit for its timeout.
      if (!server.listening) response.headers.connection = 'close';
      send(res, request.method, response);
    };
    handle(request).then(
      answer,
      // The handler answers its own errors; this is a last resort that never shows the error.
      () => answer(internal()),
    );
  });
  return server;
}

function nodeRequest(req: IncomingMessage, res: ServerResponse): HttpRequest {
  const signal = new RunAbort();
  res.once('close', () => {
    if (!res.writableFinished) signal.abort();
  });
  return {
    method: req.method ?? 'GET',
    pathname: pathnameOf(req.url ?? '/'),
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: (maxBytes) => readBody(req, maxBytes),
    signal,
  };
}

// A path of plain segments is its own pathname; anything else (dot segments, percent-escapes,
// characters URL parsing escapes, absolute-form targets) goes through URL, as fetch adapters do.
const PLAIN_PATH = /^(?:\/[\w\-~:@!$&'()*+,;=]+)+$/;

function pathnameOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return PLAIN_PATH.test(path) ? path : new URL(url, 'http://localhost').pathname;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  if (Number(req.headers['content-length'] ?? NaN) > maxBytes) return Promise.reject(new PayloadTooLargeError(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const stop = (err: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', stop);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) return stop(new PayloadTooLargeError(maxBytes));
      chunks.push(chunk);
    };
    const onEnd = () => resolve(concat(chunks, size));
    req.on('data', onData).once('end', onEnd).once('error', stop);
  });
}

/** Writes the response; its headers object is the transport's now (exchange.ts) and gains content-length. */
function send(res: ServerResponse, method: string, response: HttpResponse, fallback = true): void {
  if (res.destroyed) return;
  const { body, headers } = response;
  // Set on the handler's object: a spread copy here cost about 3 µs per request.
  headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  try {
    res.writeHead(response.status, headers);
  } catch (err) {
    // A header value Node refuses (a character outside Latin-1, a line break): answer 500, never crash.
    console.error(`edgeserve: cannot write a response header: ${(err as Error).message}`);
    if (fallback) send(res, method, internal(), false);
    return;
  }
  res.end(method === 'HEAD' ? undefined : body);
}

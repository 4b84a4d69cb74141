import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpHandler, HttpRequest, HttpResponse } from '../../core/http/exchange.ts';
import { httpListener } from './http-listener.ts';

// The Node adapter over real loopback HTTP, with handlers that report what they were given.
let close: () => Promise<void> = async () => {};
afterEach(() => close());

async function serve(handle: HttpHandler): Promise<string> {
  const server = httpListener(handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  close = () => new Promise((done) => (server.closeAllConnections(), server.close(() => done())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const echo: HttpHandler = async (req): Promise<HttpResponse> => {
  let body: string;
  try {
    body = new TextDecoder().decode(await req.body(16));
  } catch (err) {
    return { status: 413, headers: {}, body: (err as Error).message };
  }
  return { status: 200, headers: { 'content-type': 'text/plain', 'x-path': req.pathname, 'x-type': req.header('content-type') ?? '-' }, body };
};

describe('httpListener', () => {
  it('passes method, pathname, headers and body, and writes status, headers and a content-length', async () => {
    const url = await serve(echo);
    const res = await fetch(`${url}/v1/models/m:predict?x=1`, { method: 'POST', body: 'hello', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(res.headers.get('x-path')).toBe('/v1/models/m:predict');
    expect(res.headers.get('x-type')).toBe('application/json');
    expect(res.headers.get('content-length')).toBe('5');
  });

  it('gives the pathname URL parsing gives: dot segments resolved, escapes kept as sent', async () => {
    const url = await serve(echo);
    const path = async (p: string) => (await fetch(`${url}${p}`)).headers.get('x-path');
    expect(await path('/v1/models/a/../b')).toBe('/v1/models/b');
    expect(await path('/v1/models/my%20model')).toBe('/v1/models/my%20model');
    expect(await path('/v1/models/m.v2')).toBe('/v1/models/m.v2');
  });

  it('refuses a body over the limit, declared by Content-Length or streamed without one', async () => {
    const url = await serve(echo);
    const declared = await fetch(url, { method: 'POST', body: 'x'.repeat(17) });
    expect([declared.status, await declared.text()]).toEqual([413, 'Request body is larger than the limit of 16 bytes']);
    const streamed = new ReadableStream({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode('xxxxxx'));
        c.close();
      },
    });
    const chunked = await fetch(url, { method: 'POST', body: streamed, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers 413 as soon as a streamed body passes the limit, while the client is still sending', async () => {
    const url = await serve(echo);
    // Chunked, no Content-Length, and never ended: only a stop at the chunk that passes the limit
    // can answer (a check at the end of the body would wait forever, and the test time out).
    const client = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } });
    client.on('error', () => {});
    try {
      const response = new Promise<IncomingMessage>((resolve) => client.once('response', resolve));
      for (let i = 0; i < 4; i++) client.write('xxxxxx');
      const res = await response;
      expect(client.writableEnded).toBe(false);
      const text = await new Promise<string>((resolve) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).once('end', () => resolve(body));
      });
      expect([res.statusCode, text]).toEqual([413, 'Request body is larger than the limit of 16 bytes']);
    } finally {
      client.destroy();
    }
  });

  it('fails the body read when the client goes away mid-body, and keeps serving', async () => {
    let failed!: (err: unknown) => void;
    const bodyError = new Promise<unknown>((resolve) => (failed = resolve));
    let started!: () => void;
    const reading = new Promise<void>((resolve) => (started = resolve));
    const url = await serve(async (req) => {
      if (req.pathname === '/next') return { status: 200, headers: {}, body: 'ok' };
      started();
      try {
        await req.body(1000);
      } catch (err) {
        failed(err);
      }
      return { status: 400, headers: {}, body: '' };
    });
    const client = httpRequest(url, { method: 'POST', headers: { 'content-length': '100' } });
    client.on('error', () => {});
    client.write('only ten b');
    await reading;
    client.destroy();
    expect(await bodyError).toMatchObject({ message: 'aborted' });
    const next = await fetch(`${url}/next`);
    expect([next.status, await next.text()]).toEqual([200, 'ok']);
  });

  it('answers HEAD with the headers only', async () => {
    const url = await serve(async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"a": 1}' }));
    const res = await fetch(url, { method: 'HEAD' });
    expect([res.status, res.headers.get('content-length'), await res.text()]).toEqual([200, '8', '']);
  });

  it('aborts the signal when the client goes away before its response, not after', async () => {
    let seen: HttpRequest | undefined;
    let aborted!: () => void;
    const abortedOnce = new Promise<void>((done) => (aborted = done));
    const url = await serve(async (req) => {
      seen = req;
      req.signal.addEventListener('abort', aborted);
      await abortedOnce;
      return { status: 200, headers: {}, body: '' };
    });
    const client = httpRequest(`${url}/slow`, { method: 'POST' });
    client.on('error', () => {});
    client.end('x');
    while (!seen) await new Promise((done) => setImmediate(done)); // until the request arrives
    client.destroy();
    await abortedOnce;
    expect(seen.signal.aborted).toBe(true);

    const answered = await serve(async (req) => {
      seen = req;
      return { status: 200, headers: {}, body: 'ok' };
    });
    expect(await (await fetch(answered)).text()).toBe('ok');
    expect(seen.signal.aborted).toBe(false);
  });

  it('answers 500 for a header value Node cannot write, and keeps serving', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const url = await serve(async (req) => ({ status: 200, headers: { 'x-model-label': req.pathname === '/bad' ? 'a\r\nset-cookie: x' : 'ok' }, body: '' }));
    const bad = await fetch(`${url}/bad`);
    expect([bad.status, bad.headers.get('set-cookie')]).toEqual([500, null]);
    expect((await fetch(`${url}/good`)).headers.get('x-model-label')).toBe('ok');
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });

  it('answers 500 without detail when a handler breaks its contract and rejects', async () => {
    const url = await serve(async () => {
      throw new Error('secret detail');
    });
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
  });
});

/** One raw request (node:http, so the path goes out exactly as written: fetch would resolve it first). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).once('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.once('error', reject);
    req.end(options.body);
  });
}

describe('httpListener, as clients send requests', () => {
  it('resolves dot segments and absolute-form targets the way URL parsing does', async () => {
    const url = await serve(echo);
    const path = async (p: string) => (await raw(url, p)).headers['x-path'];
    expect(await path('/v1/models/a/../b')).toBe('/v1/models/b');
    expect(await path('/v1/./models/m')).toBe('/v1/models/m');
    expect(await path('/v1/models/m?x=/../y')).toBe('/v1/models/m');
    expect(await path(`${url}/v1/models/m`)).toBe('/v1/models/m');
  });

  it('joins a header sent twice into one value', async () => {
    let seen: string | undefined;
    const url = await serve(async (req) => ((seen = req.header('set-cookie')), { status: 204, headers: {}, body: '' }));
    await raw(url, '/', { headers: { 'set-cookie': ['a=1', 'b=2'] } });
    expect(seen).toBe('a=1, b=2');
  });

  it('takes a body of exactly the limit, declared or streamed', async () => {
    const url = await serve(echo);
    expect((await raw(url, '/', { method: 'POST', body: 'x'.repeat(16), headers: { 'content-length': '16' } })).status).toBe(200);
    expect((await raw(url, '/', { method: 'POST', body: 'x'.repeat(16), headers: { 'transfer-encoding': 'chunked' } })).status).toBe(200);
  });

  it('refuses a declared length over the limit before any of the body arrives', async () => {
    const url = await serve(echo);
    // The client declares 1000 bytes and sends 10, then waits: only the check of the declared
    // length can answer (reading on would wait for bytes that never come, and the test time out).
    const client = httpRequest(url, { method: 'POST', headers: { 'content-length': '1000' } });
    client.on('error', () => {});
    try {
      const response = new Promise<IncomingMessage>((resolve) => client.once('response', resolve));
      client.write('x'.repeat(10));
      expect((await response).statusCode).toBe(413);
    } finally {
      client.destroy();
    }
  });

  it("answers a rejecting handler's request with TF Serving's JSON error", async () => {
    const url = await serve(async () => Promise.reject(new Error('secret')));
    const res = await raw(url, '/');
    expect([res.status, res.headers['content-type'], res.text]).toEqual([500, 'application/json', '{"error": "Internal error"}']);
  });

  it('says in the log which header it could not write', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const url = await serve(async () => ({ status: 200, headers: { 'x-bad': 'a\nb' }, body: '' }));
      expect((await raw(url, '/')).status).toBe(500);
      expect(logged.mock.calls[0][0]).toMatch(/^edgeserve: cannot write a response header: /);
    } finally {
      logged.mockRestore();
    }
  });

  it('closes the connection after an answer given while the server shuts down, and keeps it open before', async () => {
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    let arrived = false;
    const server = httpListener(async (req) => {
      if (req.pathname === '/slow') {
        arrived = true;
        await gate;
      }
      return { status: 200, headers: {}, body: 'ok' };
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((done) => (server.closeAllConnections(), server.close(() => done())));
    expect((await raw(url, '/fast')).headers.connection).toBe('keep-alive');
    const slow = raw(url, '/slow');
    while (!arrived) await new Promise((done) => setImmediate(done));
    server.close();
    release();
    expect((await slow).headers.connection).toBe('close');
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Lambda events for tests, made from the recorded-shape fixtures in events/ (what API Gateway and
 * function URLs send, per AWS's documented payloads): eventFor() copies a fixture and retargets it
 * at another method, path and body, keeping every field that repeats the request consistent.
 * call() runs a handler on an event and reads the result the way API Gateway would.
 */
export type EventKind = 'http-api-v2' | 'rest-api-v1' | 'function-url';

const FIXTURES: Record<EventKind, string> = {
  'http-api-v2': 'http-api-v2-predict.json',
  'rest-api-v1': 'rest-api-v1-metadata.json',
  'function-url': 'function-url-predict.json',
};

type Json = Record<string, any>;

export function fixture(file: string): Json {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`./events/${file}`, import.meta.url)), 'utf8'));
}

export interface Target {
  method: string;
  path: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export function eventFor(kind: EventKind, { method, path, body, headers = {} }: Target): Json {
  const event = fixture(FIXTURES[kind]);
  const binary = body instanceof Uint8Array;
  const text = body === undefined || body === '' ? null : binary ? Buffer.from(body).toString('base64') : body;
  const length = body === undefined ? 0 : binary ? body.byteLength : Buffer.byteLength(body);
  const proxy = path.replace(/^\/v1\//i, '');
  if (kind === 'rest-api-v1') {
    Object.assign(event, { path, httpMethod: method, body: text, isBase64Encoded: binary });
    Object.assign(event.requestContext, { path: `/${event.requestContext.stage}${path}`, httpMethod: method });
    event.pathParameters = { proxy };
    for (const [k, v] of Object.entries({ ...(text === null ? {} : { 'Content-Length': String(length) }), ...headers })) {
      event.headers[k] = v;
      event.multiValueHeaders[k] = [v];
    }
    return event;
  }
  Object.assign(event, { rawPath: path, body: text, isBase64Encoded: binary });
  Object.assign(event.requestContext.http, { method, path });
  if (kind === 'http-api-v2') event.pathParameters = { proxy };
  if (text === null) delete event.headers['content-type'];
  Object.assign(event.headers, { 'content-length': String(length) }, lowerKeys(headers));
  return event;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body's bytes (binary responses arrive base64-encoded). */
  bytes: Uint8Array<ArrayBuffer>;
  json(): any;
}

type Handler = (event: any, context?: any) => Promise<any>;

export async function call(handler: Handler, event: Json): Promise<Answer> {
  const result = await handler(event, {});
  const headers: Record<string, string> = lowerKeys(result.headers ?? {});
  for (const [k, v] of Object.entries((result.multiValueHeaders ?? {}) as Record<string, string[]>)) headers[k.toLowerCase()] = v.join(', ');
  const raw = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  const text = result.isBase64Encoded ? raw.toString('utf8') : result.body;
  return { status: result.statusCode, headers, text, bytes: new Uint8Array(raw), json: () => JSON.parse(text) };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { ConfigError } from '../../core/config/config-error.ts';
import { readLambdaConfig } from './config.ts';
import { createLambdaService, type LambdaService } from './service.ts';

/**
 * The Lambda entry point (serverless.yml: dist/aws-lambda/handler.handler, bundled by esbuild).
 * API Gateway HTTP API (payload 2.0), REST API (1.0) and function URL events all arrive here;
 * Hono's adapter turns each into a Request and the Response back into that event's result.
 *
 * The service is composed once per execution environment, on its first invocation, and kept in
 * module scope for the invocations after it. A composition that fails (bad configuration) is
 * logged, answered with a 500 that names no setting, and tried again on the next invocation.
 */
export function lazyHandler(compose: () => Promise<LambdaService>, log: (m: string) => void = console.error) {
  let service: Promise<LambdaService> | null = null;
  const entry = new Hono();
  entry.all('*', async (c) => {
    // Through a promise: a compose that throws synchronously (readLambdaConfig) is caught below too.
    service ??= Promise.resolve().then(compose).catch((err) => {
      service = null;
      throw err;
    });
    let ready;
    try {
      ready = await service;
    } catch (err) {
      log(err instanceof ConfigError ? `edgeserve: ${err.message}` : `edgeserve: cannot start: ${String(err)}`);
      return c.json({ error: 'The model server is misconfigured; see the function logs' }, 500);
    }
    const response = await ready.fetch(c.req.raw);
    // The request's spans and captured payload are written before the invocation ends: Lambda
    // freezes the environment after it, and what is left waiting would go out minutes later or never.
    await Promise.all([ready.traces?.flush(), ready.flushCaptures()]);
    return response;
  });
  return handle(entry);
}

export const handler = lazyHandler(() => createLambdaService(readLambdaConfig(process.env)));

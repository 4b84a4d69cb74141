import { AsyncLocalStorage } from 'node:async_hooks';
import mozjpegWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { onnxruntimeWasm } from '../../core/backend/onnxruntime-wasm.ts';
import { pollPark } from '../../core/batcher/wait.ts';
import { setTimer, timerYield } from '../../core/clock.ts';
import { createService, type Service } from '../../core/service/create-service.ts';
import { wasmImageCodecs } from '../../core/pipeline/wasm-codecs.ts';
import { childLocation, parseObjectUrl, type ObjectLocation } from '../../core/repository/object-url.ts';
import { r2Source, type R2BucketLike } from '../../core/repository/r2-source.ts';
import { readWorkerConfig } from './config.ts';
import { namedSteps } from '../../steps/index.ts';
import { otlpJsonExport } from '../../runtime/otel/otlp-json.ts';
import { tracingConfigured } from '../../runtime/otel/trace-setup.ts';

/**
 * The Cloudflare Worker (module syntax): TF Serving's REST API over the models in the R2 bucket
 * bound as MODELS, on onnxruntime-web's WASM build. A composition root and nothing more: vars ->
 * settings, R2 -> sources, precompiled WASM -> backend, all handed to core/service/create-service.ts,
 * which is built on an isolate's first request and shared by every request the isolate serves.
 *
 * Workers specifics, each for a reason:
 * - onnxruntime's .wasm is imported as a compiled module (wrangler's CompiledWasm rule), because
 *   Workers refuse to compile WebAssembly from bytes; it is instantiated on the first model load,
 *   inside a request, never at start-up (the isolate has a 1 s start-up budget).
 * - Work that outlives its request (version checks, background loads) goes to the waitUntil of
 *   the request that started it, found through AsyncLocalStorage (compatibility flag nodejs_als);
 *   every handler is also kept alive with waitUntil, so a batch that a request runs for others
 *   finishes even if that request's client goes away.
 * - Batch members park with pollPark: a promise resolved from another request's context can be
 *   cancelled as hung, so each waiting request wakes itself on its own 1 ms timer. A WASM run
 *   blocks the isolate, so a request about to run a batch first waits 1 ms on its own timer
 *   (yieldBeforeRun): requests that have arrived meanwhile join its batch.
 */
export interface Env {
  MODELS: R2BucketLike & { put(key: string, value: string): Promise<unknown> };
  [variable: string]: unknown;
}

interface ExecutionContext {
  waitUntil(work: Promise<unknown>): void;
}

/** The largest image a Worker decodes, whatever a pipeline.json allows: 4 MP (2448 x 1632). */
const WORKER_MAX_IMAGE_PIXELS = 4_000_000;

const requestContext = new AsyncLocalStorage<ExecutionContext>();
let service: Service | null = null;

function workerService(env: Env): Service {
  if (!env.MODELS) throw new Error('Worker: no R2 bucket bound as MODELS (wrangler.toml [[r2_buckets]] binding = "MODELS")');
  const { prefix, settings } = readWorkerConfig(env);
  const root: ObjectLocation = { scheme: 'r2', bucket: 'MODELS', prefix };
  return createService(settings, {
    models: {
      root: r2Source({ bucket: env.MODELS, location: root }),
      sourceFor: (name) => r2Source({ bucket: env.MODELS, location: childLocation(root, name) }),
    },
    backend: onnxruntimeWasm({ module: ortWasm }),
    // An isolate has 128 MB: decoding holds about 7 bytes a pixel (RGBA in the decoder's memory, then RGB).
    imageCodecs: wasmImageCodecs({ jpeg: async () => mozjpegWasm, webp: async () => webpWasm }, { maxPixels: WORKER_MAX_IMAGE_PIXELS }),
    namedSteps,
    // Workers Logs index an object's fields: the request log goes out as one.
    writeRequestLog: (entry) => console.log(entry),
    // Each request's spans go out in its own waitUntil (runtime/otel/otlp-json.ts says why not the SDK).
    traces: tracingConfigured(env) ? otlpJsonExport(env, (url, init) => requestContext.getStore()?.waitUntil(sendSpans(url, init))) : undefined,
    // model.json "capture": written to the bucket after each response, in that request's waitUntil.
    capture: {
      sink: {
        write: async (location, key, text) => {
          const { prefix } = parseObjectUrl(location, 'r2');
          await env.MODELS.put(prefix ? `${prefix}/${key}` : key, text);
        },
      },
    },
    park: pollPark(setTimer, 1),
    yieldBeforeRun: timerYield(1),
    defer: (work) => requestContext.getStore()?.waitUntil(work),
    log: (message) => console.log(message),
  });
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    try {
      service ??= workerService(env);
    } catch (err) {
      // A misconfigured deployment: say what is wrong on every request (no secrets in these messages).
      return Promise.resolve(Response.json({ error: (err as Error).message }, { status: 500 }));
    }
    const response = requestContext.run(ctx, () => service!.fetch(request));
    // The request's captured payload, if model.json asked for one, is written once it is answered.
    ctx.waitUntil(response.then(() => service!.flushCaptures()).catch(() => {}));
    return response;
  },
};

/** Posts one request's spans; a collector that is down or refuses them never fails the request. */
async function sendSpans(url: string, init: RequestInit): Promise<void> {
  try {
    const res = await fetch(url, init);
    await res.body?.cancel();
  } catch {
    // Dropped: traces are best effort.
  }
}

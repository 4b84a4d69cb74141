import { serve, type ServerType } from '@hono/node-server';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Backend } from '../../core/backend/backend.ts';
import { parseModelServerConfig, singleModelConfig, type ModelConfig } from '../../core/config/model-config.ts';
import { createApp } from '../../core/http/app.ts';
import { runDirect, type RunFn } from '../../core/manager/lease-run.ts';
import { Manager } from '../../core/manager/manager.ts';
import { servingMetrics, type ServingMetrics } from '../../core/metrics/serving-metrics.ts';
import { createBatcher, type Batcher } from '../../core/batcher/batcher.ts';
import { batchingMetrics } from '../../core/batcher/metrics.ts';
import { defaultBatchingParameters, parseBatchingParameters } from '../../core/config/batching.ts';
import type { ServerFlags } from './flags.ts';
import { countedSource } from '../../core/repository/counted-source.ts';
import { sourceFactory } from './sources.ts';
import { nodeSha256 } from './sha256.ts';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server.ts';

/**
 * The Node composition root: flags -> model list -> sources -> manager -> Hono app -> listener.
 * Used by main.ts (the CLI) and by tests that want a server in-process.
 */
export interface RunningServer {
  url: string;
  /** host:port of the gRPC API; null when --port=0. */
  grpcAddress: string | null;
  manager: Manager;
  close(): Promise<void>;
}

/** What an embedding entry (functions/container) supplies instead of the flags' defaults. */
export interface ServerOptions {
  /** The inference backend; default: from --backend. */
  backend?: Backend;
}

export async function startServer(flags: ServerFlags, log = (m: string) => console.log(m), options: ServerOptions = {}): Promise<RunningServer> {
  const configs = await loadModelConfigs(flags);
  const backend = options.backend ?? (await createBackend(flags.backend));
  const metrics = servingMetrics();
  const sourceAt = sourceFactory({ endpoint: flags.s3Endpoint, env: process.env });
  const bindings = configs.map((config) => ({
    config,
    source: countedSource(sourceAt(config.basePath), config.name, metrics.storageCalls),
  }));
  const manager = new Manager(
    bindings,
    {
      backend,
      cacheBytes: flags.cacheBytes,
      maxModelBytes: flags.maxModelBytes,
      // TF Serving: 0 polls once, negative never; either way we list once, on first use.
      pollIntervalMs: flags.fileSystemPollWaitSeconds > 0 ? flags.fileSystemPollWaitSeconds * 1000 : -1,
      sha256: nodeSha256,
      metrics,
      log: (m) => log(`edgeserve: ${m}`),
    },
  );
  await manager.preload();
  // One RunFn for REST and gRPC: the batcher, when enabled, serves both.
  const batcher = flags.enableBatching ? await nodeBatcher(flags, manager, metrics, log) : null;
  const run: RunFn = batcher ? (servable, inputs, options) => batcher.run(servable, inputs, options) : runDirect;
  const app = createApp({
    manager,
    metrics,
    run,
    tensorContent: flags.enableSerializationAsTensorContent,
    apiKeys: flags.apiKeys,
    maxBodyBytes: flags.maxBodyBytes,
    timeoutMs: flags.restApiTimeoutInMs,
    cors: flags.restApiEnableCorsSupport,
  });
  const server = await listen(app.fetch, flags.restApiHost, flags.restApiPort);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : flags.restApiPort;
  const url = `http://${flags.restApiHost}:${port}`;
  let grpc: RunningGrpcServer | null = null;
  if (flags.port > 0) {
    grpc = await startGrpcServer({
      manager,
      metrics,
      run,
      host: flags.restApiHost,
      port: flags.port,
      maxMessageBytes: flags.maxBodyBytes,
      defaultTimeoutMs: flags.restApiTimeoutInMs,
      apiKeys: flags.apiKeys,
      tensorContent: flags.enableSerializationAsTensorContent,
      log,
    }).catch(async (err) => {
      await new Promise<void>((done) => server.close(() => done()));
      throw err;
    });
    log(`edgeserve: gRPC API at ${grpc.address}`);
  }
  log(`edgeserve: serving ${configs.map((c) => c.name).join(', ')} with ${backend.name}; REST API at ${url}`);
  return {
    url,
    grpcAddress: grpc?.address ?? null,
    manager,
    close: async () => {
      batcher?.close();
      await Promise.all([new Promise<void>((done) => server.close(() => done())), grpc?.close()]);
    },
  };
}

export async function loadModelConfigs(flags: ServerFlags): Promise<ModelConfig[]> {
  if (flags.modelConfigFile) {
    const file = resolve(flags.modelConfigFile);
    return parseModelServerConfig(await readFile(file, 'utf8'), flags.modelConfigFile, dirname(file));
  }
  const base = flags.modelBasePath!;
  return [singleModelConfig(flags.modelName, isAbsolute(base) || base.includes('://') ? base : resolve(base))];
}

/**
 * The batcher with --batching_parameters_file (or TF Serving's defaults) and per-model overrides
 * from model.json. One batch thread per servable by default: onnxruntime-node's run() holds the
 * event loop, so a second concurrent run of one session adds nothing in one process.
 */
async function nodeBatcher(flags: ServerFlags, manager: Manager, metrics: ServingMetrics, log: (m: string) => void): Promise<Batcher> {
  const defaults = { numBatchThreads: 1 };
  const file = flags.batchingParametersFile;
  const global = file
    ? parseBatchingParameters(await readFile(file, 'utf8'), file, defaults)
    : defaultBatchingParameters(defaults);
  return createBatcher((servable) => manager.batchingFor(servable.model) ?? global, {
    now: () => performance.now(),
    setTimer: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
    // Requests that arrived while the last run held the event loop join the next batch.
    yieldBeforeRun: () => new Promise((resolve) => setImmediate(resolve)),
    metrics: batchingMetrics(metrics.registry),
    log: (m) => log(`edgeserve: ${m}`),
  });
}

async function createBackend(kind: ServerFlags['backend']): Promise<Backend> {
  // Imported on demand: each flavour loads its own native or wasm runtime.
  if (kind === 'wasm') return (await import('../../core/backend/onnxruntime-wasm.ts')).onnxruntimeWasm();
  return (await import('../../core/backend/onnxruntime-node.ts')).onnxruntimeNode();
}

function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((done, fail) => {
    const server = serve({ fetch, hostname, port }, () => done(server));
    server.once('error', fail);
  });
}

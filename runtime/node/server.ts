import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../core/backend/backend.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import type { ServerFlags } from '../../core/config/flags.ts';
import type { Manager } from '../../core/manager/manager.ts';
import { createService } from '../../core/service/create-service.ts';
import { batchingFrom, settingsFromFlags } from '../../core/service/settings.ts';
import type { RunningGrpcServer } from './grpc/grpc-server.ts';
import { nodeDiskTier } from './disk-tier.ts';
import { httpListener } from './http-listener.ts';
import { loadModelConfigs } from './model-configs.ts';
import { nodeSha256 } from './sha256.ts';
import { sourceFactory } from './sources.ts';

/**
 * The Node server (functions/node's CLI, functions/container): flags -> model list -> sources ->
 * core/service/create-service.ts -> REST listener, plus the gRPC listener on the same RunFn, so the
 * batcher serves both. Models listed by the flags are loaded before the listeners open.
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
  const configs = await loadModelConfigs(flags, process.cwd(), '--model_config_file');
  const backend = options.backend ?? (await createBackend(flags));
  const file = flags.batchingParametersFile;
  const batching = flags.enableBatching ? batchingFrom(file ? await readSetting(file, '--batching_parameters_file') : undefined, file ?? '') : null;
  const service = createService(settingsFromFlags(flags, batching), {
    models: { configs, sourceAt: sourceFactory({ endpoint: flags.s3Endpoint, env: process.env }) },
    backend,
    // Requests that arrived while the last run held the event loop join the next batch. Kept with
    // --onnxruntime_worker_thread too: without it batches held 16 of 32 rows, not 27-30, and the
    // heavy model's protobuf throughput fell (bench/results/2026-12-01-throughput-notes.md).
    yieldBeforeRun: () => new Promise((resolve) => setImmediate(resolve)),
    sha256: nodeSha256,
    // Models with external data: onnxruntime-node opens them from disk (a folder source where it lies).
    diskTier: nodeDiskTier({ root: join(tmpdir(), 'edgeserve-external'), log }),
    log,
  });
  const { manager } = service;
  await manager.preload();
  const server = await listen(httpListener(service.handle), flags.restApiHost, flags.restApiPort).catch((err) => {
    service.close();
    throw listenError(err, '--rest_api_port', flags.restApiHost, flags.restApiPort);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : flags.restApiPort;
  const url = `http://${flags.restApiHost}:${port}`;
  let grpc: RunningGrpcServer | null = null;
  if (flags.port > 0) {
    // Imported only when gRPC is on: grpc-js and protobufjs add about 7 MiB of RSS.
    const { startGrpcServer } = await import('./grpc/grpc-server.ts');
    grpc = await startGrpcServer(service.host, { host: flags.restApiHost, port: flags.port, log }).catch(async (err) => {
      service.close();
      await new Promise<void>((done) => server.close(() => done()));
      throw listenError(err, '--port', flags.restApiHost, flags.port);
    });
    log(`edgeserve: gRPC API at ${grpc.address}`);
  }
  log(`edgeserve: serving ${configs.map((c) => c.name).join(', ')} with ${backend.name}; REST API at ${url}`);
  return {
    url,
    grpcAddress: grpc?.address ?? null,
    manager,
    close: async () => {
      service.close();
      await Promise.all([new Promise<void>((done) => server.close(() => done())), grpc?.close()]);
    },
  };
}

async function readSetting(file: string, flag: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(`${flag}=${file}: cannot read it (${err.code ?? 'I/O error'})`);
  });
}

/** A listener that could not open, as the one line an operator needs: the flag and the cause. */
function listenError(err: unknown, flag: string, host: string, port: number): unknown {
  const text = `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message ?? ''}`;
  const at = `${flag}=${port}: ${host}:${port}`;
  if (/EADDRINUSE/.test(text)) return new ConfigError(`${at} is already in use (pick another port, or stop the server using it)`);
  if (/EACCES/.test(text)) return new ConfigError(`${at}: permission denied (ports below 1024 need privileges)`);
  if (/EADDRNOTAVAIL|ENOTFOUND/.test(text)) return new ConfigError(`${at}: no such local address (check --rest_api_host)`);
  return err instanceof Error ? new ConfigError(`${at}: cannot listen: ${err.message}`) : err;
}

async function createBackend(flags: ServerFlags): Promise<Backend> {
  // Imported on demand: each flavour loads its own native or wasm runtime.
  if (flags.backend === 'wasm') return (await import('../../core/backend/onnxruntime-wasm.ts')).onnxruntimeWasm();
  const { onnxruntimeNode, nodeThreadOptions } = await import('./onnxruntime-node.ts');
  if (!flags.onnxruntimeWorkerThread) return onnxruntimeNode({ flags });
  const { onnxruntimeWorker } = await import('./onnxruntime-worker.ts');
  return onnxruntimeWorker('onnxruntime-node', { ...nodeThreadOptions(flags), executionProviders: ['cpu'] });
}

function listen(server: Server, hostname: string, port: number): Promise<Server> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, hostname, () => {
      server.off('error', fail);
      done(server);
    });
  });
}

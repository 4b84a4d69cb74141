import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backend } from '../../core/backend/backend.ts';
import type { OrtModule } from '../../core/backend/ort-session.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import type { ServerFlags } from '../../core/config/flags.ts';
import type { Manager } from '../../core/manager/manager.ts';
import { createService } from '../../core/service/create-service.ts';
import { batchingFrom, settingsFromFlags } from '../../core/service/settings.ts';
import type { RunningGrpcServer } from './grpc/grpc-server.ts';
import { nodeDiskTier } from './disk-tier.ts';
import { httpListener } from './http-listener.ts';
import { loadModelConfigs } from './model-configs.ts';
import { nodeImageCodecs } from './image-codecs.ts';
import { nodeSha256 } from './sha256.ts';
import { sourceFactory } from './sources.ts';
import { namedSteps } from '../../steps/index.ts';
import { listenError } from '../../core/config/listen-error.ts';
import type { ModelConfig } from '../../core/config/model-config.ts';
import type { RequestLogEntry } from '../../core/apis/request-log.ts';
import { traceExportFrom } from '../otel/trace-setup.ts';
import { nodeCaptureSink } from './capture-sink.ts';

/**
 * The Node server (functions/node/main.ts, `edgeserve serve`; bundled, the container images):
 * flags -> the backend (--backend, --device) -> model list -> sources ->
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

export async function startServer(flags: ServerFlags, log = (m: string) => console.log(m)): Promise<RunningServer> {
  const configs = await loadModelConfigs(flags, process.cwd(), '--model_config_file');
  const backend = await createBackend(flags, log);
  const file = flags.batchingParametersFile;
  const batching = flags.enableBatching ? batchingFrom(file ? await readSetting(file, '--batching_parameters_file') : undefined, file ?? '') : null;
  const traces = await traceExportFrom(process.env);
  const service = createService(settingsFromFlags(flags, batching), {
    models: { configs, sourceAt: sourceFactory({ endpoint: flags.s3Endpoint, env: process.env }) },
    backend,
    // Requests that arrived while the last run held the event loop join the next batch.
    yieldBeforeRun: () => new Promise((resolve) => setImmediate(resolve)),
    sha256: nodeSha256,
    imageCodecs: nodeImageCodecs(),
    namedSteps,
    writeRequestLog: requestLogLines(),
    traces,
    // model.json "capture": requests written to the model's folder or bucket, a second after the first is held.
    capture: { sink: nodeCaptureSink({ endpoint: flags.s3Endpoint, env: process.env }), flushAfterMs: 1000 },
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
  const stopWatching = watchConfigFile(flags, service.host.reloadConfig!, log);
  return {
    url,
    grpcAddress: grpc?.address ?? null,
    manager,
    close: async () => {
      stopWatching();
      service.close();
      await service.flushCaptures();
      await Promise.all([new Promise<void>((done) => server.close(() => done())), grpc?.close()]);
      // Spans of the last requests go out before the process ends, within 5 s: a collector that
      // is down or slow must not hold the exit past a container's grace period.
      if (traces) await Promise.race([traces.flush(), new Promise((done) => setTimeout(done, 5000).unref())]);
    },
  };
}

/**
 * The request log's JSON lines on stdout, gathered per turn of the event loop into one write:
 * stdout is a pipe or a file, written synchronously on Linux, and one write per request cost a
 * third of the small model's throughput at 32 callers in the bench; lines left at exit are written then.
 */
function requestLogLines(): (entry: RequestLogEntry) => void {
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return (entry) => {
    if (lines.push(`${JSON.stringify(entry)}\n`) === 1) setImmediate(flush);
  };
}

/**
 * --model_config_file_poll_wait_seconds: reads --model_config_file again every so many seconds and,
 * when its text changed, applies the new model list (Manager.reconfigure, as gRPC's
 * HandleReloadConfigRequest). A file that cannot be read or parsed, or a list that cannot apply,
 * is logged and the served list stays. Returns the stop function (a no-op when not polling).
 */
function watchConfigFile(flags: ServerFlags, reload: (configs: ModelConfig[]) => void, log: (message: string) => void): () => void {
  if (!flags.modelConfigFile || flags.modelConfigFilePollWaitSeconds <= 0) return () => {};
  let last: string | null = null;
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const text = await readFile(resolve(flags.modelConfigFile!), 'utf8');
      const changed = last !== null && text !== last;
      last = text;
      if (changed) {
        reload(await loadModelConfigs(flags, process.cwd(), '--model_config_file'));
        log(`edgeserve: --model_config_file=${flags.modelConfigFile}: changed; the new model list is applied`);
      }
    } catch (err) {
      // Said once per change of the file (or per failed read), and the served list stays.
      log(`edgeserve: --model_config_file=${flags.modelConfigFile}: not applied, the served models stay: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), flags.modelConfigFilePollWaitSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

async function readSetting(file: string, flag: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(`${flag}=${file}: cannot read it (${err.code ?? 'I/O error'})`);
  });
}

/** The one backend choice of the Node server: --backend=wasm, else onnxruntime-node on --device's provider. */
async function createBackend(flags: ServerFlags, log: (message: string) => void): Promise<Backend> {
  // Imported on demand: each flavour loads its own native or wasm runtime.
  if (flags.backend === 'wasm') {
    const wasm = await import('../../core/backend/onnxruntime-wasm.ts').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
      throw new ConfigError('--backend=wasm needs the onnxruntime-web package, which this installation does not have (the container images carry onnxruntime-node only)');
    });
    return wasm.onnxruntimeWasm();
  }
  const [ort, { nodeThreadOptions }, { deviceBackend }] = await Promise.all([import('onnxruntime-node'), import('./onnxruntime-node.ts'), import('./device.ts')]);
  return (await deviceBackend(flags.device, ort as unknown as OrtModule, log, { threads: nodeThreadOptions(flags) })).backend;
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

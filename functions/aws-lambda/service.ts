import type { Backend } from '../../core/backend/backend.ts';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { createService, type Service } from '../../core/service/create-service.ts';
import { batchingFrom, settingsFromFlags } from '../../core/service/settings.ts';
import { loadModelConfigs } from '../../runtime/node/model-configs.ts';
import { nodeDiskTier, type NodeDiskTier } from '../../runtime/node/disk-tier.ts';
import { nodeImageCodecs } from '../../runtime/node/image-codecs.ts';
import { nodeSha256 } from '../../runtime/node/sha256.ts';
import { sourceFactory } from '../../runtime/node/sources.ts';
import type { LambdaConfig } from './config.ts';
import { diskCached } from './disk-cache.ts';
import { namedSteps } from '../../steps/index.ts';
import { traceExportFrom } from '../../runtime/otel/trace-setup.ts';
import { nodeCaptureSink } from '../../runtime/node/capture-sink.ts';
import type { TraceExport } from '../../core/trace/trace-export.ts';

/**
 * The Lambda composition root: config -> model list -> sources (S3 behind the /tmp disk tier, or a
 * folder in the package) -> core/service/create-service.ts. handler.ts builds one per execution
 * environment, on its first request; tests build several (a second one over the same /tmp is a
 * re-initialised environment). Nothing loads here: the manager loads a model on its first request,
 * so an environment that only ever serves one model never pays for the others.
 *
 * Batching only on Lambda Managed Instances (config.ts): a standard environment serves one request
 * at a time, so its requests run their session directly (the cheapest path), and many instances in
 * one request are the way to batch there.
 */
export interface LambdaDeps {
  backend?: Backend;
  log?: (message: string) => void;
  /** Folder that relative paths are relative to (default: the working directory, /var/task). */
  cwd?: string;
}

export interface LambdaService extends Service {
  /** The disk tier's cache of remote model files, or null when TMP_CACHE_BYTES is 0. */
  disk: NodeDiskTier | null;
  /** OTLP traces when OpenTelemetry's variables ask for them; handler.ts flushes them before each invocation ends. */
  traces?: TraceExport;
}

export async function createLambdaService(config: LambdaConfig, deps: LambdaDeps = {}): Promise<LambdaService> {
  const log = deps.log ?? ((m: string) => console.log(m));
  const { flags } = config;
  const configs = await loadModelConfigs(flags, deps.cwd ?? process.cwd(), 'environment: MODEL_CONFIG_FILE');
  // One disk tier in /tmp: versions with external data are placed there to be opened by path, and
  // (unless TMP_CACHE_BYTES is 0) remote model files are kept there for a re-initialised environment.
  // Its free space is the function's ephemeral storage (512 MB by default, up to 10 GB).
  const tier = nodeDiskTier({
    root: config.tmpCacheDir,
    maxBytes: config.tmpCacheBytes > 0 ? config.tmpCacheBytes : undefined,
    roomAdvice: "raise TMP_CACHE_BYTES and the function's ephemeral storage (EphemeralStorage Size, up to 10240 MB), or serve the model from the container target",
    log,
  });
  const disk = config.tmpCacheBytes > 0 ? tier : null;
  // Batching only on Lambda Managed Instances (config.ts), with TF Serving's default parameters.
  const batching = flags.enableBatching ? batchingFrom(undefined, 'environment') : null;
  const traces = await traceExportFrom(config.env);
  const service = createService(settingsFromFlags(flags, batching), {
    models: { configs, sourceAt: sourceFactory({ endpoint: flags.s3Endpoint, env: config.env }) },
    // Only remote sources go through the disk tier: a folder in the package is already on disk.
    cacheTier: (source, location) => (disk && location.startsWith('s3://') ? diskCached(source, disk) : source),
    diskTier: tier,
    backend: deps.backend ?? onnxruntimeNode({ flags }),
    sha256: nodeSha256,
    imageCodecs: nodeImageCodecs(),
    namedSteps,
    traces,
    // Captured requests are written when handler.ts flushes them, before the invocation ends.
    capture: { sink: nodeCaptureSink({ endpoint: flags.s3Endpoint, env: config.env }) },
    // No model.json "shadow" runs: Lambda freezes the environment once the response is returned.
    shadow: false,
    log,
  });
  return { ...service, disk, traces };
}

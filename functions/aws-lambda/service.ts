import type { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Backend } from '../../core/backend/backend.ts';
import { onnxruntimeNode } from '../../core/backend/onnxruntime-node.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import { parseModelServerConfig, singleModelConfig, type ModelConfig } from '../../core/config/model-config.ts';
import { createApp } from '../../core/http/app.ts';
import { Manager } from '../../core/manager/manager.ts';
import { servingMetrics } from '../../core/metrics/serving-metrics.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { sourceFactory } from '../node/sources.ts';
import type { LambdaConfig } from './config.ts';
import { diskCached } from './disk-cache.ts';
import { DiskStore } from './disk-store.ts';
import { nodeSha256 } from '../node/sha256.ts';

/**
 * The Lambda composition root: config -> model list -> sources (S3 behind the /tmp disk tier, or a
 * folder in the package) -> manager -> the core app. handler.ts builds one per execution
 * environment, on its first request; tests build several (a second one over the same /tmp is a
 * re-initialised environment). Nothing loads here: the manager loads a model on its first request,
 * so an environment that only ever serves one model never pays for the others.
 *
 * No batcher: an environment serves one request at a time, so requests run their session directly
 * (the cheapest path); many instances in one request are the way to batch on Lambda.
 */
export interface LambdaDeps {
  backend?: Backend;
  log?: (message: string) => void;
  /** Folder that relative paths are relative to (default: the working directory, /var/task). */
  cwd?: string;
}

export interface LambdaService {
  app: Hono;
  manager: Manager;
  /** The disk tier, or null when TMP_CACHE_BYTES is 0. */
  disk: DiskStore | null;
}

export async function createLambdaService(config: LambdaConfig, deps: LambdaDeps = {}): Promise<LambdaService> {
  const log = deps.log ?? ((m: string) => console.log(m));
  const cwd = deps.cwd ?? process.cwd();
  const { flags } = config;
  const configs = await modelConfigs(config, cwd);
  const disk = config.tmpCacheBytes > 0 ? new DiskStore({ dir: config.tmpCacheDir, maxBytes: config.tmpCacheBytes, log: edgeserve(log) }) : null;
  const sourceAt = sourceFactory({ endpoint: flags.s3Endpoint, env: config.env });
  // Only remote sources go through the disk tier: a folder in the package is already on disk.
  const sourceFor = (basePath: string): ModelSource => {
    const source = sourceAt(basePath);
    return disk && basePath.startsWith('s3://') ? diskCached(source, disk) : source;
  };
  const metrics = servingMetrics();
  const manager = new Manager(
    configs.map((c) => ({ config: c, source: sourceFor(c.basePath) })),
    {
      backend: deps.backend ?? onnxruntimeNode(),
      cacheBytes: flags.cacheBytes,
      pollIntervalMs: flags.fileSystemPollWaitSeconds > 0 ? flags.fileSystemPollWaitSeconds * 1000 : -1,
      sha256: nodeSha256,
      metrics,
      log: edgeserve(log),
    },
  );
  const app = createApp({
    manager,
    metrics,
    apiKeys: flags.apiKeys,
    maxBodyBytes: flags.maxBodyBytes,
    timeoutMs: flags.restApiTimeoutInMs,
    cors: flags.restApiEnableCorsSupport,
  });
  return { app, manager, disk };
}

async function modelConfigs(config: LambdaConfig, cwd: string): Promise<ModelConfig[]> {
  const { flags } = config;
  if (flags.modelConfigFile) {
    const file = resolve(cwd, flags.modelConfigFile);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError(`environment: MODEL_CONFIG_FILE=${flags.modelConfigFile}: cannot read it (${err.code ?? 'I/O error'})`);
    });
    return parseModelServerConfig(text, flags.modelConfigFile, dirname(file));
  }
  const base = flags.modelBasePath!;
  return [singleModelConfig(flags.modelName, isAbsolute(base) || base.includes('://') ? base : resolve(cwd, base))];
}

const edgeserve = (log: (m: string) => void) => (m: string) => log(`edgeserve: ${m}`);

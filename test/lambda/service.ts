import { readFileSync, writeFileSync } from 'node:fs';
import { readLambdaConfig } from '../../functions/aws-lambda/config.ts';
import { lazyHandler } from '../../functions/aws-lambda/handler.ts';
import { createLambdaService, type LambdaService } from '../../functions/aws-lambda/service.ts';
import type { TestBucket } from './bucket.ts';

/**
 * One Lambda execution environment in a test: the handler composed as handler.ts composes it, from
 * environment variables (plus the ones that point S3 at the test bucket). Two with one TMP_CACHE_DIR
 * are one sandbox re-initialised. `service` resolves once the first invocation has composed it.
 */
export interface TestEnvironment {
  handler: ReturnType<typeof lazyHandler>;
  service: Promise<LambdaService>;
  logs: string[];
}

const composedServices: LambdaService[] = [];

/**
 * Resolves once every environment composed so far has written what its disk tier keeps in the
 * background; a suite awaits it before removing its /tmp folders, or the writes recreate them.
 */
export async function environmentsIdle(): Promise<void> {
  await Promise.all(composedServices.map((s) => s.disk?.idle()));
}

export function environment(bucket: TestBucket, env: Record<string, string>): TestEnvironment {
  const logs: string[] = [];
  let composed!: (s: LambdaService) => void;
  const service = new Promise<LambdaService>((resolve) => (composed = resolve));
  const handler = lazyHandler(async () => {
    const config = readLambdaConfig({ ...bucket.env, ...env });
    const s = await createLambdaService(config, { log: (m) => logs.push(m) });
    composedServices.push(s);
    composed(s);
    return s;
  }, (m) => logs.push(m));
  return { handler, service, logs };
}

/** Writes the bundled models.config with every base_path moved into the bucket; returns `file`. */
export function writeS3ModelConfig(bucket: TestBucket, file: string): string {
  const text = readFileSync('models/models.config', 'utf8').replace(/base_path: "([^"]+)"/g, (_, name) => `base_path: "${bucket.url(name)}"`);
  writeFileSync(file, text);
  return file;
}

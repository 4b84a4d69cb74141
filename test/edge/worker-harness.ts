import { Miniflare } from 'miniflare';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { buildWorker } from '../../functions/cloudflare/build.ts';

/**
 * The Worker as deployed, under miniflare (workerd, the Workers runtime): the bundle that
 * `npm run build:worker` makes, with the compatibility date, flags, module rules, R2 binding and
 * vars of wrangler.toml (vars may be overridden per test). The R2 bucket is miniflare's real
 * implementation, in memory.
 */
export interface WorkerUnderTest {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Puts an object into the bucket bound as MODELS. */
  put(key: string, bytes: Uint8Array | string): Promise<void>;
  /** The text of every object in MODELS under `prefix`, by key. */
  objects(prefix: string): Promise<Record<string, string>>;
  /** Everything the Worker logged so far. */
  logs(): string;
  stop(): Promise<void>;
}

interface WranglerToml {
  compatibility_date: string;
  compatibility_flags?: string[];
  rules?: { type: 'CompiledWasm' | 'ESModule' | 'Text' | 'Data'; globs: string[]; fallthrough?: boolean }[];
  r2_buckets: { binding: string }[];
  vars?: Record<string, string>;
}

export async function buildBundle(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeserve-worker-'));
  await buildWorker(dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startWorker(bundleDir: string, vars: Record<string, string> = {}): Promise<WorkerUnderTest> {
  const toml = parse(readFileSync('wrangler.toml', 'utf8')) as unknown as WranglerToml;
  let logs = '';
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(bundleDir, 'worker.js'),
    modulesRoot: bundleDir,
    modulesRules: (toml.rules ?? []).map((r) => ({ type: r.type, include: r.globs, fallthrough: r.fallthrough })),
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags,
    r2Buckets: toml.r2_buckets.map((b) => b.binding),
    bindings: { ...toml.vars, ...vars },
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (chunk: Buffer) => (logs += chunk));
      stderr.on('data', (chunk: Buffer) => (logs += chunk));
    },
  });
  await mf.ready;
  // Typed against @cloudflare/workers-types, which this project does not install.
  const bucket = (await mf.getR2Bucket('MODELS')) as unknown as {
    put(key: string, value: Uint8Array | string): Promise<unknown>;
    list(options: { prefix: string }): Promise<{ objects: { key: string }[] }>;
    get(key: string): Promise<{ text(): Promise<string> } | null>;
  };
  return {
    fetch: (path, init) => mf.dispatchFetch(`http://worker.test${path}`, init as never) as unknown as Promise<Response>,
    put: async (key, bytes) => {
      await bucket.put(key, typeof bytes === 'string' ? bytes : new Uint8Array(bytes));
    },
    objects: async (prefix) => {
      const { objects } = await bucket.list({ prefix });
      return Object.fromEntries(await Promise.all(objects.map(async ({ key }) => [key, (await (await bucket.get(key))!.text())])));
    },
    logs: () => logs,
    stop: () => mf.dispose(),
  };
}

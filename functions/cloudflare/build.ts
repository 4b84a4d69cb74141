import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * `npm run build:worker`: bundles functions/cloudflare/worker.ts into dist/worker/: worker.js plus
 * onnxruntime's ort-wasm-simd-threaded.wasm beside it, the exact files that `wrangler deploy`
 * uploads (wrangler.toml: main = dist/worker/worker.js, no_bundle, a CompiledWasm rule) and that
 * the miniflare tests run. Prints each file's raw and gzip size against Workers' size limits.
 *
 * With --if-changed (wrangler.toml's [build] command, so that `wrangler dev` and `wrangler deploy`
 * always ship the current code) it builds only when a file the last build read has changed since
 * (its size or modification time; dist/worker/inputs.json lists them), or an output is missing:
 * `wrangler dev` runs the command twice at start, and the second finds nothing to do.
 *
 * Two things esbuild needs told:
 * - `.wasm` imports stay imports of a file next to the bundle (copied there), so the runtime hands
 *   the Worker a compiled WebAssembly.Module: Workers cannot compile WebAssembly from bytes.
 * - onnxruntime-web's bundle can import its Emscripten loader from a URL at run time. Workers
 *   cannot import code at run time, and module loaders (wrangler's, miniflare's) reject a bundle
 *   with a dynamic import(variable). That path is dead here (the Worker sets wasmBinary, which makes
 *   onnxruntime use the loader inside its bundle), so it becomes a rejected promise. The build
 *   fails if the pattern is gone, i.e. when an onnxruntime-web upgrade needs this looked at again.
 */
export interface BuildResult {
  outDir: string;
  files: { name: string; rawBytes: number; gzipBytes: number }[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DYNAMIC_IMPORT = /import\(\s*\/\*webpackIgnore:true\*\/\s*\/\*@vite-ignore\*\/\s*([A-Za-z_$][\w$]*)\s*\)/g;

export async function buildWorker(outDir = join(ROOT, 'dist/worker')): Promise<BuildResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const wasmFiles = new Map<string, string>();
  const result = await esbuild.build({
    metafile: true,
    entryPoints: [join(ROOT, 'functions/cloudflare/worker.ts')],
    outfile: join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:async_hooks'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [
      {
        name: 'edgeserve-worker',
        setup(build) {
          build.onResolve({ filter: /\.wasm$/ }, async (args) => {
            if (args.pluginData === 'wasm') return undefined;
            const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'wasm' });
            if (resolved.errors.length) return { errors: resolved.errors };
            wasmFiles.set(basename(resolved.path), resolved.path);
            return { path: `./${basename(resolved.path)}`, external: true };
          });
          build.onLoad({ filter: /onnxruntime-web[\\/]dist[\\/]ort\.wasm\.bundle\.min\.mjs$/ }, (args) => {
            const source = readFileSync(args.path, 'utf8');
            let found = 0;
            const contents = source.replace(DYNAMIC_IMPORT, () => {
              found += 1;
              return 'Promise.reject(new Error("edgeserve: run-time imports are unavailable in Workers"))';
            });
            if (found !== 1) {
              return { errors: [{ text: `expected one dynamic import in ${basename(args.path)}, found ${found}: check build.ts against this onnxruntime-web` }] };
            }
            return { contents, loader: 'js' };
          });
        },
      },
    ],
  });
  for (const [name, path] of wasmFiles) copyFileSync(path, join(outDir, name));
  const inputs = [fileURLToPath(import.meta.url), ...Object.keys(result.metafile!.inputs).map((p) => resolve(ROOT, p)), ...wasmFiles.values()];
  writeFileSync(join(outDir, INPUTS), JSON.stringify({ outputs: ['worker.js', ...wasmFiles.keys()], inputs: Object.fromEntries(inputs.map((p) => [p, stamp(p)])) }));
  const files = ['worker.js', ...wasmFiles.keys()].map((name) => {
    const bytes = readFileSync(join(outDir, name));
    return { name, rawBytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength };
  });
  return { outDir, files };
}

const INPUTS = 'inputs.json';

/** A file's size and modification time, or null when it is gone. */
function stamp(path: string): string | null {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? `${info.size}:${info.mtimeMs}` : null;
}

/** Whether the bundle in outDir was built from the files as they are now. */
export function upToDate(outDir = join(ROOT, 'dist/worker')): boolean {
  try {
    const last = JSON.parse(readFileSync(join(outDir, INPUTS), 'utf8')) as { outputs: string[]; inputs: Record<string, string | null> };
    return last.outputs.every((name) => statSync(join(outDir, name), { throwIfNoEntry: false })) && Object.entries(last.inputs).every(([path, was]) => stamp(path) === was);
  } catch {
    return false;
  }
}

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(2)} MiB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-changed') && upToDate()) {
    console.log('Worker bundle in dist/worker is up to date.');
    process.exit(0);
  }
  const { outDir, files } = await buildWorker();
  console.log(`Worker bundle in ${outDir.replace(ROOT, '')}:`);
  for (const f of files) console.log(`  ${f.name.padEnd(30)} ${mib(f.rawBytes).padStart(11)} raw  ${mib(f.gzipBytes).padStart(11)} gzip`);
  const raw = files.reduce((s, f) => s + f.rawBytes, 0);
  const gzip = files.reduce((s, f) => s + f.gzipBytes, 0);
  console.log(`  ${'total'.padEnd(30)} ${mib(raw).padStart(11)} raw  ${mib(gzip).padStart(11)} gzip`);
  const plan = gzip <= 3 * 1024 ** 2 ? 'fits the Free plan (3 MB)' : gzip <= 10 * 1024 ** 2 ? 'needs the Workers Paid plan (10 MB; Free allows 3 MB)' : 'is over the Paid plan limit (10 MB)';
  console.log(`Compressed, the Worker ${plan}.`);
}

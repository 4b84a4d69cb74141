// The Node targets' build: esbuild bundles the TypeScript sources into ESM under dist/node, so that
// `npm start`, the `edgeserve` command and the container images run JavaScript, never TypeScript
// through a loader at run time (tsx is for development: tests and scripts).
//
//   node functions/node/build.mjs [--if-changed]
//
// Entries: main.mjs (the server: functions/node/main.ts, what the container images run), start.mjs
// (`npm start`: the bundled example repository unless flags name models), cli.mjs (bin/edgeserve.js).
// Dependencies stay in node_modules; modules loaded on demand (the AWS SDK's client, gRPC, the
// pipeline's decoders) stay in their own chunks. It runs on `npm install` (the package's prepare
// script), and bin/edgeserve.js and bin/start.js call ensureBuilt() first: a bundle older than any
// file it was built from is rebuilt before it runs, so a stale build never runs.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'dist/node');
const INPUTS = join(OUT, 'inputs.json');
const ENTRIES = { main: 'functions/node/main.ts', start: 'functions/node/start.ts', cli: 'cli/main.ts' };

/** A file's size and modification time, or null when it is gone. */
function stamp(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? `${info.size}:${info.mtimeMs}` : null;
}

/** Whether dist/node was built from the files as they are now. */
export function upToDate() {
  try {
    const last = JSON.parse(readFileSync(INPUTS, 'utf8'));
    return Object.entries(last.inputs).every(([path, was]) => stamp(path) === was);
  } catch {
    return false;
  }
}

export async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('edgeserve: dist/node is missing or older than its sources, and esbuild (a dev dependency) is not installed to rebuild it: run npm install');
  }
  // Built beside dist/node, then swapped in whole: a process starting meanwhile sees the old build or the new one.
  const next = `${OUT}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, join(ROOT, path)])),
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    outdir: next,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = [fileURLToPath(import.meta.url), ...Object.keys(result.metafile.inputs).map((p) => resolve(ROOT, p))];
  writeFileSync(join(next, 'inputs.json'), JSON.stringify({ inputs: Object.fromEntries(inputs.map((p) => [p, stamp(p)])) }));
  const old = `${OUT}.old-${process.pid}`;
  try {
    renameSync(OUT, old);
  } catch {
    // no build yet
  }
  renameSync(next, OUT);
  rmSync(old, { recursive: true, force: true });
}

/** Builds dist/node unless it is up to date. */
export async function ensureBuilt() {
  if (!upToDate()) await build();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // The package's prepare (npm install): an install without dev dependencies has no esbuild, and
  // needs no build to install; the commands say so if they are run without one.
  const optional = process.argv.includes('--unless-production') && !(await import('esbuild').then(() => true, () => false));
  if (optional) console.log('edgeserve: esbuild is not installed (a production install): dist/node is not built');
  else if (process.argv.includes('--if-changed') || process.argv.includes('--unless-production')) await ensureBuilt();
  else await build();
}

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/e2e/server-process.ts';
import { externalize, graph, type GraphSpec } from '../test/fixtures/onnx-writer.ts';

/**
 * `npx tsx bench/cold-load-memory.ts [MiB] [-- server flags]`: how much memory a cold load takes,
 * on what users run (the Node server, functions/node/main.ts). One model of MiB (default 256) of
 * float32 weights that a MatMul uses (as real layers do, so onnxruntime cannot fold them away),
 * stored in model.onnx itself and, separately, in ONNX external data (model.onnx.data).
 *
 * For each, the server starts on a tiny version 1, then version 2 (the big one) is written into
 * the folder and the server's poll loads it: /proc/<pid>/status is read every 2 ms from just
 * before the write until version 2 answers, and the peaks over the level before are reported
 * against the model's size: anonymous memory (RssAnon: what a container's memory limit and the
 * OOM killer count) and the whole RSS (VmHWM, which also counts the model file's pages in the
 * page cache, memory the kernel takes back under pressure). Extra arguments go to the server.
 */
const mib = Number(process.argv[2] ?? 256);
const flags = process.argv.slice(3).filter((a) => a.startsWith('--'));
const side = Math.round(Math.sqrt((mib * 1024 * 1024) / 4));
const layer = (k: number): GraphSpec => ({
  inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', k] }],
  outputs: [{ name: 'y', dtype: 'float32', dims: ['batch', k] }],
  initializers: [{ name: 'W', dtype: 'float32', dims: [k, k], data: new Float32Array(k * k).fill(0.5) }],
  nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
});

const dir = mkdtempSync(join(tmpdir(), 'edgeserve-cold-load-'));
const write = (model: string, version: number, files: Record<string, Uint8Array>) => {
  mkdirSync(join(dir, model, String(version)), { recursive: true });
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, model, String(version), file), bytes);
};
const external = externalize(layer(side));
const big: Record<string, Record<string, Uint8Array>> = {
  single_file: { 'model.onnx': graph(layer(side)) },
  external_data: { 'model.onnx': external.model, ...Object.fromEntries(external.files) },
};

const status = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)![1]) / 1024;
  return { anon: kib('RssAnon'), rss: kib('VmRSS'), hwm: kib('VmHWM') };
};

async function coldLoad(model: string): Promise<{ anon: number; rss: number }> {
  write(model, 1, { 'model.onnx': graph(layer(side % 64 || 4)) });
  const server = await startServer([`--model_name=${model}`, `--model_base_path=${join(dir, model)}`, '--file_system_poll_wait_seconds=1', ...flags]);
  try {
    const before = status(server.pid);
    let anon = before.anon;
    const probe = setInterval(() => (anon = Math.max(anon, status(server.pid).anon)), 2);
    write(model, 2, big[model]);
    for (;;) {
      const answer = await fetch(`${server.url}/v1/models/${model}/versions/2:predict`, { method: 'POST', body: JSON.stringify({ instances: [Array(side).fill(1)] }) });
      if (answer.status === 200) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    clearInterval(probe);
    return { anon: anon - before.anon, rss: status(server.pid).hwm - before.rss };
  } finally {
    await server.stop();
  }
}

try {
  const size = (side * side * 4) / 1024 ** 2;
  console.log(`weights ${size.toFixed(0)} MiB (MatMul ${side}x${side}); server flags: ${flags.join(' ') || 'none'}`);
  for (const model of Object.keys(big)) {
    const peak = await coldLoad(model);
    console.log(`${model.padEnd(14)} anonymous memory +${peak.anon.toFixed(0)} MiB (${(peak.anon / size).toFixed(2)}x the model), RSS +${peak.rss.toFixed(0)} MiB (${(peak.rss / size).toFixed(2)}x)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

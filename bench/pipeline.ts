import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import encodeJpeg, { init as initEncoder } from '@jsquash/jpeg/encode.js';
import { decodeImage } from '../core/pipeline/image.ts';
import { applyImageStep, writeTensorRow } from '../core/pipeline/image-steps.ts';
import { runOutputStep } from '../core/pipeline/post.ts';
import { nodeImageCodecs } from '../runtime/node/image-codecs.ts';
import { startServer } from '../test/e2e/server-process.ts';
import { putExampleRepository } from '../test/edge/r2-repository.ts';
import { buildBundle, startWorker } from '../test/edge/worker-harness.ts';
import { percentile } from './steady.ts';
import { ensureWrk, runWrk } from './wrk.ts';

/**
 * npm run bench:pipeline -- [--duration=5] [--out=bench/results]
 *
 * The image pipeline (core/pipeline) on a typical photo: a 1600x1200 JPEG (q90, 4:2:0, made here
 * with MozJPEG's encoder) to the bundled colors model (224x224 NCHW, ImageNet normalisation):
 *   - the steps in process, as a raw script does them with the same libraries: decode (MozJPEG
 *     wasm), Resize(256) + CenterCrop(224) (the Pillow port), ToTensor + Normalize;
 *   - the raw image-to-labels loop: those steps, session.run, softmax and top-3, back to back;
 *   - the same request through edgeserve's Node server (a raw image/jpeg body to
 *     /v1/models/colors:predict), loaded with wrk at 1 and 2 connections;
 *   - the same request in the Worker (workerd through miniflare, onnxruntime-web WASM), one at a
 *     time, since an isolate runs one request's JavaScript at a time.
 * Writes <out>/<date>-pipeline.md.
 */
const USAGE = 'npm run bench:pipeline -- [--duration=5] [--out=bench/results]';
const SHORTER = 256;
const CROP = 224;
const TENSOR = { channels: 'rgb' as const, layout: 'nchw' as const, dtype: 'float32' as const, divide: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, out: { type: 'string', default: 'bench/results' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(USAGE);
  const durationS = Number(values.duration);
  const log = (line: string) => console.log(line);
  ensureWrk(log);
  const dir = mkdtempSync(join(tmpdir(), 'edgeserve-bench-pipeline-'));
  try {
    const photo = await typicalPhoto();
    const photoFile = join(dir, 'photo.jpg');
    writeFileSync(photoFile, photo);
    log(`photo: 1600x1200 JPEG, ${photo.byteLength} bytes`);

    const codecs = nodeImageCodecs();
    const steps = async () => {
      const pixels = await decodeImage(photo, { maxPixels: 36e6, orient: false, where: 'photo' }, codecs);
      const cropped = applyImageStep({ op: 'center_crop', width: CROP, height: CROP }, applyImageStep({ op: 'resize', shorterSide: SHORTER, filter: 'bilinear' }, pixels));
      const x = new Float32Array(3 * CROP * CROP);
      writeTensorRow(cropped, TENSOR, x, 0);
      return x;
    };
    const stepMs = await timed(steps, durationS);
    log(`steps in process (decode + resize + crop + normalise): p50 ${stepMs.p50.toFixed(2)} ms`);

    const session = await ort.InferenceSession.create(await readFile('models/colors/1/model.onnx'));
    const labels = ['red', 'green', 'blue'];
    const raw = await timed(async () => {
      const out = await session.run({ x: new ort.Tensor('float32', await steps(), [1, 3, CROP, CROP]) });
      const logits = { dtype: 'float32' as const, dims: [1, 3], data: out.logits.data as Float32Array };
      runOutputStep({ op: 'top_k', k: 3, scores: 'scores' }, runOutputStep({ op: 'softmax' }, logits, null, 'raw').value, labels, 'raw');
    }, durationS);
    await session.release();
    log(`raw image-to-labels loop: ${raw.perSec.toFixed(1)} images/s, p50 ${raw.p50.toFixed(2)} ms`);

    const server = await startServer(['--model_config_file=models/models.config']);
    const node: { connections: number; rps: number; p50: number }[] = [];
    try {
      const check = await fetch(`${server.url}/v1/models/colors:predict`, { method: 'POST', body: photo, headers: { 'content-type': 'image/jpeg' } });
      if (check.status !== 200) throw new Error(`the server answered ${check.status}: ${await check.text()}`);
      for (const connections of [1, 2]) {
        const s = await runWrk({ url: `${server.url}/v1/models/colors:predict`, bodyFile: photoFile, contentType: 'image/jpeg', connections, durationS, dir });
        if (s.errors) throw new Error(`wrk saw ${s.errors} errors`);
        node.push({ connections, rps: s.rowsPerSec, p50: s.p50Ms });
        log(`edgeserve (Node) x${connections}: ${s.rowsPerSec.toFixed(1)} images/s, p50 ${s.p50Ms.toFixed(2)} ms`);
      }
    } finally {
      await server.stop();
    }

    const bundle = await buildBundle();
    const worker = await startWorker(bundle.dir);
    let workerMs: { p50: number; perSec: number };
    try {
      await putExampleRepository(worker.put);
      const request = async () => {
        const res = await worker.fetch('/v1/models/colors:predict', { method: 'POST', body: photo, headers: { 'content-type': 'image/jpeg' } });
        if (res.status !== 200) throw new Error(`the Worker answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      };
      workerMs = await timed(request, durationS);
      log(`Worker (workerd, WASM), one at a time: p50 ${workerMs.p50.toFixed(2)} ms`);
    } finally {
      await worker.stop();
      bundle.remove();
    }

    const date = new Date().toISOString().slice(0, 10);
    const file = join(values.out!, `${date}-pipeline.md`);
    writeFileSync(
      file,
      [
        `# Benchmark: the image pipeline`,
        '',
        `Command: \`${USAGE.replace(' -- [--duration=5] [--out=bench/results]', '')}\` (--duration=${durationS})`,
        '',
        `Machine: ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}, ${new Date().toISOString()}; load average ${loadavg()[0].toFixed(2)} at the end.`,
        `Photo: 1600x1200 JPEG (q90, 4:2:0), ${photo.byteLength} bytes; model: the bundled colors model (models/colors/1: 224x224 NCHW float32).`,
        '',
        '| what | images/s | p50 ms |',
        '| --- | --: | --: |',
        `| steps in process: decode + Resize(256) + CenterCrop(224) + normalise | ${stepMs.perSec.toFixed(1)} | ${stepMs.p50.toFixed(2)} |`,
        `| raw image-to-labels loop (the steps, session.run, softmax, top-3) | ${raw.perSec.toFixed(1)} | ${raw.p50.toFixed(2)} |`,
        ...node.map((n) => `| edgeserve, Node server, raw image/jpeg body, wrk x${n.connections} | ${n.rps.toFixed(1)} | ${n.p50.toFixed(2)} |`),
        `| edgeserve, Worker (workerd via miniflare, WASM), one at a time | ${workerMs.perSec.toFixed(1)} | ${workerMs.p50.toFixed(2)} |`,
        '',
        `edgeserve's Node server at one connection: ${((node[0].rps / raw.perSec) * 100).toFixed(0)}% of the raw loop's rate.`,
        '',
      ].join('\n'),
    );
    log(`wrote ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `work` back to back for `seconds` after one warm-up call: the p50 and the rate. */
async function timed(work: () => Promise<unknown>, seconds: number): Promise<{ p50: number; perSec: number }> {
  await work();
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  const total = times.reduce((a, b) => a + b, 0);
  return { p50: percentile([...times].sort((a, b) => a - b), 50), perSec: (times.length * 1000) / total };
}

/** A 1600x1200 photo-like picture (gradients, shapes, noise) as a JPEG, made with MozJPEG. */
async function typicalPhoto(): Promise<Uint8Array<ArrayBuffer>> {
  const require = createRequire(import.meta.url);
  await initEncoder(await WebAssembly.compile(await readFile(require.resolve('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'))));
  const width = 1600;
  const height = 1200;
  const data = new Uint8ClampedArray(width * height * 4);
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = (seed >>> 24) % 25 - 12;
      const i = (y * width + x) * 4;
      const inDisc = (x - 500) ** 2 + (y - 400) ** 2 < 250 ** 2;
      data[i] = inDisc ? 220 : (x * 255) / width + noise;
      data[i + 1] = inDisc ? 40 : (y * 255) / height - noise;
      data[i + 2] = ((x + y) * 3) % 256;
      data[i + 3] = 255;
    }
  }
  return new Uint8Array(await encodeJpeg({ data, width, height, colorSpace: 'srgb' } as ImageData, { quality: 90, progressive: false, chroma_subsample: 2 }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

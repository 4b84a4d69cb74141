import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeMessage, lookupType } from '../runtime/node/grpc/proto-root.ts';
import { startServer } from '../test/e2e/server-process.ts';
import { closedLoop } from './load.ts';
import { measure } from './steady.ts';
import { grpcCaller, httpCaller, type Caller } from './transport/clients.ts';
import { image, imageModel, jsonBody, protoBody } from './transport/image-model.ts';
import { transportReport, type TransportResult } from './transport/report.ts';

/**
 * npm run bench:transport -- [--concurrency=8] [--window-ms=2000] [--max-windows=8] [--out=bench/results]
 *
 * Throughput of one 224x224x3 float image per request over the three transports of the same
 * server process and model: TF Serving JSON (REST), binary protobuf over HTTP
 * (application/x-protobuf) and gRPC Predict. Checks first that all three give the same answer,
 * then measures each to steady state and writes <out>/<date>-transport.md. Target: binary >= 3x JSON.
 */
const USAGE = 'npm run bench:transport -- [--concurrency=8] [--window-ms=2000] [--max-windows=8] [--out=bench/results]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '8' },
      'window-ms': { type: 'string', default: '2000' },
      'max-windows': { type: 'string', default: '8' },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const concurrency = Number(values.concurrency);
  const steady = { windowMs: Number(values['window-ms']), maxWindows: Number(values['max-windows']), tolerance: 0.1 };

  const dir = mkdtempSync(join(tmpdir(), 'edgeserve-transport-'));
  mkdirSync(join(dir, 'image', '1'), { recursive: true });
  writeFileSync(join(dir, 'image', '1', 'model.onnx'), imageModel());
  const server = await startServer(['--model_name=image', `--model_base_path=${join(dir, 'image')}`], {}, { grpc: true });
  const url = `${server.url}/v1/models/image:predict`;
  const pixels = image();
  const json = new TextEncoder().encode(jsonBody(pixels));
  const proto = protoBody('image', pixels);
  const transports: { name: string; bytes: number; caller: Caller }[] = [
    { name: 'JSON over HTTP (REST)', bytes: json.byteLength, caller: httpCaller(url, json, 'application/json', concurrency) },
    { name: 'protobuf over HTTP (application/x-protobuf)', bytes: proto.byteLength, caller: httpCaller(url, proto, 'application/x-protobuf', concurrency) },
    { name: 'gRPC Predict', bytes: proto.byteLength, caller: grpcCaller(server.grpcAddress!, proto) },
  ];
  try {
    await sameAnswers(url, json, proto);
    const results: TransportResult[] = [];
    for (const t of transports) {
      for (let i = 0; i < 3; i++) await t.caller.call(); // warm connections
      const loop = closedLoop(concurrency, t.caller.call);
      const { summary } = await measure(() => loop.drain(), steady, async () => undefined);
      await loop.stop();
      console.log(`${t.name}: ${summary.rowsPerSec.toFixed(1)} req/s, p50 ${summary.p50Ms.toFixed(1)} ms, p99 ${summary.p99Ms.toFixed(1)} ms`);
      results.push({ transport: t.name, requestBytes: t.bytes, summary });
    }
    const date = new Date().toISOString().slice(0, 10);
    const report = transportReport(results, {
      date,
      command: ['npm run bench:transport', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
      machine:
        `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}; ` +
        `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end (the bench client shares the machine)`,
      concurrency,
      windowMs: steady.windowMs,
    });
    mkdirSync(values.out!, { recursive: true });
    const file = join(values.out!, `${date}-transport.md`);
    writeFileSync(file, report);
    console.log(`\n${report}\nwrote ${file}`);
  } finally {
    for (const t of transports) t.caller.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The three transports must agree before their speed means anything. */
async function sameAnswers(url: string, json: Uint8Array, proto: Uint8Array): Promise<void> {
  const a = await fetch(url, { method: 'POST', body: new Uint8Array(json) }).then((r) => r.json());
  const b = await fetch(url, { method: 'POST', body: new Uint8Array(proto), headers: { 'content-type': 'application/x-protobuf' } }).then((r) => r.arrayBuffer());
  const decoded = decodeMessage<any>(lookupType('tensorflow.serving.PredictResponse'), new Uint8Array(b));
  const viaJson = (a.predictions[0] as number[]).map(Math.fround);
  if (JSON.stringify(viaJson) !== JSON.stringify(decoded.outputs.y.float_val)) {
    throw new Error(`JSON and protobuf answers differ: ${JSON.stringify(viaJson)} vs ${JSON.stringify(decoded.outputs.y.float_val)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * The server a user writes in an afternoon: node:http, JSON.parse / JSON.stringify, onnxruntime-node
 * with default options, and a naive queue that runs up to --max-batch rows together while the
 * previous run is in flight. TF Serving's row format in and out ({"instances"} -> {"predictions"}).
 * No versions, no validation beyond what JSON.parse and onnxruntime do.
 *
 *   node --import tsx bench/plain-server.ts --model=FILE.onnx [--port=0] [--max-batch=32]
 *
 * Prints `listening at http://127.0.0.1:PORT` once it accepts requests; exits 0 on SIGTERM.
 */
import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';

const { values } = parseArgs({ options: { model: { type: 'string' }, port: { type: 'string', default: '0' }, 'max-batch': { type: 'string', default: '32' } } });
if (!values.model) throw new Error('--model=FILE.onnx is required');
const maxBatch = Number(values['max-batch']);
const session = await ort.InferenceSession.create(values.model);
const [inputName] = session.inputNames;
const [outputName] = session.outputNames;

interface Job { rows: number[][]; res: ServerResponse }
const queue: Job[] = [];
let running = false;

async function drain(): Promise<void> {
  if (running || queue.length === 0) return;
  running = true;
  const jobs: Job[] = [];
  let n = 0;
  while (queue.length > 0 && (jobs.length === 0 || n + queue[0].rows.length <= maxBatch)) n += queue[0].rows.length, jobs.push(queue.shift()!);
  try {
    const x = new ort.Tensor('float32', Float32Array.from(jobs.flatMap((j) => j.rows.flat())), [n, jobs[0].rows[0].length]);
    const y = (await session.run({ [inputName]: x }))[outputName];
    const cols = y.dims[1];
    const data = y.data as Float32Array;
    let row = 0;
    for (const job of jobs) {
      const predictions = job.rows.map(() => Array.from(data.subarray(row * cols, ++row * cols)));
      job.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ predictions }));
    }
  } catch (err) {
    for (const job of jobs) job.res.writeHead(500).end(String(err));
  }
  running = false;
  void drain();
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      queue.push({ rows: (JSON.parse(Buffer.concat(chunks).toString()) as { instances: number[][] }).instances, res });
      void drain();
    } catch (err) {
      res.writeHead(400).end(String(err));
    }
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening at http://127.0.0.1:${(server.address() as { port: number }).port}`);
});
process.once('SIGTERM', () => (server.close(() => process.exit(0)), server.closeAllConnections()));

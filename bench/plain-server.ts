/**
 * The baseline users write by hand: Hono + @hono/node-server + onnxruntime-node, one session.run
 * per request, TF Serving's row format in and out ({"instances": [[...]]} -> {"predictions"}).
 * No batching, no versions, no validation beyond what JSON.parse and onnxruntime do.
 *
 *   node --import tsx bench/plain-server.ts --model=FILE.onnx [--port=0]
 *
 * Prints `listening at http://127.0.0.1:PORT` once it accepts requests.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';

const { values } = parseArgs({ options: { model: { type: 'string' }, port: { type: 'string', default: '0' } } });
if (!values.model) throw new Error('--model=FILE.onnx is required');
const session = await ort.InferenceSession.create(values.model);
const [inputName] = session.inputNames;
const [outputName] = session.outputNames;

const app = new Hono();
app.post('/v1/models/:target{[^/]+:predict}', async (c) => {
  const { instances } = await c.req.json<{ instances: number[][] }>();
  const x = new ort.Tensor('float32', Float32Array.from(instances.flat()), [instances.length, instances[0].length]);
  const y = (await session.run({ [inputName]: x }))[outputName];
  const [rows, cols] = y.dims;
  const data = y.data as Float32Array;
  const predictions = Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * cols, (i + 1) * cols)));
  return c.json({ predictions });
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(values.port) }, (info) => {
  console.log(`listening at http://127.0.0.1:${info.port}`);
});

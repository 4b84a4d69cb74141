import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO, OCR_IMAGE, OCR_TEXT, OWW, writeRealChains } from '../fixtures/real-chains.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The two real chains of test/fixtures/real-chains.ts served by the real server, with batching on
// (every step's model goes through its batcher): openWakeWord's score compared with the same
// models run here directly, PaddleOCR's text with the text drawn into the image
// (test/fixtures/ocr/make-images.py).
let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-real-chains-'));
  const models = writeRealChains(dir);
  writeFileSync(join(dir, 'models.config'), `model_config_list { ${models.map((m) => `config { name: "${m}" base_path: "${join(dir, m)}" model_platform: "onnx" }`).join(' ')} }`);
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`, '--enable_batching']);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const predict = async (model: string, body: BodyInit, type: string) => {
  const res = await fetch(`${server.url}/v1/models/${model}:predict`, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: res.status, body: (await res.json()) as any };
};

/** 16-bit PCM samples of a WAV file, as the int16 values openWakeWord feeds its models. */
function pcm16(file: string): Int16Array {
  const bytes = readFileSync(file);
  let at = 12;
  while (bytes.toString('latin1', at, at + 4) !== 'data') at += 8 + bytes.readUInt32LE(at + 4);
  const data = bytes.subarray(at + 8, at + 8 + bytes.readUInt32LE(at + 4));
  return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

/** openWakeWord's predict_clip, written out: 1 s of silence each side, mel / 10 + 2, 76-frame windows every 8, every 16 embeddings through the head; the best score. */
async function referenceScore(file: string): Promise<number> {
  const open = (name: string) => ort.InferenceSession.create(join(OWW, name));
  const [mel, embedding, head] = await Promise.all([open('melspectrogram.onnx'), open('embedding_model.onnx'), open('hey_jarvis_v0.1.onnx')]);
  try {
    const clip = pcm16(file);
    const samples = new Float32Array(clip.length + 32000);
    clip.forEach((v, i) => (samples[16000 + i] = v));
    const melOut = (await mel.run({ input: new ort.Tensor('float32', samples, [1, samples.length]) })).output;
    const frames = melOut.dims[2];
    const spec = Float32Array.from(melOut.data as Float32Array, (v) => v / 10 + 2);
    const windows: number[] = [];
    for (let start = 0; start + 76 <= frames; start += 8) windows.push(...spec.subarray(start * 32, (start + 76) * 32));
    const count = windows.length / (76 * 32);
    const emb = (await embedding.run({ input_1: new ort.Tensor('float32', Float32Array.from(windows), [count, 76, 32, 1]) })).conv2d_19.data as Float32Array;
    let best = -Infinity;
    for (let k = 0; k + 16 <= count; k++) {
      const out = await head.run({ [head.inputNames[0]]: new ort.Tensor('float32', emb.slice(k * 96, (k + 16) * 96), [1, 16, 96]) });
      best = Math.max(best, (out[head.outputNames[0]].data as Float32Array)[0]);
    }
    return best;
  } finally {
    await Promise.all([mel.release(), embedding.release(), head.release()]);
  }
}

describe('openWakeWord: audio in, a score out, through three models', () => {
  it('scores a raw WAV body as the models run directly do, and tells the wake word from another', async () => {
    for (const clip of ['hey_jarvis.wav', 'alexa.wav']) {
      const res = await predict('hey_jarvis', readFileSync(join(AUDIO, clip)), 'audio/wav');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const [score] = res.body.predictions as number[];
      expect(Math.abs(score - (await referenceScore(join(AUDIO, clip)))), clip).toBeLessThan(1e-5);
      if (clip === 'hey_jarvis.wav') expect(score).toBeGreaterThan(0.9);
      else expect(score).toBeLessThan(0.01);
    }
  });

  it('resamples a clip recorded at another rate, and takes several clips per request as {"b64": ...}', async () => {
    const b64 = (clip: string) => ({ b64: readFileSync(join(AUDIO, clip)).toString('base64') });
    const res = await predict('hey_jarvis', JSON.stringify({ instances: [b64('hey_jarvis_22k.wav'), b64('alexa.wav')] }), 'application/json');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [resampled, other] = res.body.predictions as number[];
    expect(resampled).toBeGreaterThan(0.9);
    expect(other).toBeLessThan(0.01);
  });

  it('shows the audio input and the score in metadata, and answers 400 for bytes that are not a WAV', async () => {
    const def = ((await (await fetch(`${server.url}/v1/models/hey_jarvis/metadata`)).json()) as any).metadata.signature_def.signature_def.serving_default;
    expect(Object.keys(def.inputs)).toEqual(['audio']);
    expect(def.inputs.audio.dtype).toBe('DT_STRING');
    expect(Object.keys(def.outputs)).toEqual(['score']);
    const res = await predict('hey_jarvis', readFileSync(OCR_IMAGE), 'audio/wav');
    expect(res).toEqual({ status: 400, body: { error: 'input audio: not a WAV file (no RIFF/WAVE header)' } });
  });
});

describe('PaddleOCR: an image in, its text out, through a detector, a classifier and a recognizer', () => {
  it('reads every line, turning the upside-down one', async () => {
    const res = await predict('ocr', readFileSync(OCR_IMAGE), 'image/png');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [answer] = res.body.predictions as { text: string; line_scores: number[]; boxes: number[][] }[];
    expect(answer.text).toBe(OCR_TEXT);
    expect(answer.line_scores).toHaveLength(3);
    for (const score of answer.line_scores) expect(score).toBeGreaterThan(0.9);
    // The boxes, top to bottom, in the detector's input (the 480 x 240 page: a multiple of 32 already).
    expect(answer.boxes.map((b) => b[1] < b[3] && b[3] <= 240)).toEqual([true, true, true]);
    expect(answer.boxes[0][1]).toBeLessThan(answer.boxes[1][1]);
  });
});

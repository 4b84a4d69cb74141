import { open, type FileHandle } from 'node:fs/promises';

/**
 * Rewrites a single-file ONNX model as a graph and its weights: every initializer's raw_data of
 * 1 KiB or more moves to `weightsName` beside the new model.onnx (ONNX external data, each tensor
 * at a 4 KiB-aligned offset), the rest of the file is copied as it is. onnxruntime then maps the
 * weights from disk instead of parsing them into a protobuf and copying them out of it, so a cold
 * load holds the weights once, not three times (bench/cold-load-memory.ts). The model is read with
 * positioned reads, field by field, so neither the source nor the weights pass through JS memory
 * whole; the new model.onnx (the graph without its weights: small) is returned.
 *
 * Resolves to null, writing nothing usable, when the model already keeps some weights in external
 * data (it is loaded as it is then). Field numbers: proto/onnx.proto (ModelProto.graph = 7,
 * GraphProto.initializer = 5, TensorProto.raw_data = 9, external_data = 13, data_location = 14).
 */
export async function splitWeights(source: string, modelOut: string, weightsOut: string, weightsName: string): Promise<Uint8Array | null> {
  const src = await open(source, 'r');
  const weights = await open(weightsOut, 'w');
  try {
    const size = (await src.stat()).size;
    const state = { src, weights, weightsName, written: 0 };
    const model = await message(state, 0, size, modelField);
    if (!model) return null;
    const bytes = concat(model);
    const out = await open(modelOut, 'w');
    try {
      await out.writeFile(bytes);
    } finally {
      await out.close();
    }
    return bytes;
  } finally {
    await src.close();
    await weights.close();
  }
}

interface State {
  src: FileHandle;
  weights: FileHandle;
  weightsName: string;
  /** Bytes of the weights file so far. */
  written: number;
}

/** What to do with one length-delimited field: copy it (undefined), or its new bytes, or null: give up. */
type FieldRule = (state: State, field: number, start: number, end: number) => Promise<Buffer[] | null | undefined>;

const LEN = 2;
const ALIGN = 4096;
const MIN_EXTERNAL = 1024;

const modelField: FieldRule = async (state, field, start, end) => (field === 7 ? wrapped(7, await message(state, start, end, graphField)) : undefined);
const graphField: FieldRule = async (state, field, start, end) => (field === 5 ? wrapped(5, await tensor(state, start, end)) : undefined);

/** The fields of the message at [start, end), each copied or rewritten by `rule`. */
async function message(state: State, start: number, end: number, rule: FieldRule): Promise<Buffer[] | null> {
  const out: Buffer[] = [];
  for (let at = start; at < end; ) {
    const head = await read(state.src, at, Math.min(20, end - at));
    const [key, keyLength] = varint(head, 0);
    const wire = key % 8;
    const field = Math.floor(key / 8);
    let length: number;
    let bodyAt = at + keyLength;
    if (wire === LEN) {
      const [n, lengthBytes] = varint(head, keyLength);
      bodyAt += lengthBytes;
      length = n;
      const rewritten = await rule(state, field, bodyAt, bodyAt + length);
      if (rewritten === null) return null;
      if (rewritten) {
        out.push(...rewritten);
        at = bodyAt + length;
        continue;
      }
    } else if (wire === 0) length = varint(head, keyLength)[1];
    else if (wire === 1) length = 8;
    else if (wire === 5) length = 4;
    else throw new Error(`unsupported wire type ${wire} at byte ${at}`);
    out.push(await read(state.src, at, bodyAt + length - at));
    at = bodyAt + length;
  }
  return out;
}

/** An initializer with its raw_data moved to the weights file (when large enough); null if it already has external data. */
async function tensor(state: State, start: number, end: number): Promise<Buffer[] | null> {
  const found: { raw?: [number, number] } = {};
  const kept = await message(state, start, end, async (_state, field, bodyAt, bodyEnd) => {
    if (field === 13) return null;
    if (field !== 9 || bodyEnd - bodyAt < MIN_EXTERNAL) return undefined;
    found.raw = [bodyAt, bodyEnd - bodyAt];
    return [];
  });
  if (!kept || !found.raw) return kept;
  const [from, length] = found.raw;
  const offset = Math.ceil(state.written / ALIGN) * ALIGN;
  await copy(state.src, from, state.weights, offset, length);
  state.written = offset + length;
  const entry = (key: string, value: string) => wrapped(13, [...text(1, key), ...text(2, value)])!;
  return [...kept, ...entry('location', state.weightsName), ...entry('offset', String(offset)), ...entry('length', String(length)), Buffer.from([(14 << 3) | 0, 1])];
}

async function copy(src: FileHandle, from: number, dest: FileHandle, to: number, length: number): Promise<void> {
  const chunk = Buffer.alloc(Math.min(length, 1 << 20));
  for (let done = 0; done < length; ) {
    const { bytesRead } = await src.read(chunk, 0, Math.min(chunk.length, length - done), from + done);
    if (bytesRead === 0) throw new Error(`the model ends inside a tensor (byte ${from + done})`);
    await dest.write(chunk, 0, bytesRead, to + done);
    done += bytesRead;
  }
}

async function read(fh: FileHandle, at: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, at);
  if (bytesRead < length) throw new Error(`the model ends early (byte ${at + bytesRead})`);
  return buf;
}

function varint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    value += (buf[i] & 0x7f) * scale;
    scale *= 128;
    if (buf[i] < 0x80) return [value, i + 1 - at];
  }
  throw new Error('a varint runs past its field');
}

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

function wrapped(field: number, parts: Buffer[] | null): Buffer[] | null {
  if (!parts) return null;
  const length = parts.reduce((n, p) => n + p.length, 0);
  return [Buffer.from([...encodeVarint((field << 3) | LEN), ...encodeVarint(length)]), ...parts];
}

function text(field: number, value: string): Buffer[] {
  return wrapped(field, [Buffer.from(value)])!;
}

function concat(parts: Buffer[]): Uint8Array {
  const all = Buffer.concat(parts);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

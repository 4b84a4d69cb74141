import type { SetTimer } from '../clock.ts';
import type { Counter } from '../metrics/registry.ts';
import type { Tensor, TensorSpec } from '../tensor/tensor.ts';
import { nestedArrays } from '../tensor/nested.ts';
import type { CaptureSettings } from './capture-settings.ts';

/**
 * Captured payloads: a sample of each model's requests (model.json "capture", capture-settings.ts)
 * with their inputs and outputs, written as JSON lines under the model's own folder or bucket:
 *
 *   <model base>/captures/<YYYY-MM-DD>/<time>-<random>.jsonl   one object per flush and model
 *
 * One line per request: {"time", "request_id", "api", "model", "version", "label", "status",
 * "error_code", "error", "request": {"inputs": {name: value}}, "outputs": {name: value}}. The
 * request is TF Serving's columnar predict body, so `edgeserve replay` (cli/replay.ts) can send it
 * again as it is; strings of bytes are {"b64": ...}, int64 exact.
 *
 * Capture never slows or fails a request: offer() keeps references to the request's tensors (no
 * copy, no encoding) in a buffer bounded by maxBufferBytes; a request that would overflow it is
 * dropped. flush() encodes and writes in the background, every flushAfterMs (Node, the
 * container, Deno), or when the target asks (Lambda before an invocation ends, Workers in the
 * request's waitUntil). Written and dropped records are counted in edgeserve_capture_records_total;
 * a failed write is logged and its records counted as dropped.
 */
export interface CaptureSink {
  /** Writes `text` as `key` (a relative path) under the model's folder or bucket `location`. */
  write(location: string, key: string, text: string): Promise<void>;
}

export interface CaptureDeps {
  sink: CaptureSink;
  /** Wall-clock milliseconds (record times and object names). */
  now?: () => number;
  random?: () => number;
  counter?: Counter;
  /** Bytes of tensors the buffer may hold before requests are dropped; default 8 MiB. */
  maxBufferBytes?: number;
  /** With setTimer: flush this long after the first buffered record; default 1000 ms. Without: the target flushes. */
  flushAfterMs?: number;
  setTimer?: SetTimer;
  log?: (message: string) => void;
}

/** What the request wrapper knows of one finished request. */
export interface CaptureEntry {
  requestId?: string;
  api: string;
  model: string;
  version: number;
  label?: string;
  status: number;
  error?: { code: string; message: string };
  /** The tensors the servable was given and answered, with its input specs (which strings are bytes). */
  inputs?: Record<string, Tensor>;
  inputSpecs?: readonly TensorSpec[];
  outputs?: Record<string, Tensor>;
}

export interface Capture {
  /** Keeps the entry if the model's settings sample it and the buffer has room. Never throws. */
  offer(entry: CaptureEntry, settings: CaptureSettings, location: string): void;
  /** Writes what is buffered; resolves when the writes have ended (failed ones counted, never thrown). */
  flush(): Promise<void>;
}

interface Held {
  entry: CaptureEntry;
  settings: CaptureSettings;
  time: number;
}

export function createCapture(deps: CaptureDeps): Capture {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const maxBytes = deps.maxBufferBytes ?? 8 * 1024 * 1024;
  const byLocation = new Map<string, Held[]>();
  let bytes = 0;
  let cancelTimer: (() => void) | null = null;

  const count = (model: string, outcome: 'written' | 'dropped', n = 1) => deps.counter?.inc({ model, outcome }, n);

  function offer(entry: CaptureEntry, settings: CaptureSettings, location: string): void {
    const failed = entry.status >= 400;
    if (failed ? !settings.errors : !(settings.sampleRate > 0 && random() < settings.sampleRate)) return;
    const size = heldBytes(entry, settings);
    if (bytes + size > maxBytes) {
      count(entry.model, 'dropped');
      return;
    }
    bytes += size;
    const held = byLocation.get(location) ?? [];
    held.push({ entry, settings, time: now() });
    byLocation.set(location, held);
    if (deps.setTimer && !cancelTimer) cancelTimer = deps.setTimer(() => void flush(), deps.flushAfterMs ?? 1000);
  }

  async function flush(): Promise<void> {
    cancelTimer?.();
    cancelTimer = null;
    const batches = [...byLocation];
    byLocation.clear();
    bytes = 0;
    await Promise.all(
      batches.map(async ([location, held]) => {
        const model = held[0].entry.model;
        const iso = new Date(now()).toISOString();
        const key = `captures/${iso.slice(0, 10)}/${iso.replace(/[:.]/g, '-')}-${Math.floor(random() * 0xffffff).toString(16).padStart(6, '0')}.jsonl`;
        try {
          // Encoded a slice at a time, yielding between slices: a second's records at full rate
          // took 300 ms in one go (bench/results/2026-12-07-capture.md), stalling the requests behind it.
          const lines: string[] = [];
          for (let i = 0; i < held.length; i++) {
            if (i > 0 && i % ENCODE_SLICE === 0) await yieldToRequests();
            lines.push(captureLine(held[i].entry, held[i].settings, held[i].time) + '\n');
          }
          await deps.sink.write(location, key, lines.join(''));
          count(model, 'written', held.length);
        } catch (err) {
          count(model, 'dropped', held.length);
          deps.log?.(`model ${model}: cannot write captured requests to ${location}/${key}: ${(err as Error).message}`);
        }
      }),
    );
  }

  return { offer, flush };
}

/** Records encoded between two yields to the event loop (about 1 ms of work for a small model's records). */
const ENCODE_SLICE = 64;
const yieldToRequests = () => new Promise<void>((resume) => setTimeout(resume, 0));

const kept = (settings: CaptureSettings, tensors: Record<string, Tensor> | undefined): [string, Tensor][] =>
  Object.entries(tensors ?? {}).filter(([name]) => !settings.names || settings.names.includes(name));

function heldBytes(entry: CaptureEntry, settings: CaptureSettings): number {
  let size = 256;
  const add = (tensors: [string, Tensor][]) => {
    for (const [, t] of tensors) size += Array.isArray(t.data) ? (t.data as string[]).reduce((n, s) => n + s.length, 0) : (t.data as ArrayBufferView).byteLength;
  };
  if (settings.inputs) add(kept(settings, entry.inputs));
  if (settings.outputs) add(kept(settings, entry.outputs));
  return size;
}

/** One JSON line of a captured request (the format above). */
export function captureLine(entry: CaptureEntry, settings: CaptureSettings, time: number): string {
  const bytesInputs = new Set((entry.inputSpecs ?? []).filter((s) => s.bytes).map((s) => s.name));
  const record: Record<string, unknown> = {
    time: new Date(time).toISOString(),
    ...(entry.requestId && { request_id: entry.requestId }),
    api: entry.api,
    model: entry.model,
    version: entry.version,
    ...(entry.label !== undefined && { label: entry.label }),
    status: entry.status,
    ...(entry.error && { error_code: entry.error.code, error: entry.error.message }),
  };
  const inputs = settings.inputs ? kept(settings, entry.inputs) : [];
  const outputs = settings.outputs ? kept(settings, entry.outputs) : [];
  if (inputs.length) record.request = { inputs: Object.fromEntries(inputs.map(([name, t]) => [name, nestedValue(t, bytesInputs.has(name))])) };
  if (outputs.length) record.outputs = Object.fromEntries(outputs.map(([name, t]) => [name, nestedValue(t, false)]));
  // int64 values travel as exact digits: JSON.stringify has no bigint, so they pass as marked strings.
  return JSON.stringify(record, (_, v) => (typeof v === 'bigint' ? `${BIGINT}${v}` : v)).replace(BIGINT_STRING, '$1');
}

const BIGINT = '\u0000int64:';
const BIGINT_STRING = /"\\u0000int64:(-?\d+)"/g;

/** A tensor as nested arrays of its shape: bytes as {"b64"}, bool as true/false, int64 as bigint. */
function nestedValue(t: Tensor, bytes: boolean): unknown {
  const data = t.data as ArrayLike<unknown>;
  return nestedArrays(t, (i) => {
    const v = data[i];
    if (t.dtype === 'string') return bytes ? { b64: btoa(v as string) } : v;
    if (t.dtype === 'bool') return v === 1;
    return v;
  });
}

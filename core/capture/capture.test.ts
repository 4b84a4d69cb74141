import { describe, expect, it } from 'vitest';
import { Registry } from '../metrics/registry.ts';
import { readCapture } from './capture-settings.ts';
import { captureLine, createCapture, type CaptureEntry } from './capture.ts';

const f32 = (values: number[], dims = [values.length, 1]) => ({ dtype: 'float32' as const, dims, data: Float32Array.from(values) });
const entry = (over: Partial<CaptureEntry> = {}): CaptureEntry => ({ api: 'predict', model: 'm', version: 3, status: 200, inputs: { x: f32([1]) }, outputs: { y: f32([2.5]) }, ...over });
const all = readCapture({ sample_rate: 1 }, 'model.json: capture');

function setup(maxBufferBytes?: number, fail = false) {
  const writes: { location: string; key: string; text: string }[] = [];
  const registry = new Registry();
  const counter = registry.counter('edgeserve_capture_records_total', 'test');
  const logs: string[] = [];
  const capture = createCapture({
    sink: { write: async (location, key, text) => (fail ? Promise.reject(new Error('bucket is read-only')) : void writes.push({ location, key, text })) },
    counter,
    now: () => Date.UTC(2026, 11, 7, 10, 30),
    random: () => 0.5,
    maxBufferBytes,
    log: (m) => logs.push(m),
  });
  const count = (outcome: string) =>
    registry
      .render()
      .split('\n')
      .filter((l) => l.includes(`outcome="${outcome}"`))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  return { capture, writes, count, logs };
}

describe('capture', () => {
  it('writes what it holds on flush, one JSON-lines object per model folder under a dated prefix', async () => {
    const { capture, writes, count } = setup();
    capture.offer(entry({ requestId: 'a' }), all, '/repo/m');
    capture.offer(entry({ requestId: 'b' }), all, '/repo/m');
    capture.offer(entry({ model: 'n' }), all, 's3://bucket/n');
    await capture.flush();
    expect(writes.map((w) => [w.location, w.key.replace(/-[\da-f]{6}\.jsonl$/, '')])).toEqual([
      ['/repo/m', 'captures/2026-12-07/2026-12-07T10-30-00-000Z'],
      ['s3://bucket/n', 'captures/2026-12-07/2026-12-07T10-30-00-000Z'],
    ]);
    expect(writes[0].text.trim().split('\n').map((l) => JSON.parse(l).request_id)).toEqual(['a', 'b']);
    expect(count('written')).toBe(3);
    await capture.flush();
    expect(writes).toHaveLength(2);
  });

  it('samples successes at sample_rate, keeps failures unless errors is false', async () => {
    const { capture, writes } = setup();
    const half = readCapture({ sample_rate: 0.4 }, 'w');
    capture.offer(entry(), half, '/m'); // random 0.5 >= 0.4: left out
    capture.offer(entry({ status: 400, error: { code: 'INVALID_ARGUMENT', message: 'bad' } }), half, '/m');
    capture.offer(entry({ status: 500 }), readCapture({ sample_rate: 1, errors: false }, 'w'), '/m');
    await capture.flush();
    expect(writes[0].text.trim().split('\n').map((l) => JSON.parse(l).status)).toEqual([400]);
  });

  it('drops what would pass its buffer (counted), never holding more; a failed write is counted and logged', async () => {
    const { capture, writes, count } = setup(256 + 8 + 100);
    capture.offer(entry(), all, '/m');
    capture.offer(entry(), all, '/m');
    await capture.flush();
    expect(writes[0].text.trim().split('\n')).toHaveLength(1);
    expect([count('written'), count('dropped')]).toEqual([1, 1]);

    const failing = setup(undefined, true);
    failing.capture.offer(entry(), all, '/m');
    await failing.capture.flush();
    expect(failing.count('dropped')).toBe(1);
    expect(failing.logs[0]).toMatch(/^model m: cannot write captured requests to \/m\/captures\/.*: bucket is read-only$/);
  });

  it('writes TF Serving columnar requests: bytes as b64, int64 exact, bool; redacts by side and by name', () => {
    const line = JSON.parse(
      captureLine(
        entry({
          inputs: { image: { dtype: 'string', dims: [1], data: ['\u00ff\u0000\u0001'] }, ids: { dtype: 'int64', dims: [2], data: BigInt64Array.of(9007199254740993n, -1n) }, mask: { dtype: 'bool', dims: [1], data: Uint8Array.of(1) } },
          inputSpecs: [{ name: 'image', dtype: 'string', dims: [-1], bytes: true }],
          outputs: { label: { dtype: 'string', dims: [1], data: ['cat'] } },
        }),
        all,
        0,
      ),
    );
    expect(line.request.inputs).toEqual({ image: [{ b64: '/wAB' }], ids: [9007199254740993, -1], mask: [true] });
    expect(captureLine(entry({ inputs: { ids: { dtype: 'int64', dims: [1], data: BigInt64Array.of(9007199254740993n) } } }), all, 0)).toContain('"ids":[9007199254740993]');
    expect(line.outputs).toEqual({ label: ['cat'] });
    const only = JSON.parse(captureLine(entry({ inputs: { x: f32([1]), secret: f32([7]) } }), readCapture({ sample_rate: 1, names: ['x', 'y'], outputs: false }, 'w'), 0));
    expect(only.request.inputs).toEqual({ x: [[1]] });
    expect(only.outputs).toBeUndefined();
  });

  it('keeps a success only when the random draw is under sample_rate', async () => {
    const { capture, writes } = setup();
    // random() is 0.5 in setup: 0.5 keeps nothing, a hair more keeps it.
    capture.offer(entry({ requestId: 'under' }), readCapture({ sample_rate: 0.5 }, 'w'), '/m');
    capture.offer(entry({ requestId: 'over' }), readCapture({ sample_rate: 0.5000001 }, 'w'), '/m');
    await capture.flush();
    expect(writes[0].text.trim().split('\n').map((l) => JSON.parse(l).request_id)).toEqual(['over']);
  });

  it('holds a record that fills the buffer exactly, counting only the sides, names and characters it keeps', async () => {
    // A record is 256 bytes plus what it keeps: held at exactly its size, dropped one byte short.
    const fits = async (limit: number, e: CaptureEntry, settings = all) => {
      const s = setup(limit);
      s.capture.offer(e, settings, '/m');
      await s.capture.flush();
      return s.count('written') === 1;
    };
    const cases: [CaptureEntry, ReturnType<typeof readCapture>, number][] = [
      [entry(), all, 256 + 8],
      [entry(), readCapture({ sample_rate: 1, outputs: false }, 'w'), 256 + 4],
      [entry(), readCapture({ sample_rate: 1, inputs: false }, 'w'), 256 + 4],
      [entry({ inputs: { x: f32([1]), big: f32(new Array(100).fill(0)) } }), readCapture({ sample_rate: 1, names: ['x', 'y'] }, 'w'), 256 + 8],
      [entry({ inputs: { s: { dtype: 'string', dims: [2], data: ['ab', 'c'] } }, outputs: {} }), all, 256 + 3],
    ];
    for (const [e, settings, size] of cases) expect([await fits(size, e, settings), await fits(size - 1, e, settings)]).toEqual([true, false]);
  });

  it('flushes by itself flushAfterMs after the first record it holds, once', async () => {
    const writes: string[] = [];
    const timers: { fn: () => void; ms: number }[] = [];
    const capture = createCapture({ sink: { write: async (_, key) => void writes.push(key) }, flushAfterMs: 250, setTimer: (fn, ms) => (timers.push({ fn, ms }), () => {}) });
    capture.offer(entry(), all, '/m');
    capture.offer(entry(), all, '/m');
    expect(timers.map((t) => t.ms)).toEqual([250]);
    timers[0].fn();
    await new Promise((done) => setTimeout(done, 0));
    expect(writes).toHaveLength(1);
  });

  it('writes every record of a large flush, in order, a slice at a time', async () => {
    const { capture, writes } = setup();
    for (let i = 0; i < 150; i++) capture.offer(entry({ requestId: `r${i}` }), all, '/m');
    await capture.flush();
    expect(writes[0].text.trim().split('\n').map((l) => JSON.parse(l).request_id)).toEqual(Array.from({ length: 150 }, (_, i) => `r${i}`));
  });

  it("records the label and the error, a tensor's shape, false booleans, and text strings as text", () => {
    const line = JSON.parse(
      captureLine(
        entry({
          label: 'canary',
          status: 400,
          error: { code: 'INVALID_ARGUMENT', message: 'bad x' },
          inputs: { x: f32([1, 2, 3, 4, 5, 6], [2, 3]), flags: { dtype: 'bool', dims: [2], data: Uint8Array.of(0, 1) }, text: { dtype: 'string', dims: [1], data: ['héllo'] } },
        }),
        all,
        Date.UTC(2026, 0, 2),
      ),
    );
    expect(line).toMatchObject({ time: '2026-01-02T00:00:00.000Z', label: 'canary', status: 400, error_code: 'INVALID_ARGUMENT', error: 'bad x', version: 3, api: 'predict', model: 'm' });
    expect(line.request.inputs).toEqual({ x: [[1, 2, 3], [4, 5, 6]], flags: [false, true], text: ['héllo'] });
    const bare = JSON.parse(captureLine(entry({ inputs: {}, outputs: {} }), all, 0));
    expect(bare).not.toHaveProperty('request');
    expect(bare).not.toHaveProperty('outputs');
    expect(bare).not.toHaveProperty('label');
    expect(bare).not.toHaveProperty('error_code');
  });

  it('refuses a capture setting it cannot honour, naming it', () => {
    expect(() => readCapture({ sample_rate: 2 }, 'm/model.json: capture')).toThrow('m/model.json: capture: sample_rate must be a number from 0 to 1');
    expect(() => readCapture({ rate: 1 }, 'w')).toThrow('w: unknown key "rate"');
    expect(() => readCapture({ names: 'x' }, 'w')).toThrow('w: names must be a list of tensor names');
    expect(() => readCapture({ inputs: 'no' }, 'w')).toThrow('w: inputs must be true or false');
  });
});

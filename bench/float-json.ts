import { writeFloat32 } from '../core/tensor/json/float-bytes.ts';
import { formatFloat32 } from '../core/tensor/json/float-format.ts';
import { mulberry32 } from '../test/fixtures/onnx-writer.ts';

/**
 * ns per float of writeFloat32 (core/tensor/json/float-bytes.ts), the hot path of float32 JSON
 * responses, against the implementation it replaced (`before`, below, kept only for this A/B).
 * Two inputs of 1,000,000 float32 each: uniform in [-1, 1) (model outputs, e.g. an MLP's logits)
 * and log-uniform magnitudes in 1e-4..1e4 with random signs. Rounds alternate before/after in one
 * process so that load from other processes hits both alike; the median round is printed. Before
 * timing, both writers' bytes are compared on every input float.
 *   node --import tsx bench/float-json.ts [--rounds=N]
 */
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 9);
const N = 1_000_000;

function inputs(): { name: string; values: Float32Array }[] {
  const random = mulberry32(7);
  const uniform = new Float32Array(N);
  const logUniform = new Float32Array(N);
  for (let i = 0; i < N; i++) uniform[i] = random() * 2 - 1;
  for (let i = 0; i < N; i++) logUniform[i] = (random() < 0.5 ? -1 : 1) * 10 ** (random() * 8 - 4);
  return [
    { name: 'uniform [-1, 1)', values: uniform },
    { name: 'log-uniform 1e-4..1e4', values: logUniform },
  ];
}

type Writer = (out: Uint8Array, pos: number, x: number) => number;
const out = new Uint8Array(N * 16);

/** Writes every value, comma-separated as in a response row; returns ns per float. */
function time(write: Writer, values: Float32Array): number {
  const t0 = process.hrtime.bigint();
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    pos = write(out, pos, values[i]);
    out[pos++] = 0x2c;
  }
  return Number(process.hrtime.bigint() - t0) / values.length;
}

function sameBytes(values: Float32Array): void {
  const a = new Uint8Array(16);
  const b = new Uint8Array(16);
  for (const x of values) {
    const na = before(a, 0, x);
    const nb = writeFloat32(b, 0, x);
    if (na !== nb || a.subarray(0, na).some((v, i) => v !== b[i])) throw new Error(`before and after differ on ${x}`);
  }
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1];

function main(): void {
  for (const { name, values } of inputs()) {
    sameBytes(values);
    const ns = { before: [] as number[], after: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      ns.before.push(time(before, values));
      ns.after.push(time(writeFloat32, values));
    }
    const b = median(ns.before);
    const a = median(ns.after);
    const all = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
    console.log(`${name}: before ${b.toFixed(1)} ns/float, after ${a.toFixed(1)} ns/float, ${(b / a).toFixed(2)}x`);
    console.log(`  rounds before: ${all(ns.before)}; after: ${all(ns.after)}`);
  }
}

// The writer this replaced (commit ba9934f), for the A/B only.
function before(out: Uint8Array, pos: number, x: number): number {
  const f = Math.fround(x);
  if (f !== f || f === Infinity || f === -Infinity) return writeAscii(out, pos, formatFloat32(f));
  let a = f;
  if (f < 0 || (f === 0 && 1 / f < 0)) {
    out[pos++] = 45;
    a = -f;
  }
  if (a === 0) {
    out[pos] = 48;
    out[pos + 1] = 46;
    out[pos + 2] = 48;
    return pos + 3;
  }
  if (a >= 1e-7 && a < 1e6) {
    let e = Math.floor(Math.log10(a));
    if (a * P10[5 - e] >= 1e6) e++;
    else if (a * P10[5 - e] < 1e5) e--;
    const k = 5 - e;
    if (k >= 0 && k <= 12) {
      let m = roundEven(a * P10[k]);
      let x6 = e;
      if (m === 1e6) (m = 1e5), (x6 += 1);
      const trip = roundTrips6(m, x6 - 5, a);
      if (trip === true) return writeG(out, pos, m, 6, x6);
      if (trip === false && k + 3 <= 12) {
        let m9 = roundEven(a * P10[k + 3]);
        let x9 = e;
        if (m9 === 1e9) (m9 = 1e8), (x9 += 1);
        return writeG(out, pos, m9, 9, x9);
      }
    }
  }
  return writeAscii(out, pos, formatFloat32(a));
}

function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

const P10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const DIGITS = new Uint8Array(10);

function roundTrips6(m: number, k: number, a: number): boolean | null {
  if (k > 22 || k < -22) return null;
  const v = k >= 0 ? m * P10[k] : m / P10[-k];
  const r = Math.fround(v);
  if (r !== v && Math.fround(2 * v - r) === 2 * v - r) return null;
  return r === a;
}

function roundEven(v: number): number {
  const m = Math.floor(v);
  const r = v - m;
  return r > 0.5 || (r === 0.5 && (m & 1) === 1) ? m + 1 : m;
}

function writeG(out: Uint8Array, pos: number, m: number, p: number, x: number): number {
  while (m % 10 === 0) m /= 10;
  let n = 0;
  for (; m > 0; m = (m / 10) | 0) DIGITS[n++] = 48 + (m % 10);
  if (x < -4 || x >= p) {
    out[pos++] = DIGITS[n - 1];
    if (n > 1) {
      out[pos++] = 46;
      for (let i = n - 2; i >= 0; i--) out[pos++] = DIGITS[i];
    }
    out[pos++] = 101;
    out[pos++] = x < 0 ? 45 : 43;
    const ax = x < 0 ? -x : x;
    if (ax >= 10) out[pos++] = 48 + ((ax / 10) | 0);
    else out[pos++] = 48;
    out[pos++] = 48 + (ax % 10);
    return pos;
  }
  if (x < 0) {
    out[pos++] = 48;
    out[pos++] = 46;
    for (let i = -x - 1; i > 0; i--) out[pos++] = 48;
    for (let i = n - 1; i >= 0; i--) out[pos++] = DIGITS[i];
    return pos;
  }
  if (n <= x + 1) {
    for (let i = n - 1; i >= 0; i--) out[pos++] = DIGITS[i];
    for (let i = x + 1 - n; i > 0; i--) out[pos++] = 48;
    out[pos++] = 46;
    out[pos++] = 48;
    return pos;
  }
  for (let i = n - 1; i >= 0; i--) {
    out[pos++] = DIGITS[i];
    if (i === n - 1 - x) out[pos++] = 46;
  }
  return pos;
}

main();

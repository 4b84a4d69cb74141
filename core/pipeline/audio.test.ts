import { describe, expect, it } from 'vitest';
import { servingErrorMessage } from '../../test/support/thrown.ts';
import { ServingError } from '../errors.ts';
import { decodeWav, resample, type AudioOptions } from './audio.ts';

// WAV files built here, byte by byte: a RIFF header, any extra chunks, `fmt `, then `data`.
interface Fmt {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  /** WAVE_FORMAT_EXTENSIBLE with this subformat (1 PCM, 3 float). */
  subformat?: number;
}

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const u16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** One chunk, padded to an even length; `declared` overrides the size field. */
const chunk = (id: string, body: ArrayLike<number>, declared = body.length) => [...ascii(id), ...u32(declared), ...Array.from(body), ...(body.length % 2 ? [0] : [])];

function fmtChunk({ tag = 1, channels = 1, rate = 16000, bits = 16, blockAlign, subformat }: Fmt): number[] {
  const align = blockAlign ?? (channels * bits) / 8;
  const common = [...u16(subformat === undefined ? tag : 0xfffe), ...u16(channels), ...u32(rate), ...u32(rate * align), ...u16(align), ...u16(bits)];
  if (subformat === undefined) return chunk('fmt ', common);
  // cbSize 22, valid bits, channel mask, then the subformat GUID xxxx0000-0000-0010-8000-00aa00389b71.
  const guid = [...u16(subformat), 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
  return chunk('fmt ', [...common, ...u16(22), ...u16(bits), ...u32(channels === 2 ? 3 : 4), ...guid]);
}

function wav(fmt: Fmt, data: ArrayLike<number>, options: { before?: number[][]; dataSize?: number } = {}): Uint8Array {
  const body = [...ascii('WAVE'), ...(options.before ?? []).flat(), ...fmtChunk(fmt), ...chunk('data', data, options.dataSize)];
  return Uint8Array.from([...ascii('RIFF'), ...u32(body.length), ...body]);
}

/** Little-endian sample bytes through a DataView setter. */
function encode(values: number[], size: number, set: (view: DataView, at: number, v: number) => void): number[] {
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => set(view, i * size, v));
  return Array.from(new Uint8Array(view.buffer));
}
const int16 = (values: number[]) => encode(values, 2, (d, at, v) => d.setInt16(at, v, true));
const int24 = (values: number[]) => encode(values, 3, (d, at, v) => [d.setUint16(at, v & 0xffff, true), d.setInt8(at + 2, v >> 16)]);
const int32 = (values: number[]) => encode(values, 4, (d, at, v) => d.setInt32(at, v, true));
const float32 = (values: number[]) => encode(values, 4, (d, at, v) => d.setFloat32(at, v, true));
const float64 = (values: number[]) => encode(values, 8, (d, at, v) => d.setFloat64(at, v, true));

const options = (over: Partial<AudioOptions> = {}): AudioOptions => ({ rate: 16000, maxSeconds: 30, where: 'input audio', ...over });
const decode = (bytes: Uint8Array, over: Partial<AudioOptions> = {}) => Array.from(decodeWav(bytes, options(over)));
const refused = (bytes: Uint8Array, over: Partial<AudioOptions> = {}) => servingErrorMessage(() => decodeWav(bytes, options(over)));
const f32 = (values: number[]) => values.map(Math.fround);

describe('decodeWav: sample formats', () => {
  it('16-bit PCM: x / 32768', () => {
    const values = [0, 1, -1, 32767, -32768, 12345];
    expect(decode(wav({ bits: 16 }, int16(values)))).toEqual(f32(values.map((v) => v / 32768)));
  });

  it('24-bit PCM: x / 8388608, sign-extended', () => {
    const values = [0, 8388607, -8388608, -1, 123456, -654321];
    expect(decode(wav({ bits: 24 }, int24(values)))).toEqual(f32(values.map((v) => v / 8388608)));
  });

  it('8-bit PCM is unsigned: (x - 128) / 128', () => {
    expect(decode(wav({ bits: 8 }, [0, 128, 255, 1, 200]))).toEqual(f32([-1, 0, 127 / 128, -127 / 128, 72 / 128]));
  });

  it('32-bit PCM: x / 2147483648', () => {
    const values = [0, 2147483647, -2147483648, -5, 1 << 20];
    expect(decode(wav({ bits: 32 }, int32(values)))).toEqual(f32(values.map((v) => v / 2147483648)));
  });

  it('32 and 64-bit IEEE float, as sent (not clipped)', () => {
    const values = [0, 0.5, -0.25, 1.5, -1, 1e-7];
    expect(decode(wav({ tag: 3, bits: 32 }, float32(values)))).toEqual(f32(values));
    expect(decode(wav({ tag: 3, bits: 64 }, float64(values)))).toEqual(f32(values));
  });

  it('averages several channels to mono', () => {
    const stereo = int16([1000, 3000, -32768, 32767, 100, -100]);
    expect(decode(wav({ channels: 2 }, stereo))).toEqual(f32([2000 / 32768, -0.5 / 32768, 0]));
    const three = float32([0.3, 0.6, 0.9, -1, 0, 1]);
    expect(decode(wav({ tag: 3, bits: 32, channels: 3 }, three))).toEqual(f32([(Math.fround(0.3) + Math.fround(0.6) + Math.fround(0.9)) / 3, 0]));
  });

  it('WAVE_FORMAT_EXTENSIBLE with a PCM or float subformat', () => {
    expect(decode(wav({ bits: 24, subformat: 1 }, int24([4194304, -4194304])))).toEqual([0.5, -0.5]);
    expect(decode(wav({ bits: 32, channels: 2, subformat: 3 }, float32([0.25, 0.75, -1, 0])))).toEqual([0.5, -0.5]);
    expect(refused(wav({ bits: 16, subformat: 2 }, int16([0])))).toBe('input audio: WAV extensible subformat 2 is not supported; send PCM or float WAV');
  });

  it('skips other chunks, odd-sized ones with their pad byte', () => {
    const before = [chunk('LIST', ascii('INFOx')), chunk('junk', [1, 2, 3, 4, 5, 6, 7]), chunk('odd ', [9])];
    const values = [100, -200, 300];
    expect(before[0].length).toBe(8 + 5 + 1);
    expect(decode(wav({}, int16(values), { before }))).toEqual(f32(values.map((v) => v / 32768)));
  });

  it('reads to the end of the file when the data size is 0 or 0xFFFFFFFF (streaming writers)', () => {
    for (const dataSize of [0, 0xffffffff]) {
      expect(decode(wav({}, int16([16384, -16384, 8192]), { dataSize }))).toEqual([0.5, -0.5, 0.25]);
    }
  });

  it('drops a trailing partial frame', () => {
    expect(decode(wav({ channels: 2 }, [...int16([16384, 16384]), 7, 7]))).toEqual([0.5]);
  });
});

describe('decodeWav: refusals', () => {
  it('refuses a clip over maxSeconds from its header, before reading the samples', () => {
    // 44 bytes that declare an hour of 16 kHz 16-bit mono.
    const hour = wav({}, [], { dataSize: 3600 * 16000 * 2 });
    expect(hour.length).toBe(44);
    expect(refused(hour)).toBe("input audio: the WAV is 3600 seconds, over this model's limit of 30");
    const long = wav({ rate: 1000 }, int16(new Array(31200).fill(0)));
    expect(refused(long, { where: 'input audio, example 1' })).toBe("input audio, example 1: the WAV is 31.2 seconds, over this model's limit of 30");
    expect(decode(wav({ rate: 16000 }, int16(new Array(16000).fill(0))), { maxSeconds: 1 })).toHaveLength(16000);
  });

  it('refuses a truncated upload rather than shortening it', () => {
    expect(refused(wav({}, int16([1, 2, 3, 4, 5]), { dataSize: 1000 }))).toBe('input audio: truncated (the data chunk declares 1000 bytes, 10 are present)');
    const full = wav({}, int16(new Array(100).fill(7)));
    expect(refused(full.subarray(0, full.length - 1))).toBe('input audio: truncated (the data chunk declares 200 bytes, 199 are present)');
    expect(refused(full.subarray(0, 30))).toBe('input audio: truncated (the fmt chunk runs past the end of the file)');
  });

  it('refuses compressed formats, naming them', () => {
    expect(refused(wav({ tag: 85, bits: 0, blockAlign: 1 }, [1, 2, 3]))).toBe('input audio: WAV format 85 (MP3) is not supported; send PCM or float WAV');
    expect(refused(wav({ tag: 7, bits: 8 }, [1]))).toBe('input audio: WAV format 7 (mu-law) is not supported; send PCM or float WAV');
    expect(refused(wav({ tag: 0x1234, bits: 8 }, [1]))).toBe('input audio: WAV format 4660 is not supported; send PCM or float WAV');
  });

  it('refuses headers that do not add up', () => {
    expect(refused(new TextEncoder().encode('ID3 not a wav at all'))).toBe('input audio: not a WAV file (no RIFF/WAVE header)');
    expect(refused(new Uint8Array(0))).toBe('input audio: not a WAV file (no RIFF/WAVE header)');
    expect(refused(wav({ channels: 0, blockAlign: 2 }, int16([1])))).toBe('input audio: the WAV declares 0 channels');
    expect(refused(wav({ rate: 0 }, int16([1])))).toBe('input audio: the WAV declares a sample rate of 0 Hz');
    expect(refused(wav({ channels: 2, blockAlign: 2 }, int16([1])))).toBe("input audio: the WAV's block align of 2 bytes does not match 2 channels of 16 bits");
    expect(refused(wav({ bits: 12, blockAlign: 2 }, int16([1])))).toBe('input audio: 12-bit PCM WAV is not supported (8, 16, 24, 32 bits are)');
    expect(refused(wav({ tag: 3, bits: 16 }, int16([1])))).toBe('input audio: 16-bit float WAV is not supported (32, 64 bits are)');
    expect(refused(wav({}, []))).toBe('input audio: the WAV holds no samples');
    expect(refused(Uint8Array.from([...ascii('RIFF'), ...u32(4), ...ascii('WAVE'), ...chunk('data', [0, 0])]))).toBe('input audio: the WAV has no fmt chunk');
    expect(refused(Uint8Array.from([...ascii('RIFF'), ...u32(4), ...ascii('WAVE'), ...fmtChunk({})]))).toBe('input audio: the WAV has no data chunk');
    const shortFmt = Uint8Array.from([...ascii('RIFF'), ...u32(4), ...ascii('WAVE'), ...chunk('fmt ', [1, 0, 1, 0]), ...chunk('data', [0, 0])]);
    expect(refused(shortFmt)).toBe("input audio: the WAV's fmt chunk is 4 bytes, under 16");
    expect(refused(wav({ tag: 3, bits: 32 }, float32([0, NaN])))).toBe('input audio: sample 1 of the WAV is not a finite number');
    // 192001 Hz shares no factor with 16000: 16000 kernel rows of about 150 taps each.
    expect(refused(wav({ rate: 192001 }, int16([1, 2])))).toBe("input audio: the WAV's sample rate of 192001 Hz cannot be resampled to this model's 16000 Hz; send 16000 Hz audio");
    expect(decode(wav({ rate: 44101 }, int16([1, 2])))).toHaveLength(1);
  });

  it('needs both RIFF and WAVE in the first 12 bytes, and reads from there', () => {
    const riff = (form: string, id = 'RIFF') => Uint8Array.from([...ascii(id), ...u32(4), ...ascii(form)]);
    expect(refused(riff('AVI '))).toBe('input audio: not a WAV file (no RIFF/WAVE header)');
    expect(refused(riff('WAVE', 'RIFX'))).toBe('input audio: not a WAV file (no RIFF/WAVE header)');
    expect(refused(riff('WAVE').subarray(0, 11))).toBe('input audio: not a WAV file (no RIFF/WAVE header)');
    expect(refused(riff('WAVE'))).toBe('input audio: the WAV has no fmt chunk');
  });

  it('takes the chunks in any order, and stops reading once it has both', () => {
    const dataFirst = Uint8Array.from([...ascii('RIFF'), ...u32(4), ...ascii('WAVE'), ...chunk('data', int16([16384])), ...fmtChunk({})]);
    expect(decode(dataFirst)).toEqual([0.5]);
    // A broken chunk after fmt and data (a writer's trailing metadata) is never read.
    const trailing = Uint8Array.from([...wav({}, int16([16384])), ...ascii('fmt '), ...u32(1000)]);
    expect(decode(trailing)).toEqual([0.5]);
  });

  it('refuses an extensible fmt chunk too short for its subformat', () => {
    const short = Uint8Array.from([...ascii('RIFF'), ...u32(4), ...ascii('WAVE'), ...chunk('fmt ', [...fmtChunk({}).slice(8, 24), ...new Array(8).fill(0)]), ...chunk('data', int16([1]))]);
    short[20] = 0xfe;
    short[21] = 0xff;
    expect(refused(short)).toBe("input audio: the WAV's extensible fmt chunk is 24 bytes, under 40");
  });

  it('answers INVALID_ARGUMENT, never a TypeError or RangeError, for hostile bytes (seeded fuzz)', () => {
    let seed = 0x5eed;
    const random = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number) => Math.floor(random() * n);
    const bases = [
      wav({}, int16([1, -2, 3, -4, 5, -6, 7, -8])),
      wav({ bits: 24, channels: 2, rate: 44100 }, int24([1, -2, 3, -4, 5, -6])),
      wav({ tag: 3, bits: 64, rate: 8000 }, float64([0.1, -0.2, 0.3])),
      wav({ bits: 32, subformat: 3, rate: 22050 }, float32([0.5, 0.25, -0.5, 1])),
      wav({ bits: 8 }, [1, 2, 3, 250], { before: [chunk('LIST', [1, 2, 3])] }),
    ];
    const outcomes = { decoded: 0, refused: 0 };
    for (let n = 0; n < 400; n++) {
      const base = bases[n % bases.length];
      let bytes: Uint8Array;
      if (n % 4 === 0) {
        // Random bytes behind a RIFF/WAVE header.
        bytes = Uint8Array.from({ length: int(80) }, (_, i) => (i < 12 ? base[i] : int(256)));
      } else {
        bytes = base.slice(0, n % 4 === 1 ? int(base.length + 1) : base.length);
        // Overwrite a few header bytes; now and then with 0xFF runs that make huge sizes.
        for (let k = 1 + int(4); k > 0; k--) bytes[int(Math.min(bytes.length, 64))] = random() < 0.3 ? 0xff : int(256);
      }
      try {
        const samples = decodeWav(bytes, options({ maxSeconds: 5 }));
        expect(samples).toBeInstanceOf(Float32Array);
        outcomes.decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(ServingError);
        expect((err as ServingError).code).toBe('INVALID_ARGUMENT');
        expect((err as ServingError).message).toMatch(/^input audio: /);
        outcomes.refused++;
      }
    }
    // Both paths were exercised.
    expect(outcomes.decoded).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});

/**
 * torchaudio's resample transcribed literally, as an independent check: the whole kernel (every
 * tap, the clamped ones too) as a [new][2 * width + orig] matrix, the waveform zero-padded by width
 * on the left and width + orig on the right, conv1d with stride orig, the [new][frames] result read
 * out frame by frame, then cut to ceil(new * length / orig).
 */
function torchaudioReference(x: ArrayLike<number>, from: number, to: number): number[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(from, to);
  const [orig, nu] = [from / g, to / g];
  const lpw = 6;
  const baseFreq = Math.min(orig, nu) * 0.99;
  const width = Math.ceil((lpw * orig) / baseFreq);
  const idx = Array.from({ length: 2 * width + orig }, (_, k) => (k - width) / orig);
  const kernel = Array.from({ length: nu }, (_, phase) =>
    idx.map((v) => {
      const t = Math.min(lpw, Math.max(-lpw, (-phase / nu + v) * baseFreq));
      const w = Math.cos((t * Math.PI) / lpw / 2) ** 2;
      const s = t * Math.PI;
      return (s === 0 ? 1 : Math.sin(s) / s) * (w * (baseFreq / orig));
    }),
  );
  const padded = [...new Array(width).fill(0), ...Array.from(x), ...new Array(width + orig).fill(0)];
  const frames = Math.floor((padded.length - idx.length) / orig) + 1;
  const conv = kernel.map((row) => Array.from({ length: frames }, (_, f) => row.reduce((acc, k, j) => acc + k * padded[f * orig + j], 0)));
  const flat: number[] = [];
  for (let f = 0; f < frames; f++) for (let phase = 0; phase < nu; phase++) flat.push(conv[phase][f]);
  return flat.slice(0, Math.ceil((nu * x.length) / orig));
}

const sine = (hz: number, rate: number, length: number) => Float32Array.from({ length }, (_, n) => Math.sin((2 * Math.PI * hz * n) / rate));
const maxError = (a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length) => {
  let max = 0;
  for (let i = from; i < to; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

describe('resample (torchaudio.functional.resample defaults)', () => {
  it('matches hand-computed kernel values on an impulse', () => {
    // 2 -> 1: width 13, scale 0.99 / 2; output 1 sees the impulse one input step left of its centre (t = -0.99).
    const down = resample(Float32Array.of(1, 0, 0, 0), 2, 1);
    const t = 0.99 * Math.PI;
    expect(Array.from(down)).toEqual(f32([0.495, (Math.sin(t) / t) * Math.cos(t / 12) ** 2 * 0.495]));
    // 1 -> 2: width 7, scale 0.99; output 1 lies half a step right of the impulse (t = -0.495).
    const up = resample(Float32Array.of(1), 1, 2);
    const h = 0.495 * Math.PI;
    expect(Array.from(up)).toEqual(f32([0.99, (Math.sin(h) / h) * Math.cos(h / 12) ** 2 * 0.99]));
  });

  it('matches a literal transcription of torchaudio, including the taps it skips', () => {
    let seed = 7;
    const noise = (length: number) => Float32Array.from({ length }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1);
    for (const [from, to, length] of [[2, 1, 37], [1, 2, 20], [3, 2, 50], [2, 3, 41], [44100, 16000, 1500], [8000, 16000, 300], [48000, 22050, 800], [16000, 44100, 120]]) {
      const x = noise(length);
      const got = resample(x, from, to);
      const want = torchaudioReference(x, from, to);
      expect(got.length, `${from} -> ${to}`).toBe(want.length);
      expect(maxError(got, f32(want)), `${from} -> ${to}`).toBeLessThanOrEqual(1e-6);
    }
  });

  it('gives ceil(new * length / orig) samples', () => {
    for (const [from, to, length, want] of [[44100, 16000, 44100, 16000], [44100, 16000, 441, 160], [44100, 16000, 442, 161], [44100, 16000, 1, 1], [8000, 16000, 7, 14], [3, 2, 4, 3], [16000, 8000, 0, 0]]) {
      expect(resample(new Float32Array(length), from, to).length, `${length} at ${from} -> ${to}`).toBe(want);
    }
  });

  it('keeps a 440 Hz sine within 1e-3 of the analytic one at 16 kHz, away from the edges', () => {
    for (const from of [44100, 8000]) {
      const got = resample(sine(440, from, from), from, 16000);
      expect(got.length).toBe(16000);
      expect(maxError(got, sine(440, 16000, 16000), 50, 16000 - 50), `${from} Hz`).toBeLessThan(1e-3);
    }
  });

  it('keeps a DC level away from the edges', () => {
    for (const [from, to] of [[44100, 16000], [8000, 16000], [48000, 16000], [22050, 16000]]) {
      const got = resample(new Float32Array(from / 10).fill(0.4), from, to);
      expect(maxError(got, new Float32Array(got.length).fill(0.4), 50, got.length - 50), `${from} -> ${to}`).toBeLessThan(1e-3);
    }
  });

  it('decodeWav resamples only when the rates differ', () => {
    const at44 = wav({ tag: 3, bits: 32, rate: 44100 }, float32(Array.from(sine(440, 44100, 4410))));
    const decoded = decodeWav(at44, options());
    expect(decoded.length).toBe(1600);
    expect(Array.from(decoded)).toEqual(Array.from(resample(sine(440, 44100, 4410), 44100, 16000)));
    const same = resample(Float32Array.of(0.1, 0.2), 16000, 16000);
    expect(Array.from(same)).toEqual(f32([0.1, 0.2]));
  });

  it('refuses rates that are not positive integers', () => {
    expect(servingErrorMessage(() => resample(new Float32Array(4), 0, 16000))).toBe('cannot resample 0 Hz to 16000 Hz');
    expect(servingErrorMessage(() => resample(new Float32Array(4), 44100.5, 16000))).toBe('cannot resample 44100.5 Hz to 16000 Hz');
  });
});

import { invalidArgument } from '../errors.ts';

/**
 * Audio inputs (pipeline.json `kind: "audio"`): the WAV bytes a client sends, as float32 mono
 * samples at the model's sample rate, the way a torchaudio script makes them: torchaudio.load
 * (integers scaled to [-1, 1)), waveform.mean(0), then torchaudio.functional.resample with its
 * defaults when the file's rate is not the model's.
 *
 * The RIFF parser is ours (chunks are word-aligned: an odd size has a pad byte). It reads PCM
 * integers (8-bit unsigned; 16, 24 and 32-bit signed, little-endian), IEEE floats of 32 and 64
 * bits, and WAVE_FORMAT_EXTENSIBLE of either; floats are kept as sent (not clipped) but must be
 * finite. The length is checked from the header before anything is allocated, so a 44-byte file
 * declaring an hour is refused cheaply. A data chunk declaring more bytes than arrived is a
 * truncated upload, refused; only the sizes 0 and 0xFFFFFFFF that streaming writers leave mean
 * "to the end of the file". Every problem is INVALID_ARGUMENT, prefixed with options.where.
 */
export interface AudioOptions {
  /** The model's sample rate, Hz. */
  rate: number;
  /** Longest clip accepted, seconds (checked from the header before samples are allocated). */
  maxSeconds: number;
  /** Prefix for error messages, e.g. "input audio, example 1". */
  where: string;
}

type Format = { float: boolean; channels: number; rate: number; bits: number; blockAlign: number };

const FORMAT_NAMES: Record<number, string> = { 2: 'MS ADPCM', 6: 'A-law', 7: 'mu-law', 0x11: 'IMA ADPCM', 0x50: 'MPEG', 0x55: 'MP3', 0xff: 'AAC' };

/** Decodes a WAV file to mono float32 samples in [-1, 1) at options.rate. */
export function decodeWav(bytes: Uint8Array, options: AudioOptions): Float32Array {
  const fail = (what: string) => invalidArgument(`${options.where}: ${what}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12 || id(0) !== 'RIFF' || id(8) !== 'WAVE') throw fail('not a WAV file (no RIFF/WAVE header)');

  let format: Format | undefined;
  let data: { start: number; size: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length && !(format && data); ) {
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id(at) === 'fmt ') {
      if (body + size > bytes.length) throw fail('truncated (the fmt chunk runs past the end of the file)');
      format = readFormat(view, body, size, fail);
    } else if (id(at) === 'data') {
      const streaming = size === 0 || size === 0xffffffff;
      data = { start: body, size: streaming ? bytes.length - body : size };
      if (streaming) break;
    }
    at = body + size + (size & 1);
  }
  if (!format) throw fail('the WAV has no fmt chunk');
  if (!data) throw fail('the WAV has no data chunk');

  // The declared length first: neither a huge declared size nor a truncated one allocates anything.
  const { channels, rate, blockAlign } = format;
  const frames = Math.floor(data.size / blockAlign);
  const seconds = frames / rate;
  if (seconds > options.maxSeconds) {
    throw fail(`the WAV is ${Math.ceil(seconds * 10 - 1e-9) / 10} seconds, over this model's limit of ${options.maxSeconds}`);
  }
  const present = bytes.length - data.start;
  if (data.size > present) throw fail(`truncated (the data chunk declares ${data.size} bytes, ${present} are present)`);
  if (frames === 0) throw fail('the WAV holds no samples');
  if (rate !== options.rate && kernelTaps(plan(rate, options.rate)) > MAX_KERNEL_TAPS) {
    throw fail(`the WAV's sample rate of ${rate} Hz cannot be resampled to this model's ${options.rate} Hz; send ${options.rate} Hz audio`);
  }

  const read = sampleReader(view, format);
  const step = blockAlign / channels;
  const mono = new Float32Array(frames);
  for (let f = 0, at = data.start; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, at += step) sum += read(at);
    if (!Number.isFinite(sum)) throw fail(`sample ${f} of the WAV is not a finite number`);
    mono[f] = sum / channels;
  }
  return rate === options.rate ? mono : resample(mono, rate, options.rate);
}

function readFormat(view: DataView, at: number, size: number, fail: (what: string) => Error): Format {
  if (size < 16) throw fail(`the WAV's fmt chunk is ${size} bytes, under 16`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const rate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (tag === 0xfffe) {
    if (size < 40) throw fail(`the WAV's extensible fmt chunk is ${size} bytes, under 40`);
    tag = view.getUint16(at + 24, true); // The subformat GUID starts with the plain format tag.
    if (tag !== 1 && tag !== 3) throw fail(`WAV extensible subformat ${tag} is not supported; send PCM or float WAV`);
  }
  if (tag !== 1 && tag !== 3) {
    const name = FORMAT_NAMES[tag] ? ` (${FORMAT_NAMES[tag]})` : '';
    throw fail(`WAV format ${tag}${name} is not supported; send PCM or float WAV`);
  }
  if (channels === 0) throw fail('the WAV declares 0 channels');
  if (rate === 0) throw fail('the WAV declares a sample rate of 0 Hz');
  const float = tag === 3;
  const sizes = float ? [32, 64] : [8, 16, 24, 32];
  if (!sizes.includes(bits)) throw fail(`${bits}-bit ${float ? 'float' : 'PCM'} WAV is not supported (${sizes.join(', ')} bits are)`);
  if (blockAlign !== (channels * bits) / 8) {
    throw fail(`the WAV's block align of ${blockAlign} bytes does not match ${channels} channels of ${bits} bits`);
  }
  return { float, channels, rate, bits, blockAlign };
}

function sampleReader(view: DataView, { float, bits }: Format): (at: number) => number {
  if (float) return bits === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  if (bits === 8) return (at) => (view.getUint8(at) - 128) / 128;
  if (bits === 16) return (at) => view.getInt16(at, true) / 32768;
  if (bits === 24) return (at) => ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 8388608;
  return (at) => view.getInt32(at, true) / 2147483648;
}

// torchaudio.functional.resample's defaults: sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99.
// Ported from pytorch/audio src/torchaudio/functional/functional.py (_get_sinc_resample_kernel and
// _apply_sinc_resample_kernel), torchaudio 2.x main branch at commit 02d6815cab3d9124a796e7cb01585c3678914bbe.
const LOWPASS_FILTER_WIDTH = 6;
const ROLLOFF = 0.99;
/** The most kernel taps resample() builds: 16 MB; only odd rate pairs (say 192001 Hz to 16 kHz) need more. */
const MAX_KERNEL_TAPS = 2 ** 21;

/** The rates reduced by their gcd, the filter's cutoff (base_freq) and its half-width in input samples. */
type Plan = { orig: number; next: number; base: number; width: number };

function plan(from: number, to: number): Plan {
  let [a, b] = [from, to];
  while (b) [a, b] = [b, a % b];
  const [orig, next] = [from / a, to / a];
  const base = Math.min(orig, next) * ROLLOFF;
  return { orig, next, base, width: Math.ceil((LOWPASS_FILTER_WIDTH * orig) / base) };
}

/** The taps resample() keeps: per output phase, the window where |t| < lowpass_filter_width, and a margin. */
const kernelTaps = ({ orig, next, base, width }: Plan) => next * Math.min(2 * width + orig, Math.ceil((2 * LOWPASS_FILTER_WIDTH * orig) / base) + 5);

/** torchaudio's kernel entry for output phase i, tap j (of 2 * width + orig), in float64. */
function tap({ orig, next, base, width }: Plan, i: number, j: number): number {
  let t = (-i / next + (j - width) / orig) * base;
  t = Math.min(Math.max(t, -LOWPASS_FILTER_WIDTH), LOWPASS_FILTER_WIDTH);
  const window = Math.cos((t * Math.PI) / LOWPASS_FILTER_WIDTH / 2) ** 2;
  t *= Math.PI;
  return (t === 0 ? 1 : Math.sin(t) / t) * (window * (base / orig));
}

/**
 * Resamples mono float32 audio from one rate to another the way torchaudio.functional.resample does by default.
 *
 * Output n is phase n % next of frame floor(n / next): the dot product of the kernel row with the
 * input from frame * orig - width (zeros outside), as torchaudio's strided conv1d over the padded
 * waveform; ceil(next * length / orig) samples. The kernel is computed and applied in float64 (as
 * torchaudio does for a float64 waveform; a float32 one differs by float32 rounding). Taps whose t
 * torchaudio clamps to +-lowpass_filter_width all equal sin(6 pi) / (6 pi) * cos(pi / 2)^2 * scale,
 * about -1.5e-49: they move no output outside float32's denormals, so only the taps around each
 * phase's centre are built: about 2 * width + 5 per output, not 2 * width + orig.
 */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (!(Number.isInteger(from) && from > 0 && Number.isInteger(to) && to > 0)) throw invalidArgument(`cannot resample ${from} Hz to ${to} Hz`);
  if (from === to) return samples;
  const p = plan(from, to);
  const { orig, next, base, width } = p;
  if (kernelTaps(p) > MAX_KERNEL_TAPS) throw invalidArgument(`cannot resample ${from} Hz to ${to} Hz: the filter needs over ${MAX_KERNEL_TAPS} taps`);
  const out = new Float32Array(Math.ceil((next * samples.length) / orig));
  const reach = (LOWPASS_FILTER_WIDTH * orig) / base;
  const rows = Array.from({ length: Math.min(next, out.length) }, (_, i) => {
    const lo = Math.max(0, Math.floor(width + (orig * i) / next - reach) - 1);
    const hi = Math.min(2 * width + orig - 1, Math.ceil(width + (orig * i) / next + reach) + 1);
    return { lo, weights: Float64Array.from({ length: hi - lo + 1 }, (_, k) => tap(p, i, lo + k)) };
  });
  for (let n = 0; n < out.length; n++) {
    const { lo, weights } = rows[n % next];
    const start = Math.floor(n / next) * orig - width + lo; // The input sample under weights[0].
    let acc = 0;
    for (let k = Math.max(0, -start), end = Math.min(weights.length, samples.length - start); k < end; k++) acc += samples[start + k] * weights[k];
    out[n] = acc;
  }
  return out;
}

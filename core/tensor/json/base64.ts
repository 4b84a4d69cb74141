/**
 * Standard base64 for `{"b64": ...}` values. onnxruntime string tensors hold JS strings, so the
 * bytes cross the codec as UTF-8 text: decoded bytes are read as UTF-8 (invalid sequences become
 * U+FFFD, so arbitrary binary does not survive) and encoded strings are written as UTF-8 first.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Decodes like absl::Base64Unescape: standard alphabet, ASCII whitespace skipped, '=' padding
 * optional but, when present, only at the end and completing the last 4-character group.
 * Returns null for anything else (the caller says `Unable to base64 decode`).
 */
export function decodeBase64Text(s: string): string | null {
  const bytes = decodeBase64Bytes(s);
  return bytes && utf8Decoder.decode(bytes);
}

/** The bytes of a base64 value, by the same rules; null when it is not valid base64. */
export function decodeBase64Bytes(s: string): Uint8Array | null {
  const out = new Uint8Array(Math.ceil((s.length * 3) / 4));
  let acc = 0;
  let n = 0;
  let len = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? DECODE[c] : -1;
    if (d < 0) {
      if (c === 0x3d) pad++;
      else if (!(c === 0x20 || (c >= 0x09 && c <= 0x0d))) return null;
      continue;
    }
    if (pad > 0) return null;
    acc = (acc << 6) | d;
    if (++n === 4) {
      out[len++] = (acc >> 16) & 255;
      out[len++] = (acc >> 8) & 255;
      out[len++] = acc & 255;
      acc = 0;
      n = 0;
    }
  }
  if (n === 1 || (pad > 0 && (n === 0 || n + pad !== 4))) return null;
  if (n === 2) out[len++] = (acc >> 4) & 255;
  if (n === 3) {
    out[len++] = (acc >> 10) & 255;
    out[len++] = (acc >> 2) & 255;
  }
  return out.subarray(0, len);
}

/** The UTF-8 bytes of `s` in standard base64 with padding (absl::Base64Escape). */
export function encodeBase64Text(s: string): string {
  const bytes = utf8Encoder.encode(s);
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ALPHABET.charCodeAt(v >> 18);
    out[o++] = ALPHABET.charCodeAt((v >> 12) & 63);
    out[o++] = ALPHABET.charCodeAt((v >> 6) & 63);
    out[o++] = ALPHABET.charCodeAt(v & 63);
  }
  if (i < bytes.length) {
    const two = i + 1 < bytes.length;
    const v = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
    out[o++] = ALPHABET.charCodeAt(v >> 18);
    out[o++] = ALPHABET.charCodeAt((v >> 12) & 63);
    out[o++] = two ? ALPHABET.charCodeAt((v >> 6) & 63) : 0x3d;
    out[o++] = 0x3d;
  }
  return utf8Decoder.decode(out);
}

/**
 * The one byte-count syntax of every setting (flags and environment variables): a number with an
 * optional unit, decimal (KB, MB, GB) or binary (KiB, MiB, GiB), case-insensitive: 1073741824,
 * 512MiB, 2GB, 1.5 kb. Fractions round down to whole bytes. Pure.
 */
const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** The byte count `text` denotes, or NaN when it is not one (or exceeds a safe integer). Callers decide whether 0 is allowed. */
export function parseByteCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  const unit = m?.[2].toLowerCase() ?? '';
  const n = m && Object.hasOwn(UNITS, unit) ? Math.floor(Number(m[1]) * UNITS[unit]) : NaN;
  return Number.isSafeInteger(n) ? n : NaN;
}

/**
 * A requested version number (int64 on the wire, digits in a URL) as the number the manager
 * compares. Versions past 2^53 cannot name a folder we serve (parseVersionDir takes safe integers
 * only), so they clamp to +-Number.MAX_SAFE_INTEGER: they stay distinct from every real version
 * and are reported as not found rather than wrapped or rounded onto one.
 */
export function clampVersion(v: bigint | number): number {
  const max = Number.MAX_SAFE_INTEGER;
  const n = Number(v);
  return n > max ? max : n < -max ? -max : n;
}

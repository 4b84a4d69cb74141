/**
 * A progress line on stderr for long transfers: a redrawn bar on a terminal, a line per quarter
 * otherwise (logs, CI). Files under `minBytes` get no bar; the caller prints its own summary.
 */
export interface Progress {
  add(bytes: number): void;
  done(): void;
}

const MIB = 1024 * 1024;

export function progressBar(label: string, totalBytes: number, out: NodeJS.WriteStream = process.stderr, minBytes = 16 * MIB): Progress {
  if (totalBytes < minBytes) return { add() {}, done() {} };
  let sent = 0;
  let lastDraw = 0;
  let lastQuarter = -1;
  const started = Date.now();
  const draw = (final: boolean) => {
    const fraction = totalBytes ? sent / totalBytes : 1;
    const mib = `${(sent / MIB).toFixed(1)}/${(totalBytes / MIB).toFixed(1)} MiB`;
    const rate = `${(sent / MIB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1)} MiB/s`;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      out.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mib} ${rate}${final ? '\n' : ''}`);
      return;
    }
    const quarter = Math.floor(fraction * 4);
    if (quarter !== lastQuarter) {
      lastQuarter = quarter;
      out.write(`${label}: ${(fraction * 100).toFixed(0)}% ${mib} ${rate}\n`);
    }
  };
  return {
    add(bytes) {
      sent += bytes;
      const now = Date.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        draw(false);
      }
    },
    done() {
      sent = totalBytes;
      draw(true);
    },
  };
}

import { LABELS, type Point } from './report.ts';
import type { Target } from './args.ts';

/**
 * Throughput (x, rows/s) against p99 latency (y, ms), both on log scales, as a hand-written SVG:
 * one panel per model, one line per server target through its concurrency points (each labelled
 * with its caller count), the raw loops as black diamonds.
 */
const W = 540;
const H = 400;
const M = { left: 60, right: 20, top: 40, bottom: 50 };
const COLORS: Record<Target, string> = { raw: '#000', plain: '#d62728', edgeserve: '#1f77b4', 'edgeserve-batching': '#2ca02c', 'edgeserve-proto': '#9467bd' };

/**
 * Log-scale range [10^lo, 10^hi] around the values; ticks at each power of ten, plus 2x and 5x
 * when the range spans at most two decades.
 */
export function logAxis(values: number[]): { lo: number; hi: number; ticks: number[] } {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
  const steps = hi - lo > 2 ? [1] : [1, 2, 5];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of steps) if (m === 1 || e < hi) ticks.push(Number((m * 10 ** e).toPrecision(1)));
  return { lo, hi, ticks };
}

const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const num = (n: number) => (Math.round(n * 10) / 10).toString();

function panel(points: Point[], model: string, dx: number): string {
  const pts = points.filter((p) => p.model === model && Number.isFinite(p.summary.p99Ms) && p.summary.p99Ms > 0);
  if (pts.length === 0) return '';
  const xs = logAxis(pts.map((p) => p.summary.rowsPerSec));
  const ys = logAxis(pts.map((p) => p.summary.p99Ms));
  const x = (v: number) => dx + M.left + ((Math.log10(v) - xs.lo) / (xs.hi - xs.lo)) * (W - M.left - M.right);
  const y = (ms: number) => M.top + ((ys.hi - Math.log10(ms)) / (ys.hi - ys.lo)) * (H - M.top - M.bottom);
  const out: string[] = [`<text x="${dx + W / 2}" y="22" text-anchor="middle" font-weight="bold">${esc(model)} model</text>`];
  for (const t of xs.ticks) {
    out.push(`<line x1="${num(x(t))}" y1="${M.top}" x2="${num(x(t))}" y2="${H - M.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${num(x(t))}" y="${H - M.bottom + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of ys.ticks) {
    out.push(`<line x1="${dx + M.left}" y1="${num(y(t))}" x2="${dx + W - M.right}" y2="${num(y(t))}" stroke="#eee"/>`);
    out.push(`<text x="${dx + M.left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${label(t)}</text>`);
  }
  out.push(`<rect x="${dx + M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${dx + W / 2}" y="${H - 12}" text-anchor="middle">throughput, rows/s (log)</text>`);
  out.push(`<text transform="translate(${dx + 16} ${H / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log)</text>`);
  for (const target of ['plain', 'edgeserve', 'edgeserve-batching', 'edgeserve-proto'] as Target[]) {
    const line = pts.filter((p) => p.target === target).sort((a, b) => a.concurrency - b.concurrency);
    if (line.length === 0) continue;
    const color = COLORS[target];
    const path = line.map((p) => `${num(x(p.summary.rowsPerSec))},${num(y(p.summary.p99Ms))}`).join(' ');
    out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    for (const p of line) {
      const [px, py] = [num(x(p.summary.rowsPerSec)), num(y(p.summary.p99Ms))];
      out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${color}"/>`);
      out.push(`<text x="${px}" y="${num(y(p.summary.p99Ms) - 6)}" text-anchor="middle" font-size="9" fill="${color}">${p.concurrency}</text>`);
    }
  }
  for (const p of pts.filter((q) => q.target === 'raw')) {
    const [px, py] = [x(p.summary.rowsPerSec), y(p.summary.p99Ms)];
    out.push(`<path d="M${num(px)},${num(py - 5)} l5,5 l-5,5 l-5,-5 z" fill="#000"/>`);
    const left = px > dx + W - 90; // keep the label inside the panel
    out.push(`<text x="${num(left ? px - 7 : px + 7)}" y="${num(py + 4)}" font-size="10"${left ? ' text-anchor="end"' : ''}>raw b=${p.rows}</text>`);
  }
  return out.join('\n');
}

export function chart(points: Point[], models: string[]): string {
  const legend = (['plain', 'edgeserve', 'edgeserve-batching', 'edgeserve-proto'] as Target[]).map(
    (t, i) => `<rect x="${20 + i * 260}" y="${H + 8}" width="12" height="12" fill="${COLORS[t]}"/><text x="${38 + i * 260}" y="${H + 18}">${esc(LABELS[t])}</text>`,
  );
  const width = W * models.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 30}" viewBox="0 0 ${width} ${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...models.map((m, i) => panel(points, m, i * W)),
    ...legend,
    `</svg>`,
    '',
  ].join('\n');
}

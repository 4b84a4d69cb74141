import type { Summary } from '../steady.ts';

/**
 * The transport bench's Markdown report: one row per transport, throughput relative to JSON,
 * the request size, and how the run was made. Pure: the caller writes the file.
 */
export interface TransportResult {
  transport: string;
  requestBytes: number;
  summary: Summary;
}

export interface ReportContext {
  date: string;
  command: string;
  machine: string;
  concurrency: number;
  windowMs: number;
}

export function transportReport(results: TransportResult[], ctx: ReportContext): string {
  const json = results.find((r) => r.transport.startsWith('JSON'));
  const ratio = (r: TransportResult) => (json ? `${(r.summary.rowsPerSec / json.summary.rowsPerSec).toFixed(1)}x` : '');
  const rows = results.map(
    (r) =>
      `| ${r.transport} | ${(r.requestBytes / 1024).toFixed(0)} KiB | ${r.summary.rowsPerSec.toFixed(1)} | ${ratio(r)} | ` +
      `${r.summary.p50Ms.toFixed(1)} | ${r.summary.p99Ms.toFixed(1)} | ${r.summary.errors} | ${r.summary.steady ? 'yes' : `no (${r.summary.windows} windows)`} |`,
  );
  return [
    `# Transport: JSON vs binary protobuf (HTTP) vs gRPC — ${ctx.date}`,
    '',
    'One 224x224x3 float32 image per request to a model whose inference is nearly free',
    '(ReduceMean over H and W), so throughput measures transport: encoding, parsing, copying.',
    `Same server process, same model, same run; ${ctx.concurrency} closed-loop callers per transport, steady state`,
    `over ${ctx.windowMs} ms windows (three consecutive windows within 10%). Client bodies are pre-encoded; the server`,
    'decodes every request and encodes every response.',
    '',
    '| transport | request | requests/s | vs JSON | p50 ms | p99 ms | errors | steady |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Command: \`${ctx.command}\``,
    '',
    `Machine: ${ctx.machine}`,
    '',
  ].join('\n');
}

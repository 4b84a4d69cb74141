import { startFuzzServer } from './fuzz-server.ts';
import { runFuzz } from './fuzz.ts';

/**
 * `npm run fuzz [-- --seed=N --json=N --binary=N --grpc=N --lookup=N]`: the full seeded fuzz run
 * (default 20,000 JSON, 10,000 binary HTTP and 2,000 gRPC bodies, and 2,000 bad-data requests for
 * the lookup model over all three) against a fresh server process (fuzz-server.ts). Prints the answers per status and every 5xx case; exits 1 if there
 * was any, or if the server died.
 */
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const seed = arg('seed', 12);
const counts = { json: arg('json', 20_000), binary: arg('binary', 10_000), grpc: arg('grpc', 2_000), lookup: arg('lookup', 2_000) };

const server = await startFuzzServer();
const started = performance.now();
let code = 0;
try {
  const report = await runFuzz(server, counts, seed);
  console.log(`seed ${seed}: ${JSON.stringify(counts)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const [kind, statuses] of Object.entries(report.byStatus)) {
    const sorted = Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b));
    console.log(`${kind.padEnd(6)} ${sorted.map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  }
  for (const f of report.failures) console.log(`5xx ${f.kind} #${f.index} ${f.status}: ${f.text}`);
  const up = await fetch(`${server.url}/v1/models/half_plus_two`).then((r) => r.status === 200, () => false);
  console.log(`failures: ${report.failures.length}; server up after the run: ${up}`);
  if (report.failures.length > 0 || !up) code = 1;
} finally {
  await server.stop();
}
process.exit(code);

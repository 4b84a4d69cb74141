import { parseArgs } from 'node:util';
import type { SteadyOptions } from './steady.ts';

/** The bench's command line; every flag has a default, and --quick swaps in short ones. */
export interface BenchArgs {
  /** wrk connections per point. */
  concurrency: number[];
  /** Seconds wrk measures each point, after `warmupS` seconds of the same load not counted. */
  durationS: number;
  warmupS: number;
  /** The raw loops' steady-state windows. */
  steady: SteadyOptions;
  /** B: rows of the raw batched loop and edgeserve's max_batch_size. */
  batch: number;
  models: string[];
  targets: Target[];
  batchTimeoutMicros: number;
  batchThreads: number;
  /** More flags for every edgeserve server (thread settings, ...). */
  serverFlags: string[];
  /** Record each server's CPU profile (node --cpu-prof) and summarise it. */
  profile: boolean;
  /** Results go to <out>/<date>-<name>.md and .svg. */
  name: string;
  out: string;
}

export const TARGETS = ['raw', 'plain', 'edgeserve', 'edgeserve-batching', 'edgeserve-proto'] as const;
export type Target = (typeof TARGETS)[number];

export const USAGE = `npm run bench -- [flags]
  --quick                     concurrency 1,32; 3 s points after 1 s warmup; raw: 500 ms windows, at most 5
  --concurrency=1,4,16,32,64  wrk connections per point
  --duration=8 --warmup=2     seconds measured per point, after seconds of warmup load
  --window-ms=1000            raw loop: length of one measurement window
  --max-windows=8             raw loop: give up on steady state after this many windows
  --tolerance=0.1             raw loop: three consecutive windows must agree within this fraction
  --batch=32                  B: raw batched loop rows and edgeserve max_batch_size
  --models=small,heavy        which bench models
  --targets=${TARGETS.join(',')}
  --batch-timeout-micros=2000 edgeserve batch_timeout_micros
  --batch-threads=1           edgeserve num_batch_threads
  --server-flags="--a=1 --b"  more flags for every edgeserve server, e.g. --tensorflow_intra_op_parallelism=1
  --no-profile                do not profile the servers while measured (bench/profiled.ts; costs a few percent)
  --name=mlp (mlp-quick with --quick) --out=bench/results`;

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const ints = (v: string) => list(v).map(Number);

export function parseBenchArgs(argv: string[]): BenchArgs | null {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'server-flags': { type: 'string', default: '' },
      'no-profile': { type: 'boolean' },
      'window-ms': { type: 'string' },
      'max-windows': { type: 'string' },
      tolerance: { type: 'string', default: '0.1' },
      batch: { type: 'string', default: '32' },
      models: { type: 'string', default: 'small,heavy' },
      targets: { type: 'string', default: TARGETS.join(',') },
      'batch-timeout-micros': { type: 'string', default: '2000' },
      'batch-threads': { type: 'string', default: '1' },
      name: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
    },
  });
  if (v.help) return null;
  const targets = list(v.targets) as Target[];
  const unknown = targets.find((t) => !TARGETS.includes(t));
  if (unknown) throw new Error(`unknown target ${unknown}; expected some of ${TARGETS.join(', ')}`);
  const args: BenchArgs = {
    concurrency: ints(v.concurrency ?? (v.quick ? '1,32' : '1,4,16,32,64')),
    durationS: Number(v.duration ?? (v.quick ? 3 : 8)),
    warmupS: Number(v.warmup ?? (v.quick ? 1 : 2)),
    steady: {
      windowMs: Number(v['window-ms'] ?? (v.quick ? 500 : 1000)),
      maxWindows: Number(v['max-windows'] ?? (v.quick ? 5 : 8)),
      tolerance: Number(v.tolerance),
    },
    batch: Number(v.batch),
    models: list(v.models),
    targets,
    batchTimeoutMicros: Number(v['batch-timeout-micros']),
    batchThreads: Number(v['batch-threads']),
    serverFlags: v['server-flags'].split(/\s+/).filter(Boolean),
    profile: !v['no-profile'],
    name: v.name ?? (v.quick ? 'mlp-quick' : 'mlp'),
    out: v.out,
  };
  const numbers = [...args.concurrency, args.durationS, args.warmupS + 1, args.steady.windowMs, args.steady.maxWindows, args.batch, args.batchThreads];
  if (numbers.some((n) => !Number.isInteger(n) || n < 1) || !(args.steady.tolerance > 0) || !(args.batchTimeoutMicros >= 0)) {
    throw new Error(`invalid number in flags\n${USAGE}`);
  }
  return args;
}

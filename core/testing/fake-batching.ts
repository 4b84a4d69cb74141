import type { BatchingParameters } from '../config/batching.ts';
import type { Session } from '../backend/backend.ts';
import type { Servable } from '../manager/servable.ts';
import type { Signature, Tensor } from '../tensor/tensor.ts';

/** Test support for the batcher's tests (imported only by *.test.ts): a fake clock and session. */

/**
 * A clock whose timers fire only when advance() passes their time. `loaded` models a busy
 * machine as Node shows it: every read of now() finds the clock moved on by `readTickMs` (the
 * process was preempted between two reads), and timers fire up to `earlyMs` before their time
 * against now() (Node's timers count from the event loop's cached time, which lags
 * performance.now() by however long the current turn has run).
 */
export class FakeClock {
  private t = 0;
  private timers: { at: number; fn: () => void }[] = [];
  constructor(private readonly loaded: { readTickMs: number; earlyMs: number } = { readTickMs: 0, earlyMs: 0 }) {}
  readonly now = () => (this.t += this.loaded.readTickMs);
  readonly setTimer = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms - this.loaded.earlyMs, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  };
  get pending(): number {
    return this.timers.length;
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every pending promise chain run (no timers involved). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

export interface FakeRun {
  inputs: Record<string, Tensor>;
  /** Finishes the run: y = 10 * x (same dims) for every input x, named `${name}_out`. */
  release(): void;
  fail(error: Error): void;
}

/** Inputs x and y, outputs x_out and y_out, all [-1, -1]: batchable on axis 0 unless overridden. */
const FAKE_SIGNATURE: Signature = {
  inputs: ['x', 'y'].map((name) => ({ name, dtype: 'float32', dims: [-1, -1] })),
  outputs: ['x_out', 'y_out'].map((name) => ({ name, dtype: 'float32', dims: [-1, -1] })),
};

/** A servable whose runs wait for release() (manual) or finish at once. */
export function fakeServable(options: { manual?: boolean; model?: string; signature?: Signature } = {}) {
  const runs: FakeRun[] = [];
  const session: Session = {
    signature: options.signature ?? FAKE_SIGNATURE,
    release: async () => {},
    run: (inputs) =>
      new Promise((resolve, reject) => {
        const run: FakeRun = { inputs, release: () => resolve(times10(inputs)), fail: reject };
        runs.push(run);
        if (!options.manual) run.release();
      }),
  };
  const servable: Servable = { model: options.model ?? 'm', version: 1, session, labels: null, bytes: 0 };
  return { servable, runs, rowsPerRun: () => runs.map((r) => Object.values(r.inputs)[0].dims[0]) };
}

function times10(inputs: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) {
    out[`${name}_out`] = { dtype: 'float32', dims: t.dims, data: Float32Array.from(t.data as Float32Array, (v) => v * 10) };
  }
  return out;
}

/** A float32 [values.length, 1] input; dims override for shape tests. */
export function rows(values: number[], dims = [values.length, 1]): Record<string, Tensor> {
  return { x: { dtype: 'float32', dims, data: Float32Array.from(values) } };
}

export const outValues = (out: Record<string, Tensor>) => Array.from(out.x_out.data as Float32Array);

export function params(overrides: Partial<BatchingParameters> = {}): BatchingParameters {
  const maxBatchSize = overrides.maxBatchSize ?? 32;
  return {
    maxBatchSize,
    batchTimeoutMicros: 0,
    maxEnqueuedBatches: 10,
    numBatchThreads: 1,
    allowedBatchSizes: [],
    enableLargeBatchSplitting: false,
    maxExecutionBatchSize: maxBatchSize,
    padVariableLengthInputs: false,
    ...overrides,
  };
}

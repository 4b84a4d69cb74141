import { Agent, request } from 'node:http';
import type { Sample } from './steady.ts';

/**
 * A closed loop: `concurrency` callers, each starting its next call as soon as its last one ends.
 * `call` resolves with the rows it processed. Latency is measured per call; a failed call counts
 * as an error (and its caller pauses 10 ms, so a dead server does not spin the loop).
 */
export interface ClosedLoop {
  /** Completions since the last drain. */
  drain(): Sample;
  /** Stops starting calls; resolves when every caller has finished its last one. */
  stop(): Promise<void>;
}

export function closedLoop(concurrency: number, call: () => Promise<number>): ClosedLoop {
  let sample: Sample = { latenciesMs: [], rows: 0, errors: 0 };
  let running = true;
  const caller = async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const rows = await call();
        sample.latenciesMs.push(performance.now() - t0);
        sample.rows += rows;
      } catch {
        sample.errors++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  const callers = Array.from({ length: concurrency }, caller);
  return {
    drain() {
      const done = sample;
      sample = { latenciesMs: [], rows: 0, errors: 0 };
      return done;
    },
    async stop() {
      running = false;
      await Promise.all(callers);
    },
  };
}

/**
 * POSTs the same JSON body over keep-alive connections (one per concurrent caller) and reads the
 * response without parsing it: the client's own cost stays small and equal for every server.
 * Resolves with `rows` on HTTP 200, rejects otherwise.
 */
export function httpPoster(url: string, body: string, rows: number, concurrency: number): { post: () => Promise<number>; close: () => void } {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(body);
  const headers = { 'content-type': 'application/json', 'content-length': payload.length };
  const post = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(rows) : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  return { post, close: () => agent.destroy() };
}

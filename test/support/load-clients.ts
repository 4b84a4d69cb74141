import { request } from 'node:http';

/**
 * Steady load for rollout tests: `clients` loops, each sending one predict after another to
 * `url` until stop(), recording per client the x-model-version of every answer (or the status
 * of a failure). Even-numbered clients reuse a keep-alive connection (fetch), odd ones open a
 * fresh connection per request, since "latest" must only move forward for both kinds.
 */
export interface LoadResult {
  /** Per client, the versions that answered, in order. */
  versions: number[][];
  /** "<status> <body>" of every request that did not answer 200. */
  failures: string[];
}

export function startLoad(url: string, body: string, clients = 4) {
  let running = true;
  const result: LoadResult = { versions: Array.from({ length: clients }, () => []), failures: [] };
  const loops = result.versions.map(async (seen, i) => {
    while (running) {
      const { status, version, text } = i % 2 === 0 ? await viaFetch(url, body) : await viaFreshConnection(url, body);
      if (status === 200) seen.push(Number(version));
      else result.failures.push(`${status} ${text}`);
    }
  });
  return {
    result,
    /** Every version any client has seen so far. */
    seen: () => new Set(result.versions.flat()),
    async stop(): Promise<LoadResult> {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

async function viaFetch(url: string, body: string) {
  try {
    const res = await fetch(url, { method: 'POST', body });
    return { status: res.status, version: res.headers.get('x-model-version'), text: await res.text() };
  } catch (err) {
    return { status: 0, version: null, text: String(err) };
  }
}

function viaFreshConnection(url: string, body: string): Promise<{ status: number; version: string | null; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { connection: 'close', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: (res.headers['x-model-version'] as string) ?? null, text }));
      res.on('error', (err) => resolve({ status: 0, version: null, text: String(err) }));
    });
    req.on('error', (err) => resolve({ status: 0, version: null, text: String(err) }));
    req.end(body);
  });
}

/** Whether a sequence never goes down. */
export const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);

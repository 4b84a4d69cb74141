import type { Backend, Session } from '../backend/backend.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { ServingError } from '../errors.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { Manager } from '../manager/manager.ts';
import type { ManagerOptions } from '../manager/options.ts';

/** Test support for the manager's tests (imported only by *.test.ts): a fake backend and a one-model setup. */

// A fake backend: a "model" is the text "model-<tag>"; anything else fails to load, like bytes that
// are not ONNX. Loads can be held open to observe states mid-load.
export class FakeBackend implements Backend {
  readonly name = 'fake';
  loads: string[] = [];
  released: string[] = [];
  gate: Promise<void> | null = null;

  async load(bytes: Uint8Array): Promise<Session> {
    const text = new TextDecoder().decode(bytes);
    this.loads.push(text);
    if (this.gate) await this.gate;
    if (!text.startsWith('model-')) throw new ServingError('INVALID_ARGUMENT', `Could not load the model as ONNX: ${text}`);
    return {
      signature: { inputs: [], outputs: [] },
      run: async () => ({ tag: { dtype: 'string', dims: [1], data: [text] } }),
      release: async () => {
        this.released.push(text);
      },
    };
  }
}

export function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export const config = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  name: 'm',
  basePath: 'memory:',
  platform: 'onnx',
  versionPolicy: { kind: 'latest', numVersions: 1 },
  labels: {},
  ...over,
});

export function setup(files: Record<string, string>, over: Partial<ModelConfig> = {}, opts: Partial<ManagerOptions> = {}) {
  const source = new MemorySource();
  for (const [p, b] of Object.entries(files)) source.put(p, b);
  const backend = new FakeBackend();
  const clock = { ms: 0 };
  const background: Promise<unknown>[] = [];
  const manager = new Manager([{ config: config(over), source }], {
    backend,
    cacheBytes: 1 << 20,
    pollIntervalMs: 1000,
    now: () => clock.ms,
    defer: (p) => background.push(p),
    ...opts,
  });
  const settle = () => Promise.all(background.splice(0));
  const versionOf = async (req = {}) => {
    const lease = await manager.acquire('m', req);
    lease.release();
    return lease.servable.version;
  };
  return { source, backend, clock, manager, settle, versionOf };
}

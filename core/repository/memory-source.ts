import { unavailable } from '../errors.ts';
import type { ModelSource } from './source.ts';

/**
 * An in-memory ModelSource over a path -> bytes map (paths relative to the model's base). For unit
 * tests of core logic and for embedding models in code. `calls` counts storage round trips and
 * `down` simulates unreachable storage, so tests can assert when storage is (not) touched.
 */
export class MemorySource implements ModelSource {
  readonly files = new Map<string, Uint8Array>();
  calls = 0;
  down = false;

  constructor(
    readonly location = 'memory:',
    readonly requiresManifest = false,
  ) {}

  put(path: string, bytes: Uint8Array | string): this {
    this.files.set(path, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    return this;
  }

  async list(): Promise<string[]> {
    this.touch();
    return [...new Set([...this.files.keys()].map((p) => p.split('/')[0]))];
  }

  async read(path: string): Promise<Uint8Array | null> {
    this.touch();
    return this.files.get(path) ?? null;
  }

  private touch(): void {
    this.calls += 1;
    if (this.down) throw unavailable(`Storage at ${this.location} is unreachable`);
  }
}

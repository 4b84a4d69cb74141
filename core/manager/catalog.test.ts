import { describe, expect, it, vi } from 'vitest';
import type { Backend } from '../backend/backend.ts';
import { MemorySource } from '../repository/memory-source.ts';
import { Catalog } from './catalog.ts';
import { Manager } from './manager.ts';

const backend: Backend = { name: 'fake', load: async () => ({ signature: { inputs: [], outputs: [] }, run: async () => ({}), release: async () => {} }) };

const NO_MODELS = 'no models found at r2://MODELS: it does not exist or is empty (each model is a folder there, holding numbered version folders)';
// A folder name Windows tools upload: a backslash cannot be in a model name.
const BAD = 'win\\model';
const SKIPPED = `skipping r2://MODELS/${BAD}: --model_name: invalid model name ${JSON.stringify(BAD)} (must be non-empty, not "." or "..", without "/" or "\\")`;

function setup(rootFiles: string[], options: { pollIntervalMs?: number } = {}) {
  const root = new MemorySource('r2://MODELS');
  for (const path of rootFiles) root.put(path, 'x');
  const clock = { ms: 0 };
  const background: Promise<unknown>[] = [];
  const logs: string[] = [];
  const manager = new Manager([], { backend, cacheBytes: 1 << 20, pollIntervalMs: -1 });
  const catalog = new Catalog({
    root,
    sourceFor: (name) => new MemorySource(`r2://MODELS/${name}`),
    manager,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    now: () => clock.ms,
    defer: (work) => background.push(work),
    log: (m) => logs.push(m),
  });
  return { root, clock, background, logs, manager, catalog };
}

describe('Catalog', () => {
  it('serves every folder at the root, not hidden names or models.json; concurrent first calls share one listing', async () => {
    const { root, manager, catalog } = setup(['a/1/model.onnx', 'b/model.json', '.hidden/x', 'models.json']);
    await Promise.all([catalog.refresh(), catalog.refresh()]);
    expect(manager.modelNames().sort()).toEqual(['a', 'b']);
    expect(root.calls).toBe(1);
  });

  it('relists in the background once the listing is older than the poll interval, and adds new folders', async () => {
    const { root, clock, background, logs, manager, catalog } = setup(['a/1/model.onnx']);
    await catalog.refresh();
    root.put('c/1/model.onnx', 'x');
    clock.ms = 999;
    await catalog.refresh();
    expect(background).toHaveLength(0);
    clock.ms = 1000;
    const refreshed = catalog.refresh();
    expect(background).toHaveLength(1); // the listing runs in the background; the caller goes on
    expect(manager.modelNames()).toEqual(['a']);
    await refreshed;
    await Promise.all(background);
    expect(manager.modelNames()).toEqual(['a', 'c']);
    expect(logs).toContain('found new model c at r2://MODELS/c');
  });

  it('lists once when the poll interval is negative', async () => {
    const { root, clock, background, catalog } = setup(['a/1/model.onnx'], { pollIntervalMs: -1 });
    await catalog.refresh();
    clock.ms = 1e9;
    await catalog.refresh();
    expect(background).toHaveLength(0);
    expect(root.calls).toBe(1);
  });

  it('fails a first listing with the storage error, fails fast until retryMs, then lists again', async () => {
    const { root, clock, manager, catalog } = setup(['a/1/model.onnx']);
    root.down = true;
    await expect(catalog.refresh()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(catalog.refresh()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(root.calls).toBe(1);
    root.down = false;
    clock.ms = 1000;
    await catalog.refresh();
    expect(manager.modelNames()).toEqual(['a']);
  });

  it('keeps the known models when a revalidation fails', async () => {
    const { root, clock, background, logs, manager, catalog } = setup(['a/1/model.onnx']);
    await catalog.refresh();
    root.down = true;
    clock.ms = 1000;
    await catalog.refresh();
    await Promise.all(background);
    expect(manager.modelNames()).toEqual(['a']);
    expect(logs.some((m) => m.includes('listing r2://MODELS failed'))).toBe(true);
  });

  it('names a root with no models in the manager and logs it once, however often it is listed', async () => {
    const { clock, background, logs, manager, catalog } = setup([]);
    await catalog.refresh();
    expect(manager.repositoryProblem).toBe(NO_MODELS);
    clock.ms = 1000;
    await catalog.refresh();
    await Promise.all(background);
    expect(logs).toEqual([NO_MODELS]);
    expect(manager.repositoryProblem).toBe(NO_MODELS);
  });

  it('clears the problem once the root holds models, logging only the model found', async () => {
    const { root, clock, background, logs, manager, catalog } = setup([]);
    await catalog.refresh();
    root.put('a/1/model.onnx', 'x');
    clock.ms = 1000;
    await catalog.refresh();
    await Promise.all(background);
    expect(manager.repositoryProblem).toBeNull();
    expect(logs).toEqual([NO_MODELS, 'found new model a at r2://MODELS/a']);
  });

  it('logs nothing for the models of the first listing', async () => {
    const { logs, manager, catalog } = setup(['a/1/model.onnx', 'b/1/model.onnx']);
    await catalog.refresh();
    expect(manager.modelNames()).toEqual(['a', 'b']);
    expect(logs).toEqual([]);
  });

  it('skips a folder whose name cannot be a model, saying why, and adds the others', async () => {
    const { root, clock, background, logs, manager, catalog } = setup(['a/1/model.onnx']);
    await catalog.refresh();
    root.put(`${BAD}/1/model.onnx`, 'x');
    root.put('c/1/model.onnx', 'x');
    clock.ms = 1000;
    await catalog.refresh();
    await Promise.all(background);
    expect(manager.modelNames()).toEqual(['a', 'c']);
    expect(logs).toEqual([SKIPPED, 'found new model c at r2://MODELS/c']);
  });

  it('relists on every refresh when the poll interval is 0', async () => {
    const { root, background, catalog } = setup(['a/1/model.onnx'], { pollIntervalMs: 0 });
    await catalog.refresh();
    await catalog.refresh();
    await Promise.all(background);
    expect(root.calls).toBe(2);
  });

  it('counts the poll interval from the last listing', async () => {
    const { root, clock, background, catalog } = setup(['a/1/model.onnx']);
    clock.ms = 500;
    await catalog.refresh();
    clock.ms = 1000;
    await catalog.refresh();
    expect(background).toHaveLength(0);
    clock.ms = 1500;
    await catalog.refresh();
    await Promise.all(background);
    expect(root.calls).toBe(2);
  });

  it('waits another poll interval after a failed revalidation before listing again', async () => {
    const { root, clock, background, catalog } = setup(['a/1/model.onnx']);
    await catalog.refresh();
    root.down = true;
    clock.ms = 1000;
    await catalog.refresh();
    await Promise.all(background.splice(0));
    clock.ms = 1999;
    await catalog.refresh();
    expect(background).toHaveLength(0);
    expect(root.calls).toBe(2);
    clock.ms = 2000;
    await catalog.refresh();
    expect(background).toHaveLength(1);
  });

  it('works without log and defer hooks', async () => {
    const root = new MemorySource('r2://MODELS');
    const clock = { ms: 0 };
    const manager = new Manager([], { backend, cacheBytes: 1 << 20, pollIntervalMs: -1 });
    const catalog = new Catalog({ root, sourceFor: (name) => new MemorySource(`r2://MODELS/${name}`), manager, pollIntervalMs: 1000, now: () => clock.ms });
    root.down = true;
    await expect(catalog.refresh()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    root.down = false;
    clock.ms = 1000;
    await catalog.refresh(); // an empty root
    expect(manager.repositoryProblem).toBe(NO_MODELS);
    root.put(`${BAD}/1/model.onnx`, 'x').put('a/1/model.onnx', 'x').put('c/1/model.onnx', 'x');
    clock.ms = 2000;
    await catalog.refresh(); // relists in the background, with nothing to hand the work to
    await vi.waitFor(() => expect(manager.modelNames()).toEqual(['a', 'c']));
  });
});

import { expect, it } from 'vitest';
import { ERRORING_WARMUP, REQUEST, erroringModel, goldenWarmup, offsetModel } from './models.ts';

/**
 * The progressive-delivery rollout, the same steps on every target (S3 behind the real server
 * process, R2 under miniflare): a 90/10 split between stable (v1) and canary (v2) measured over
 * 2,000 requests, sticky routing keys, a canary that fails its golden check and never serves,
 * a canary that returns errors and is pulled by the rollback guard, and no failed request from
 * stable throughout. The steps share the target and run in order.
 */
export interface DeliveryTarget {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Puts a version's files, then its manifest (sizes, sha256) last, as `edgeserve push` does. */
  putVersion(version: number, files: Record<string, Uint8Array | string>): Promise<void>;
  putModelJson(doc: unknown): Promise<void>;
  logs(): string;
}

export const MODEL = 'ab';
/** Each step's limit: its waits are bounded themselves (loadUntil), this only stops a hung target. */
const STEP_TIMEOUT_MS = 60_000;

/**
 * How much traffic each step sends. The defaults are the rollout test of record (S3 and R2);
 * Deno and Lambda run the same steps with less (SHORT), since each runs in its own process.
 */
export interface ScenarioSize {
  /** Requests the split is measured over, and how far the canary's share may be from 10%. */
  requests: number;
  tolerance: number;
  /** Routing keys, each sent three times. */
  keys: number;
  /** The rollback guard's min_requests. */
  minRequests: number;
}
export const FULL: ScenarioSize = { requests: 2000, tolerance: 0.03, keys: 200, minRequests: 50 };
export const SHORT: ScenarioSize = { requests: 500, tolerance: 0.06, keys: 60, minRequests: 20 };

const modelJson = (canary: number, size: ScenarioSize) => ({
  labels: { stable: 1, canary },
  traffic: { stable: 90, canary: 10 },
  rollback: { max_error_rate: 0.05, min_requests: size.minRequests },
});

export async function putInitial(t: DeliveryTarget, size: ScenarioSize = FULL): Promise<void> {
  await t.putVersion(1, { 'model.onnx': offsetModel(1), 'warmup.json': goldenWarmup(1) });
  await t.putVersion(2, { 'model.onnx': offsetModel(2), 'warmup.json': goldenWarmup(2) });
  await t.putModelJson(modelJson(2, size));
}

interface Answer {
  status: number;
  version: number | null;
  label: string | null;
  text: string;
}

async function predict(t: DeliveryTarget, key?: string): Promise<Answer> {
  const res = await t.fetch(`/v1/models/${MODEL}:predict`, {
    method: 'POST',
    body: JSON.stringify(REQUEST),
    headers: key === undefined ? {} : { 'x-edgeserve-routing-key': key },
  });
  const version = res.headers.get('x-model-version');
  return { status: res.status, version: version === null ? null : Number(version), label: res.headers.get('x-model-label'), text: await res.text() };
}

/** `n` unpinned requests, `concurrency` at a time; key(i) gives request i's routing key. */
async function burst(t: DeliveryTarget, n: number, key?: (i: number) => string, concurrency = 24): Promise<Answer[]> {
  const answers: Answer[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        answers[i] = await predict(t, key?.(i));
      }
    }),
  );
  return answers;
}

/** Sends bursts until `done` holds, bounded; returns every answer sent meanwhile. */
async function loadUntil(t: DeliveryTarget, done: () => Promise<boolean>, what: string, limitMs = 6000): Promise<Answer[]> {
  const end = Date.now() + limitMs;
  const all: Answer[] = [];
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last answers: ${JSON.stringify(all.slice(-2))}\n${t.logs().slice(-1500)}`);
    all.push(...(await burst(t, 40)));
  }
  return all;
}

async function versionStatus(t: DeliveryTarget, version: number): Promise<{ state: string; code: string; message: string } | undefined> {
  const body = await (await t.fetch(`/v1/models/${MODEL}`)).json();
  const found = (body.model_version_status ?? []).find((s: { version: string }) => s.version === String(version));
  return found && { state: found.state, code: found.status.error_code, message: found.status.error_message };
}

/** Stable answers correctly: 200 from v1 through "stable" with y = 11. */
function expectStable(a: Answer): void {
  expect(a, JSON.stringify(a)).toMatchObject({ status: 200, version: 1, label: 'stable' });
  expect(JSON.parse(a.text)).toEqual({ predictions: [[11]] });
}

export function deliveryScenario(target: () => DeliveryTarget, size: ScenarioSize = FULL): void {
  it(`splits unpinned requests 90/10 between warmed labels (±${size.tolerance * 100}% over ${size.requests}), naming the label`, async () => {
    const t = target();
    const warm = await loadUntil(t, async () => (await versionStatus(t, 2))?.state === 'AVAILABLE' && (await versionStatus(t, 1))?.state === 'AVAILABLE', 'v1 and v2 warmed', 15_000);
    expect(warm.filter((a) => a.status !== 200)).toEqual([]);
    const answers = await burst(t, size.requests);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const canary = answers.filter((a) => a.version === 2);
    for (const a of canary) expect(a.label).toBe('canary');
    for (const a of answers.filter((x) => x.version === 1)) expectStable(a);
    const share = canary.length / size.requests;
    expect(Math.abs(share - 0.1), `canary share ${share}`).toBeLessThanOrEqual(size.tolerance);
    const ready = await t.fetch('/readyz');
    expect(ready.status).toBe(200);
    expect((await ready.json()).models.find((m: { name: string }) => m.name === MODEL).versions.map((v: { state: string }) => v.state)).toEqual(['AVAILABLE', 'AVAILABLE']);
  }, STEP_TIMEOUT_MS);

  it('sends one routing key to one version every time', async () => {
    const t = target();
    const answers = await burst(t, size.keys * 3, (i) => `user-${i % size.keys}`);
    const byKey = new Map<number, Set<number | null>>();
    answers.forEach((a, i) => byKey.set(i % size.keys, (byKey.get(i % size.keys) ?? new Set()).add(a.version)));
    for (const [key, versions] of byKey) expect(versions.size, `user-${key}: ${[...versions]}`).toBe(1);
    const versions = new Set(answers.map((a) => a.version));
    expect(versions).toEqual(new Set([1, 2]));
  }, STEP_TIMEOUT_MS);

  it('never serves a canary that fails its golden check; it ends as END naming the mismatch', async () => {
    const t = target();
    // v3 gives x + 3, but its warmup file holds v2's outputs (a model exported differently).
    await t.putVersion(3, { 'model.onnx': offsetModel(3), 'warmup.json': goldenWarmup(2) });
    await t.putModelJson(modelJson(3, size));
    const during = await loadUntil(t, async () => (await versionStatus(t, 3))?.state === 'END', 'v3 failing its golden check');
    const after = await burst(t, size.requests / 5);
    for (const a of [...during, ...after]) {
      expect(a.status, a.text).toBe(200);
      expect(a.version).not.toBe(3);
    }
    for (const a of after) expectStable(a);
    const v3 = await versionStatus(t, 3);
    expect(v3?.code).toBe('FAILED_PRECONDITION');
    expect(v3?.message).toMatch(/^Warmup golden check failed: .*\/3\/warmup\.json request 0, output "y": index 0: expected 12, actual 13 /);
  }, STEP_TIMEOUT_MS);

  it('pulls a canary that returns errors (rollback guard), with a log line and a metric; stable never fails', async () => {
    const t = target();
    await t.putVersion(4, { 'model.onnx': erroringModel(), 'warmup.json': ERRORING_WARMUP });
    await t.putModelJson(modelJson(4, size));
    const rollbacks = 'edgeserve_rollbacks_total{model="ab",version="4",label="canary"} 1';
    const during = await loadUntil(t, async () => (await (await t.fetch('/monitoring/prometheus/metrics')).text()).includes(rollbacks), 'the canary pulled', 15_000);
    const after = await burst(t, size.requests / 4);
    const failed = during.filter((a) => a.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    // Every failure is the canary's run error on this traffic (an id outside its table: the
    // caller's 400, which stable answers): stable failed nothing, and the guard, comparing the two,
    // pulls the canary although its failures are 4xx.
    for (const a of failed) expect(a, JSON.stringify(a)).toMatchObject({ status: 400, text: expect.stringMatching(/indices|out of (data )?bounds/i) });
    for (const a of during.filter((x) => x.status === 200)) expect(a.version).toBe(1);
    for (const a of after) expectStable(a);
    expect(t.logs()).toContain('rolled back label canary (version 4) on this instance');
    const ready = await (await t.fetch('/readyz')).json();
    expect(ready.models.find((m: { name: string }) => m.name === MODEL).versions).toContainEqual({ version: 4, state: 'AVAILABLE', pulled: true });
    // Pinned requests still reach it, so people can look into it.
    expect((await t.fetch(`/v1/models/${MODEL}/labels/canary:predict`, { method: 'POST', body: JSON.stringify(REQUEST) })).status).toBe(400);
  }, STEP_TIMEOUT_MS);
}

import { afterAll, beforeAll, describe } from 'vitest';
import { putVersion } from '../edge/r2-repository.ts';
import { buildBundle, startWorker, type WorkerUnderTest } from '../edge/worker-harness.ts';
import { MODEL, deliveryScenario, putInitial, type DeliveryTarget } from './scenario.ts';

// Progressive delivery on the Worker: the built bundle in workerd (miniflare) over its real R2
// binding, with wrangler.toml's settings (batching on) and a 1 s poll interval.
let bundle: Awaited<ReturnType<typeof buildBundle>>;
let worker: WorkerUnderTest;

const target: DeliveryTarget = {
  fetch: (path, init) => worker.fetch(path, init),
  putVersion: (version, files) => putVersion(worker.put, `${MODEL}/${version}`, files),
  putModelJson: (doc) => worker.put(`${MODEL}/model.json`, JSON.stringify(doc)),
  logs: () => worker.logs(),
};

beforeAll(async () => {
  bundle = await buildBundle();
  worker = await startWorker(bundle.dir, { FILE_SYSTEM_POLL_WAIT_SECONDS: '1' });
  await putInitial(target);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  bundle?.remove();
});

describe('progressive delivery from R2 (the Worker under miniflare)', () => deliveryScenario(() => target));

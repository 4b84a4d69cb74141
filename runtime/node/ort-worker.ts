import * as ort from 'onnxruntime-node';
import { parentPort, workerData } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-common';
import type { ModelFiles, Session } from '../../core/backend/backend.ts';
import { ortBackend, type OrtModule } from '../../core/backend/ort-session.ts';
import type { Tensor } from '../../core/tensor/tensor.ts';
import { transferable, type Reply, type Request } from './ort-worker-protocol.ts';

/**
 * The worker thread of onnxruntime-worker.ts: it owns every onnxruntime-node session (the only
 * copy of each model in the process), so session.run, which holds its thread, never holds the
 * server's event loop. Signatures are read here (ortBackend) and sent back; errors cross as
 * { code, message } and become the same ServingError on the other side.
 */
const data = workerData as { name: string; options: InferenceSession.SessionOptions };
const backend = ortBackend(data.name, ort as unknown as OrtModule, data.options, { opensFiles: true });
const sessions = new Map<number, Session>();
let nextSession = 1;
const port = parentPort!;

port.on('message', (msg: Request) => {
  handle(msg).then(
    ([result, transfer]) => port.postMessage({ id: msg.id, ok: true, result } satisfies Reply, transfer),
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      port.postMessage({ id: msg.id, ok: false, code: e.code ?? 'INTERNAL', message: e.message ?? String(err) } satisfies Reply);
    },
  );
});

async function handle(msg: Request): Promise<[unknown, ArrayBuffer[]]> {
  if (msg.op === 'load') {
    const session = await backend.load(msg.model as Uint8Array | ModelFiles);
    const id = nextSession++;
    sessions.set(id, session);
    return [{ session: id, signature: session.signature }, []];
  }
  const session = sessions.get(msg.session);
  if (!session) throw Object.assign(new Error('The session was released'), { code: 'FAILED_PRECONDITION' });
  if (msg.op === 'release') {
    sessions.delete(msg.session);
    await session.release();
    return [null, []];
  }
  const out = await session.run(msg.inputs);
  const transfer: ArrayBuffer[] = [];
  const result: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(out)) result[name] = transferable(t, transfer);
  return [result, transfer];
}

import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-common';
import type { Backend, ModelFiles, Session } from '../../core/backend/backend.ts';
import { ServingError, type Code } from '../../core/errors.ts';
import type { Signature, Tensor } from '../../core/tensor/tensor.ts';
import { transferable, type Loaded, type Reply, type Request } from './ort-worker-protocol.ts';

/**
 * Leaf: the onnxruntime-node Backend with its sessions in one worker thread (ort-worker.ts), so a
 * run no longer holds the event loop and JSON/protobuf work overlaps inference. Same contract as
 * the in-thread backend (core/backend/backend.ts): each model exists once, in the worker; inputs
 * are copied into fresh buffers and transferred, outputs come back transferred; a ServingError
 * keeps its code and message. The worker starts on the first load and holds the process open only
 * while a call is pending. If it dies, pending calls reject with INTERNAL and the next load starts
 * a new one (sessions of the old one then answer FAILED_PRECONDITION).
 */
export function onnxruntimeWorker(name: string, options: InferenceSession.SessionOptions): Backend {
  let worker: ThreadClient | null = null;
  const client = () => (worker && !worker.dead ? worker : (worker = new ThreadClient(name, options)));
  return {
    name,
    opensFiles: true,
    async load(model) {
      const thread = client();
      const transfer: ArrayBuffer[] = [];
      const { session, signature } = (await thread.call({ op: 'load', model: movable(model, transfer) }, transfer)) as Loaded;
      return new WorkerSession(thread, session, signature);
    },
  };
}

class WorkerSession implements Session {
  constructor(
    private readonly thread: ThreadClient,
    private readonly id: number,
    readonly signature: Signature,
  ) {}

  async run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const transfer: ArrayBuffer[] = [];
    const moved: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) moved[name] = transferable(t, transfer, { own: false });
    return (await this.thread.call({ op: 'run', session: this.id, inputs: moved }, transfer)) as Record<string, Tensor>;
  }

  async release(): Promise<void> {
    if (!this.thread.dead) await this.thread.call({ op: 'release', session: this.id }, []);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class ThreadClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 1;
  dead = false;

  constructor(name: string, options: InferenceSession.SessionOptions) {
    this.worker = new Worker(workerEntry(), { workerData: { name, options } });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.settled(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new ServingError(reply.code as Code, reply.message));
    });
    const die = (why: string) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(new ServingError('INTERNAL', `The onnxruntime worker thread stopped: ${why}`));
      this.pending.clear();
    };
    this.worker.on('error', (err) => die(err.message));
    this.worker.on('exit', (code) => die(`exit code ${code}`));
  }

  call(request: Call, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.dead) return Promise.reject(new ServingError('FAILED_PRECONDITION', 'The onnxruntime worker thread stopped; reload the model'));
    const id = this.next++;
    // Held open (ref) only while something waits on the worker, so an idle backend never keeps a process alive.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private settled(id: number) {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }
}

/**
 * Model bytes copied once into fresh buffers that are then moved (transferred), so the worker gets
 * the only extra copy and the caller's buffers stay usable (the manager may still read them).
 */
function movable(model: Uint8Array | ModelFiles, transfer: ArrayBuffer[]): Uint8Array | ModelFiles {
  const move = (bytes: Uint8Array) => {
    const copy = bytes.slice();
    transfer.push(copy.buffer);
    return copy;
  };
  if (model instanceof Uint8Array) return move(model);
  return { ...model, bytes: move(model.bytes), externalData: model.externalData.map((f) => (f.data ? { ...f, data: move(f.data) } : f)) };
}

/**
 * The worker's script. From sources (tsx, vitest) a small .mjs registers tsx and imports
 * ort-worker.ts; the container bundle (build:container) ships ort-worker.mjs beside main.mjs and its chunks.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./ort-worker-boot.mjs', here) : new URL('./ort-worker.mjs', here);
}

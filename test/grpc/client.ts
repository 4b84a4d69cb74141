import * as grpc from '@grpc/grpc-js';
import { HEALTH_SERVICE, MODEL_SERVICE, PREDICTION_SERVICE, serviceDefinition } from '../../runtime/node/grpc/grpc-services.ts';
import { OIP_SERVICE } from '../../runtime/node/grpc/oip-service.ts';

/**
 * A gRPC client for tests, built from our protos with protobufjs only (no edgeserve codec), the
 * way a stock TF Serving client is built from the official ones. call() resolves with the decoded
 * response (protobufjs plain objects, int64 as bigint) or rejects with the grpc ServiceError.
 */
export interface GrpcClient {
  call<T = any>(service: 'prediction' | 'model' | 'health' | 'oip', method: string, request: object, options?: CallOptions): Promise<T>;
  /** The first message of a server stream (health Watch). */
  first<T = any>(service: 'health', method: string, request: object): Promise<T>;
  /** A health Watch stream, read one message at a time (next() rejects once the stream has ended). */
  watch<T = any>(request: object): { next(): Promise<T> };
  close(): void;
}

export interface CallOptions {
  /** Deadline in ms from now. */
  deadlineMs?: number;
  metadata?: Record<string, string>;
}

export function grpcClient(address: string): GrpcClient {
  const make = (name: string) => {
    const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(name), name);
    return new Ctor(address, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client;
  };
  const clients = { prediction: make(PREDICTION_SERVICE), model: make(MODEL_SERVICE), health: make(HEALTH_SERVICE), oip: make(OIP_SERVICE) };
  return {
    call(service, method, request, options = {}) {
      const metadata = new grpc.Metadata();
      for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
      const callOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
      return new Promise((resolve, reject) => {
        clients[service][method].call(clients[service], request, metadata, callOptions, (err: grpc.ServiceError | null, res: any) =>
          err ? reject(err) : resolve(res),
        );
      });
    },
    first(service, method, request) {
      return new Promise((resolve, reject) => {
        const stream = clients[service][method].call(clients[service], request) as grpc.ClientReadableStream<any>;
        stream.once('data', (msg) => {
          resolve(msg);
          stream.cancel();
        });
        stream.once('error', (err: grpc.ServiceError) => {
          if (err.code !== grpc.status.CANCELLED) reject(err);
        });
      });
    },
    watch(request) {
      const stream = clients.health.Watch.call(clients.health, request) as grpc.ClientReadableStream<any>;
      const queue: any[] = [];
      const waiting: { resolve: (m: any) => void; reject: (e: Error) => void }[] = [];
      stream.on('data', (msg) => (waiting.length ? waiting.shift()!.resolve(msg) : queue.push(msg)));
      stream.on('error', () => {});
      stream.once('close', () => waiting.splice(0).forEach((w) => w.reject(new Error('the Watch stream ended'))));
      return {
        next: () => (queue.length ? Promise.resolve(queue.shift()) : stream.closed ? Promise.reject(new Error('the Watch stream ended')) : new Promise((resolve, reject) => waiting.push({ resolve, reject }))),
      };
    },
    close() {
      for (const c of Object.values(clients)) c.close();
    },
  };
}

/** The error a call rejected with, as {code, details}; fails if it resolved. */
export async function grpcError(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('expected the call to fail');
}

export const Status = grpc.status;

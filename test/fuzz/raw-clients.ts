import * as grpc from '@grpc/grpc-js';
import { PREDICTION_SERVICE, serviceDefinition } from '../../runtime/node/grpc/grpc-services.ts';

/**
 * Clients that send bytes as they are: binary HTTP predict and the gRPC Predict method with a
 * pass-through serializer, so malformed PredictRequests reach the server unchanged.
 * Both resolve with the outcome (never reject on a status): HTTP status and body text, or the
 * gRPC status code and details (0 on success).
 */
export interface Outcome {
  status: number;
  text: string;
}

export async function postBinary(url: string, bytes: Uint8Array<ArrayBuffer>): Promise<Outcome> {
  const res = await fetch(url, { method: 'POST', body: bytes, headers: { 'content-type': 'application/x-protobuf' } });
  const body = new Uint8Array(await res.arrayBuffer());
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, text: isJson ? new TextDecoder().decode(body) : `<${body.byteLength} bytes>` };
}

export async function postJson(url: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Outcome> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text() };
}

export interface RawGrpc {
  predict(bytes: Uint8Array): Promise<Outcome>;
  close(): void;
}

export function rawGrpc(address: string): RawGrpc {
  const definition = serviceDefinition(PREDICTION_SERVICE) as Record<string, grpc.MethodDefinition<unknown, unknown>>;
  const predict = { ...definition.Predict, requestSerialize: (bytes: unknown) => Buffer.from(bytes as Uint8Array), responseDeserialize: (b: Buffer) => b };
  const Ctor = grpc.makeGenericClientConstructor({ Predict: predict } as grpc.ServiceDefinition, PREDICTION_SERVICE);
  const client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Function>;
  return {
    predict(bytes) {
      return new Promise((resolve) => {
        client.Predict.call(client, bytes, new grpc.Metadata(), { deadline: Date.now() + 20_000 }, (err: grpc.ServiceError | null) =>
          resolve(err ? { status: err.code, text: err.details } : { status: 0, text: '' }),
        );
      });
    },
    close: () => client.close(),
  };
}

import * as grpc from '@grpc/grpc-js';
import { Agent, request } from 'node:http';

/**
 * The transport bench's callers. Each sends the same pre-encoded body over keep-alive connections
 * and reads the whole response without decoding it, so the client's own cost is small and the
 * same for every transport; the server's decode, run and encode are what differ. Each resolves
 * with 1 (one image) on success and rejects otherwise.
 */
export interface Caller {
  call(): Promise<number>;
  close(): void;
}

export function httpCaller(url: string, body: Uint8Array, contentType: string, concurrency: number): Caller {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const headers = { 'content-type': contentType, 'content-length': payload.length };
  return {
    call: () =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(1) : reject(new Error(`HTTP ${res.statusCode}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

/** Unary /tensorflow.serving.PredictionService/Predict with a pre-serialized PredictRequest. */
export function grpcCaller(address: string, body: Uint8Array): Caller {
  const raw = (b: Buffer) => b;
  const Client = grpc.makeGenericClientConstructor(
    {
      Predict: {
        path: '/tensorflow.serving.PredictionService/Predict',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    'PredictionService',
  );
  const client = new Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  }) as unknown as grpc.Client & { Predict: (req: Buffer, cb: (err: grpc.ServiceError | null) => void) => void };
  const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return {
    call: () => new Promise<number>((resolve, reject) => client.Predict(payload, (err) => (err ? reject(err) : resolve(1)))),
    close: () => client.close(),
  };
}

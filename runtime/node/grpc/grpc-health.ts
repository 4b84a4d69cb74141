import type * as grpc from '@grpc/grpc-js';
import { ServingError } from '../../../core/errors.ts';
import { CODE_NUMBER } from './grpc-status.ts';

/*
 * The standard gRPC health service (grpc.health.v1.Health, proto/grpc/health/v1/health.proto)
 * for the gRPC server: "" (the whole server) and each registered service, by full name
 * ("tensorflow.serving.PredictionService") and by the short name TF Serving's own health service
 * uses ("PredictionService"). SERVING from the moment the server listens until it shuts down.
 * Check answers NOT_FOUND for other names; Watch streams SERVICE_UNKNOWN for them, and every
 * change for known ones, until the client cancels or the server closes.
 */
const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_UNKNOWN = 3;

interface HealthRequest {
  service?: string;
}
interface HealthResponse {
  status: number;
}

export function healthService(services: string[]) {
  const names = new Set(['', ...services, ...services.map((s) => s.slice(s.lastIndexOf('.') + 1))]);
  let serving = false;
  const watchers = new Set<grpc.ServerWritableStream<HealthRequest, HealthResponse>>();
  const statusOf = (service: string) => (!names.has(service) ? SERVICE_UNKNOWN : serving ? SERVING : NOT_SERVING);

  const handlers = {
    Check(call: grpc.ServerUnaryCall<HealthRequest, HealthResponse>, callback: grpc.sendUnaryData<HealthResponse>) {
      const service = call.request.service ?? '';
      if (!names.has(service)) {
        const err = new ServingError('NOT_FOUND', `unknown service ${service}`);
        callback({ name: err.name, message: err.message, code: CODE_NUMBER.NOT_FOUND, details: err.message });
        return;
      }
      callback(null, { status: statusOf(service) });
    },
    Watch(call: grpc.ServerWritableStream<HealthRequest, HealthResponse>) {
      watchers.add(call);
      call.on('cancelled', () => watchers.delete(call));
      call.write({ status: statusOf(call.request.service ?? '') });
    },
  };

  return {
    handlers,
    setServing(value: boolean) {
      if (serving === value) return;
      serving = value;
      for (const w of watchers) if (names.has(w.request.service ?? '')) w.write({ status: statusOf(w.request.service ?? '') });
    },
    /** Ends every Watch stream (at shutdown, so the server can close). */
    endWatches() {
      for (const w of watchers) w.end();
      watchers.clear();
    },
  };
}

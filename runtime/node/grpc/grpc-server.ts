import * as grpc from '@grpc/grpc-js';
import { serveRequest, type Answers, type ApiHost } from '../../../core/apis/serve-request.ts';
import { ServingError, errorLogText, isUnexpectedError } from '../../../core/errors.ts';
import { httpStatus } from '../../../core/http/status-codes.ts';
import { ROUTING_KEY_HEADER } from '../../../core/version/traffic.ts';
import { healthService } from './grpc-health.ts';
import { HEALTH_SERVICE, MODEL_SERVICE, PREDICTION_SERVICE, serviceDefinition, toBuffer } from './grpc-services.ts';
import { grpcStatus } from './grpc-status.ts';
import { OIP_SERVICE, oipHandlers } from './oip-service.ts';
import { modelHandlers, predictionHandlers, type GrpcHandler } from './tf-serving-service.ts';

/**
 * TF Serving's gRPC API on @grpc/grpc-js: tensorflow.serving.PredictionService (Predict,
 * Classify, Regress, GetModelMetadata), tensorflow.serving.ModelService (GetModelStatus)
 * (tf-serving-service.ts), the Open Inference Protocol's inference.GRPCInferenceService
 * (oip-service.ts) and the standard grpc.health.v1.Health service. It serves from the service's
 * ApiHost (createService), as the REST app does, so batching, limits, keys and metrics are the
 * same on both. Every call goes through the one request wrapper (core/apis/serve-request.ts):
 *
 * - with API keys, calls must carry `authorization: Bearer <key>` metadata, checked by the same
 *   core/auth/api-keys.ts as REST (health checks need not); any refusal is UNAUTHENTICATED;
 * - a call's deadline is the request's deadline (DEADLINE_EXCEEDED when it passes); without one
 *   the REST timeout applies;
 * - status codes are the canonical codes unchanged, messages cut at 1024 chars + "...TRUNCATED"
 *   (TF's ToGRPCStatus); unexpected errors are logged and answered INTERNAL "Internal error";
 * - requests are counted in the REST metrics with api "grpc_<method>" and the HTTP status the
 *   code maps to (status-codes.ts), so one dashboard covers both.
 */
export interface GrpcServerOptions {
  host: string;
  /** 0 is refused here: callers skip gRPC when --port=0. */
  port: number;
  log?: (message: string) => void;
}

export interface RunningGrpcServer {
  /** host:port actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

type Unary = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => void;
type Outcome = { ok: true; response: unknown } | { ok: false; code: number; details: string; httpStatus: number };

export async function startGrpcServer(apiHost: ApiHost, options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const log = options.log ?? ((m: string) => console.log(m));

  /** One method through the request wrapper: auth, deadline, error mapping, metrics. */
  function unary(method: string, handler: GrpcHandler): Unary {
    const answers: Answers<Outcome> = {
      fail: (err) => {
        if (isUnexpectedError(err)) log(`edgeserve: unexpected gRPC ${method} error: ${errorLogText(err)}`);
        const status = grpcStatus(err);
        return { ok: false, code: status.code, details: status.details, httpStatus: httpStatus(status.error.code) };
      },
      status: (outcome) => (outcome.ok ? 200 : outcome.httpStatus),
    };
    return (call, callback) => {
      const routingKey = call.metadata.get(ROUTING_KEY_HEADER)[0];
      const text = (key: string) => {
        const value = call.metadata.get(key)[0];
        return typeof value === 'string' ? value : undefined;
      };
      const start = {
        api: `grpc_${method}`,
        timeoutMs: timeLeftMs(call.getDeadline(), apiHost.timeoutMs),
        routingKey: typeof routingKey === 'string' ? routingKey : undefined,
        identity: () => ({ requestId: text('x-request-id'), traceparent: text('traceparent'), tracestate: text('tracestate') }),
      };
      void serveRequest(apiHost.recorder, answers, start, async (apiCall) => {
        await authorize(apiHost, call.metadata);
        return { ok: true as const, response: await handler(call.request, apiCall, apiHost) };
      }).then((outcome) => {
        if (outcome.ok) callback(null, outcome.response);
        else callback({ name: 'ServingError', message: outcome.details, code: outcome.code, details: outcome.details });
      });
    };
  }

  const methods = (handlers: Record<string, GrpcHandler>, prefix = '') =>
    Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, unary(prefix + methodLabel(name), handler)]));

  const server = new grpc.Server({
    'grpc.max_receive_message_length': apiHost.maxBodyBytes,
    'grpc.max_send_message_length': -1,
  });
  // Predict skips protobufjs: raw bytes in, the hand codec's bytes out.
  const rawPredict = { Predict: { requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: (bytes: unknown) => toBuffer(bytes as Uint8Array) } };
  server.addService(serviceDefinition(PREDICTION_SERVICE, rawPredict), methods(predictionHandlers));
  server.addService(serviceDefinition(MODEL_SERVICE), methods(modelHandlers));
  // The Open Inference Protocol's service, through the same wrapper (api "grpc_oip_<method>").
  server.addService(serviceDefinition(OIP_SERVICE), methods(oipHandlers, 'oip_'));
  const health = healthService([PREDICTION_SERVICE, MODEL_SERVICE, OIP_SERVICE]);
  server.addService(serviceDefinition(HEALTH_SERVICE), health.handlers);

  const target = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  // grpc-js also prints a failed bind itself; the error below says it, as one line naming --port.
  grpc.setLogger({ ...console, error: (...args: unknown[]) => void (/No address added/.test(String(args[0])) || console.error(...args)) });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(new Error(`gRPC cannot listen on ${target}: ${err.message}`)) : resolve(bound)));
  });
  health.setServing(true);
  return {
    address: `${options.host}:${port}`,
    port,
    close: async () => {
      health.setServing(false);
      health.endWatches();
      await new Promise<void>((resolve) => {
        // In-flight calls may finish; a stuck one does not hold the process past a grace period.
        const force = setTimeout(() => server.forceShutdown(), 5000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** The metrics' api label of a TF Serving method (predict, metadata, status, ...); OIP's keep their names. */
const LABELS: Record<string, string> = { Predict: 'predict', Classify: 'classify', Regress: 'regress', GetModelMetadata: 'metadata', GetModelStatus: 'status' };
const methodLabel = (name: string) => LABELS[name] ?? name;

/** ms until a gRPC deadline; the fallback when the call has none. */
export function timeLeftMs(deadline: grpc.Deadline, fallbackMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return fallbackMs;
  return at - Date.now();
}

async function authorize(apiHost: ApiHost, metadata: grpc.Metadata): Promise<void> {
  if (!apiHost.apiKeys) return;
  const value = metadata.get('authorization')[0];
  const verdict = await apiHost.apiKeys(typeof value === 'string' ? value : undefined);
  if (verdict !== 'ok') throw new ServingError('UNAUTHENTICATED', 'Missing or invalid API key');
}

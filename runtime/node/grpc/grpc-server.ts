import * as grpc from '@grpc/grpc-js';
import { classify, regress, type ExamplesRequestObject } from '../../../core/apis/classify.ts';
import { getModelMetadata, getModelStatus, type MetadataRequestObject, type StatusRequestObject } from '../../../core/apis/model-info.ts';
import { predict, type ApiContext } from '../../../core/apis/predict.ts';
import { grpcStatus } from '../../../core/apis/status.ts';
import { ServingError, errorLogText, isUnexpectedError } from '../../../core/errors.ts';
import { runDirect, type RunFn } from '../../../core/manager/lease-run.ts';
import { recordRequest } from '../../../core/apis/record-request.ts';
import { ROUTING_KEY_HEADER } from '../../../core/version/traffic.ts';
import { httpStatus } from '../../../core/http/status-codes.ts';
import type { Manager } from '../../../core/manager/manager.ts';
import type { ServingMetrics } from '../../../core/metrics/serving-metrics.ts';
import { defaultMaxTensorBytes } from '../../../core/tensor/budget.ts';
import { decodePredictRequest } from '../../../core/tensor/proto/predict.ts';
import { healthService } from './grpc-health.ts';
import { HEALTH_SERVICE, MODEL_SERVICE, PREDICTION_SERVICE, serviceDefinition, toBuffer } from './grpc-services.ts';
import { OIP_SERVICE, oipHandlers } from './oip-service.ts';
import { encodeMessage, lookupType } from './proto-root.ts';

const SignatureDefMap = lookupType('tensorflow.serving.SignatureDefMap');

/**
 * TF Serving's gRPC API on @grpc/grpc-js: tensorflow.serving.PredictionService (Predict,
 * Classify, Regress, GetModelMetadata), tensorflow.serving.ModelService (GetModelStatus), the
 * Open Inference Protocol's inference.GRPCInferenceService (oip-service.ts) and the
 * standard grpc.health.v1.Health service. Handlers are core/apis'; this file is transport glue:
 *
 * - status codes are the canonical codes unchanged, messages cut at 1024 chars + "...TRUNCATED"
 *   (TF's ToGRPCStatus); unexpected errors are logged and answered INTERNAL "Internal error";
 * - a call's deadline becomes the run's deadline (DEADLINE_EXCEEDED when it passes); without one
 *   the REST timeout applies;
 * - runs go through `run`, the same RunFn as the REST app, so the batcher applies to gRPC too;
 * - with apiKeys, calls must carry `authorization: Bearer <key>` metadata (health checks need not);
 * - requests are counted in the REST metrics with api "grpc_<method>" and the HTTP status the
 *   code maps to (status-codes.ts), so one dashboard covers both.
 */
export interface GrpcServerOptions {
  manager: Manager;
  metrics: ServingMetrics;
  run?: RunFn;
  host: string;
  /** 0 is refused here: callers skip gRPC when --port=0. */
  port: number;
  maxMessageBytes: number;
  /** Bytes one request's input tensors may take; default 16 x maxMessageBytes (core/tensor/budget.ts). */
  maxTensorBytes?: number;
  defaultTimeoutMs: number;
  apiKeys?: string[];
  tensorContent?: boolean;
  log?: (message: string) => void;
  now?: () => number;
}

export interface RunningGrpcServer {
  /** host:port actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { manager, metrics } = options;
  const run: RunFn = options.run ?? runDirect;
  const now = options.now ?? (() => performance.now());
  const log = options.log ?? ((m: string) => console.log(m));

  /** Wraps a handler: auth, deadline, error mapping, metrics. */
  function unary<Req, Res>(method: string, handler: (req: Req, ctx: ApiContext, model: (name: string) => void) => Promise<Res>): Unary<Req, Res> {
    return (call, callback) => {
      const started = now();
      let model = '';
      let version = '';
      let label: string | undefined;
      const routingKey = call.metadata.get(ROUTING_KEY_HEADER)[0];
      const ctx: ApiContext = {
        manager,
        run,
        timeoutMs: timeLeftMs(call.getDeadline(), options.defaultTimeoutMs),
        tensorContent: options.tensorContent,
        maxTensorBytes: options.maxTensorBytes ?? defaultMaxTensorBytes(options.maxMessageBytes),
        routingKey: typeof routingKey === 'string' ? routingKey : undefined,
        ranVersion: (v, l) => {
          version = String(v);
          label = l;
        },
      };
      const done = (code: number, httpCode: number) => {
        const seconds = (now() - started) / 1000;
        recordRequest(manager, metrics, { model, version, api: `grpc_${method}`, status: httpCode, seconds, label });
        return code;
      };
      Promise.resolve()
        .then(() => authorize(call.metadata, options.apiKeys))
        .then(() => handler(call.request, ctx, (name) => (model = name)))
        .then(
          (response) => {
            done(0, 200);
            callback(null, response);
          },
          (err) => {
            if (isUnexpectedError(err)) log(`edgeserve: unexpected gRPC ${method} error: ${errorLogText(err)}`);
            const status = grpcStatus(err);
            done(status.code, httpStatus(status.error.code));
            callback({ name: 'ServingError', message: status.details, code: status.code, details: status.details });
          },
        );
    };
  }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
  });
  server.addService(
    serviceDefinition(PREDICTION_SERVICE, {
      // Predict skips protobufjs: raw bytes in, the hand codec's bytes out.
      Predict: { requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: (bytes: unknown) => toBuffer(bytes as Uint8Array) },
    }),
    {
      Predict: unary<Buffer, Uint8Array>('predict', (bytes, ctx, model) => {
        const request = decodePredictRequest(bytes);
        model(request.modelSpec?.name ?? '');
        return predict(request, ctx);
      }),
      Classify: unary<ExamplesRequestObject, unknown>('classify', (req, ctx, model) => {
        model(req.model_spec?.name ?? '');
        return classify(req, ctx);
      }),
      Regress: unary<ExamplesRequestObject, unknown>('regress', (req, ctx, model) => {
        model(req.model_spec?.name ?? '');
        return regress(req, ctx);
      }),
      GetModelMetadata: unary<MetadataRequestObject, unknown>('metadata', (req, ctx, model) => {
        model(req.model_spec?.name ?? '');
        return getModelMetadata(req, ctx.manager, (map) => encodeMessage(SignatureDefMap, map), { timeoutMs: ctx.timeoutMs });
      }),
    },
  );
  server.addService(serviceDefinition(MODEL_SERVICE), {
    GetModelStatus: unary<StatusRequestObject, unknown>('status', (req, ctx, model) => {
      model(req.model_spec?.name ?? '');
      return getModelStatus(req, ctx.manager);
    }),
  });
  // The Open Inference Protocol's service, through the same wrapper (api "grpc_oip_<method>").
  const oip = Object.entries(oipHandlers()).map(([name, handler]) => [name, unary(`oip_${name}`, handler)] as const);
  server.addService(serviceDefinition(OIP_SERVICE), Object.fromEntries(oip));
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

/** ms until a gRPC deadline; the fallback when the call has none. */
export function timeLeftMs(deadline: grpc.Deadline, fallbackMs: number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return fallbackMs;
  return at - Date.now();
}

function authorize(metadata: grpc.Metadata, apiKeys: string[] | undefined): void {
  if (!apiKeys?.length) return;
  const header = String(metadata.get('authorization')[0] ?? '');
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match || !apiKeys.includes(match[1].trim())) throw new ServingError('UNAUTHENTICATED', 'Missing or invalid API key');
}

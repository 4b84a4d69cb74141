import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { decodeMessage, encodeMessage, protoRoot } from './proto-root.ts';

/*
 * @grpc/grpc-js service definitions built from our protos (proto-descriptor.json)
 * with protobufjs, instead of @grpc/proto-loader: method paths are `/<package>.<Service>/<Method>`
 * as in every stock client. Messages are protobufjs plain objects (snake_case fields, int64 as
 * bigint: see proto-root.ts). `overrides` replaces the (de)serializers of single methods; the
 * server uses it to give Predict raw bytes both ways (the hand codec in core/tensor/proto/).
 * Tests build their clients from the plain definitions, so they speak protobufjs end to end.
 */
export const PREDICTION_SERVICE = 'tensorflow.serving.PredictionService';
export const MODEL_SERVICE = 'tensorflow.serving.ModelService';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

type AnyMethod = MethodDefinition<unknown, unknown>;
export type Overrides = Record<string, Partial<Pick<AnyMethod, 'requestDeserialize' | 'responseSerialize'>>>;

export function serviceDefinition(service: string, overrides: Overrides = {}): ServiceDefinition {
  const svc = protoRoot.lookupService(service);
  const definition: Record<string, AnyMethod> = {};
  for (const method of Object.values(svc.methods)) {
    method.resolve();
    const req = method.resolvedRequestType!;
    const res = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${service}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (value) => toBuffer(encodeMessage(req, value as object)),
      requestDeserialize: (bytes: Buffer) => decodeMessage(req, bytes),
      responseSerialize: (value) => toBuffer(encodeMessage(res, value as object)),
      responseDeserialize: (bytes: Buffer) => decodeMessage(res, bytes),
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
      ...overrides[method.name],
    };
  }
  return definition as ServiceDefinition;
}

/** A Buffer over the same bytes (no copy). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

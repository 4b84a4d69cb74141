/**
 * Builds runtime/node/grpc/proto-descriptor.json, the protobufjs JSON descriptor of our TF
 * Serving, TF and gRPC health protos (proto/tensorflow/**, proto/tensorflow_serving/**,
 * proto/grpc/**) and the Open Inference Protocol's (proto/inference/**), so the gRPC server
 * and tests load them with protobuf.Root.fromJSON, without reading files at run time. Build output: never edit
 * the JSON by hand; rerun this after changing a .proto (test/grpc/proto-descriptor.test.ts fails
 * while it is stale).
 *
 *   npx tsx proto/build-descriptor.ts          (npm run proto)
 *
 * Field names keep the .proto's snake_case (keepCase), as TF Serving's docs and JSON use them.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const PROTO_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const DESCRIPTOR_FILE = fileURLToPath(new URL('../runtime/node/grpc/proto-descriptor.json', import.meta.url));

/** The .proto files the descriptor covers, relative to proto/, sorted (onnx.proto is the fixtures'). */
export function descriptorSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.proto')) out.push(relative(PROTO_ROOT, path));
    }
  };
  for (const top of ['grpc', 'inference', 'tensorflow', 'tensorflow_serving']) walk(join(PROTO_ROOT, top));
  return out;
}

/** The descriptor's JSON text (stable: same protos in, same text out). */
export function buildDescriptor(): string {
  const root = new protobuf.Root();
  // Imports are written from the proto/ root, as in the upstream repositories.
  root.resolvePath = (_origin, target) => resolve(PROTO_ROOT, target);
  root.loadSync(descriptorSources(), { keepCase: true });
  root.resolveAll();
  return JSON.stringify(root.toJSON(), null, 1) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(DESCRIPTOR_FILE, buildDescriptor());
  console.log(`wrote ${relative(process.cwd(), DESCRIPTOR_FILE)} from ${descriptorSources().length} .proto files`);
}

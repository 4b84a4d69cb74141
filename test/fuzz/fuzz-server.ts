import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { lookupModel } from '../fixtures/lookup-model.ts';

/**
 * The server the fuzzer targets: the bundled models plus the lookup model (an embedding lookup and
 * two inputs, test/fixtures/lookup-model.ts), with --max_body_bytes=1MiB and gRPC on. stop() ends
 * the process and removes its folder.
 */
export async function startFuzzServer(): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeserve-fuzz-'));
  mkdirSync(join(dir, 'lookup', '1'), { recursive: true });
  writeFileSync(join(dir, 'lookup', '1', 'model.onnx'), lookupModel);
  // The bundled config's base paths are relative to models/: made absolute, plus the lookup model.
  const bundled = readFileSync('models/models.config', 'utf8').replace(/base_path: "([^"]+)"/g, (_, path) => `base_path: "${resolve('models', path)}"`);
  const config = bundled.replace(/\}\s*$/, `  config {\n    name: "lookup"\n    base_path: "${join(dir, 'lookup')}"\n    model_platform: "onnx"\n  }\n}\n`);
  writeFileSync(join(dir, 'models.config'), config);
  const server = await startServer([`--model_config_file=${join(dir, 'models.config')}`, '--max_body_bytes=1MiB'], {}, { grpc: true }).catch((err) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

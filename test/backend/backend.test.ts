import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../core/backend/backend.ts';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { onnxruntimeWasm } from '../../core/backend/onnxruntime-wasm.ts';
import { DENO } from '../edge/deno-process.ts';
import { CONTRACT_CASES } from './backend-contract.ts';
import { contractModel } from './contract-model.ts';

// The one Backend contract on every backend: node and WASM here, WebGPU in Deno on Mesa's
// software Vulkan (as test/edge/deno.test.ts starts it), reporting back as JSON.
const MODEL = contractModel();
const IN_PROCESS: [string, () => Backend][] = [
  ['onnxruntime-node', () => onnxruntimeNode({ intraOpNumThreads: 1 })],
  ['wasm', () => onnxruntimeWasm()],
];

for (const [name, make] of IN_PROCESS) {
  describe(`Backend contract: ${name}`, () => {
    const backend = make();
    it('is named as the x-backend header shows it', () => expect(backend.name).toBe(name));
    for (const c of CONTRACT_CASES) it(c.name, () => c.run(backend, MODEL));
  });
}

describe('Backend contract: webgpu (Deno)', () => {
  let dir: string;
  let report: { backend: string; adapter: string | null; results: { name: string; error: string | null }[] };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgeserve-backend-'));
    writeFileSync(join(dir, 'model.onnx'), MODEL);
    const args = ['run', '--allow-read', '--allow-env', '--allow-sys', 'test/backend/deno-contract.ts', join(dir, 'model.onnx')];
    // Mesa's Vulkan driver wants a runtime folder; a hung case is killed rather than waited on.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', XDG_RUNTIME_DIR: dir, NO_COLOR: '1' };
    const { stdout, stderr, error } = await new Promise<{ stdout: string; stderr: string; error: Error | null }>((done) =>
      execFile(DENO, args, { env, timeout: 50_000 }, (error, stdout, stderr) => done({ stdout, stderr, error })),
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"backend"'));
    if (!line) throw new Error(`deno printed no report (${error?.message ?? 'no error'}):\n${stdout}\n${stderr}`);
    report = JSON.parse(line);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ran on WebGPU', () => expect(report.backend).toBe('webgpu'));
  for (const c of CONTRACT_CASES) {
    it(c.name, () => {
      const result = report.results.find((r) => r.name === c.name);
      expect(result, 'case did not run').toBeDefined();
      expect(result!.error).toBeNull();
    });
  }
});

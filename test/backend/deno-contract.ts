// Runs the backend contract in Deno on WebGPU (Mesa's software Vulkan in CI), for
// backend.test.ts: `deno run ... test/backend/deno-contract.ts <model.onnx>` prints one JSON line
// { backend, adapter, results: [{ name, error }] } (error null when the case passed), and on
// stderr the name of each case as it starts.
import { chooseBackend } from '../../functions/deno/backend.ts';
import { CONTRACT_CASES } from './backend-contract.ts';

declare const Deno: { args: string[]; readFile(path: string): Promise<Uint8Array>; exit(code: number): never };

const model = await Deno.readFile(Deno.args[0]);
const { backend, adapter } = await chooseBackend('webgpu');
const results: { name: string; error: string | null }[] = [];
for (const c of CONTRACT_CASES) {
  console.error(`running: ${c.name}`); // names the case if one hangs and the caller kills us
  try {
    await c.run(backend, model);
    results.push({ name: c.name, error: null });
  } catch (err) {
    results.push({ name: c.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}
console.log(JSON.stringify({ backend: backend.name, adapter, results }));
Deno.exit(0); // onnxruntime's WebGPU device keeps the event loop alive

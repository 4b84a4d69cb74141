/**
 * Makes onnxruntime-web instantiate an already compiled WebAssembly module instead of compiling
 * its .wasm from bytes: Cloudflare Workers refuse to compile WebAssembly at run time, and ship a
 * module imported from a .wasm file (wrangler's CompiledWasm rule) as a WebAssembly.Module.
 *
 * How: onnxruntime-web hands env.wasm.wasmBinary to its Emscripten loader, which calls
 * WebAssembly.instantiate(new Uint8Array(wasmBinary), imports). wasmBinary becomes a marker buffer,
 * and WebAssembly.instantiate is wrapped until that call: bytes that view the marker instantiate the
 * compiled module, answering { instance, module } as Emscripten expects; any other call goes to the
 * original. The wrapper puts the original back once it has routed the marker (onnxruntime
 * initialises once per isolate). Setting wasmBinary also makes onnxruntime use the loader bundled
 * in its own JS rather than import one by URL. Call before the first InferenceSession.create.
 */
export function usePrecompiledWasm(wasmEnv: { wasmBinary?: ArrayBufferLike | Uint8Array }, module: WebAssembly.Module): void {
  const marker = new ArrayBuffer(8);
  const original = WebAssembly.instantiate;
  const routed = ((source: unknown, imports?: WebAssembly.Imports) => {
    if (ArrayBuffer.isView(source) && source.buffer === marker) {
      WebAssembly.instantiate = original;
      return original(module, imports).then((instance) => ({ instance, module }));
    }
    return (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
  }) as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = routed;
  wasmEnv.wasmBinary = marker;
}

/** A .wasm import in a Worker is a compiled module (wrangler's CompiledWasm rule; build.ts keeps it so). */
declare module 'onnxruntime-web/ort-wasm-simd-threaded.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

declare module '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '@jsquash/webp/codec/dec/webp_dec.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

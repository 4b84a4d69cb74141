/**
 * The smallest ONNX model (float32 x[1] -> Identity -> y[1]), as base64, for probing an execution
 * provider at start-up without touching the model repository. Generated, not hand-written:
 * `identityModel('float32', [1])` from test/fixtures/onnx-writer.ts; device.test.ts checks that
 * these bytes still equal it.
 */
export const PROBE_MODEL_BASE64 =
  'CAgSEmVkZ2VzZXJ2ZS1maXh0dXJlczpGChwKAXgSAXkaCmlkZW50aXR5XzAiCElkZW50aXR5EgRtYWluWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUICEBE=';

export function probeModel(): Uint8Array {
  return Uint8Array.from(atob(PROBE_MODEL_BASE64), (c) => c.charCodeAt(0));
}

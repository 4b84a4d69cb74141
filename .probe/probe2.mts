import * as ort from 'onnxruntime-web/wasm';
import { identityModel } from '../test/fixtures/onnx-writer.ts';
ort.env.wasm.numThreads = 1;
const s = await ort.InferenceSession.create(identityModel('float32', [1, 16, 3]));
try { await s.run({ x: new ort.Tensor('float32', new Float32Array(2*16*3), [2, 16, 3]) }); } catch (e) { console.log(JSON.stringify((e as Error).message)); }
const s3 = await ort.InferenceSession.create(identityModel('float32', null as any));
console.log(JSON.stringify(s3.inputMetadata));
import * as on from 'onnxruntime-node';
const s4 = await on.InferenceSession.create(identityModel('float32', null as any));
console.log(JSON.stringify(s4.inputMetadata), JSON.stringify(s4.outputMetadata));
const r = await s4.run({ x: new on.Tensor('float32', new Float32Array(6), [2, 3]) }); console.log(r.y.dims);

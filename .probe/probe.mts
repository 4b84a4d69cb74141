import * as ort from 'onnxruntime-node';
import { graph, identityModel } from '../test/fixtures/onnx-writer.ts';
const m = identityModel('float32', [1, 16, 3]);
const s = await ort.InferenceSession.create(m);
console.log(JSON.stringify(s.inputMetadata));
try { await s.run({ x: new ort.Tensor('float32', new Float32Array(2*16*3), [2, 16, 3]) }); } catch (e) { console.log(JSON.stringify((e as Error).message)); }
try { await s.run({ x: new ort.Tensor('float64', new Float64Array(1*16*3), [1, 16, 3]) }); } catch (e) { console.log(JSON.stringify((e as Error).message)); }
try { await s.run({ x: new ort.Tensor('float32', new Float32Array(16*3), [16, 3]) }); } catch (e) { console.log(JSON.stringify((e as Error).message)); }
const add = graph({ inputs: [{name:'a', dtype:'float32', dims:['n', 3]}, {name:'b', dtype:'float32', dims:['m', 3]}], outputs:[{name:'y', dtype:'float32', dims:['n',3]}], nodes:[{op:'Add', inputs:['a','b'], outputs:['y']}]});
const s2 = await ort.InferenceSession.create(add);
try { await s2.run({ a: new ort.Tensor('float32', new Float32Array(6), [2, 3]), b: new ort.Tensor('float32', new Float32Array(9), [3, 3]) }); } catch (e) { console.log(JSON.stringify((e as Error).message)); }

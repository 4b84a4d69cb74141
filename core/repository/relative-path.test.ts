import { expect, it } from 'vitest';
import { isSafeRelativePath } from './relative-path.ts';

it('accepts plain relative paths and refuses empty, "." and ".." segments, backslashes and leading slashes', () => {
  for (const path of ['1/model.onnx', 'model.json', '00002/weights/part.bin', '.hidden/x', 'a..b']) expect(isSafeRelativePath(path), path).toBe(true);
  for (const path of ['', '.', '..', '1/./model.onnx', './1/model.onnx', '1/../2/model.onnx', '1//model.onnx', '1/', '/top.txt', '1\\model.onnx']) {
    expect(isSafeRelativePath(path), path).toBe(false);
  }
});

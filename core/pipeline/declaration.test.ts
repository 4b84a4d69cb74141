import { describe, expect, it } from 'vitest';
import type { Signature } from '../tensor/tensor.ts';
import { parsePipeline } from './declaration.ts';

// A declaration is checked against its model when the version loads; every mismatch names the step.
const model: Signature = {
  inputs: [{ name: 'x', dtype: 'float32', dims: [1, 3, 224, 224] }],
  outputs: [{ name: 'logits', dtype: 'float32', dims: [1, 1000] }],
};
const image = (over: object = {}) => ({
  name: 'image',
  kind: 'image',
  feeds: 'x',
  steps: [{ op: 'resize', shorter_side: 256 }, { op: 'center_crop', width: 224, height: 224 }],
  tensor: { divide: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  ...over,
});
const parse = (doc: unknown, signature = model) => parsePipeline(new TextEncoder().encode(JSON.stringify(doc)), signature, 'model m version 4: pipeline.json');
const failure = (doc: unknown, signature = model) => {
  try {
    parse(doc, signature);
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
  return 'accepted';
};

describe('pipeline.json', () => {
  it('reads an image input and output steps, with defaults spelled out', () => {
    const p = parse({ inputs: [image()], outputs: [{ name: 'classes', from: 'logits', steps: [{ op: 'softmax' }, { op: 'top_k', k: 5 }] }] });
    expect(p.inputs[0]).toEqual({
      kind: 'image',
      name: 'image',
      feeds: 'x',
      maxPixels: 36_000_000,
      exifOrientation: false,
      steps: [{ op: 'resize', shorterSide: 256, filter: 'bilinear' }, { op: 'center_crop', width: 224, height: 224 }],
      tensor: { channels: 'rgb', layout: 'nchw', dtype: 'float32', divide: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      size: [224, 224],
    });
    expect(p.outputs).toEqual([{ name: 'classes', from: 'logits', steps: [{ op: 'softmax' }, { op: 'top_k', k: 5, scores: 'classes_scores' }] }]);
  });

  it('fails the version, naming the step, when the declaration does not fit the model', () => {
    const at = 'FAILED_PRECONDITION: model m version 4: pipeline.json:';
    expect(failure({ inputs: [image({ feeds: 'pixels' })] })).toBe(`${at} inputs[0].feeds: the model has no input "pixels" (it has x)`);
    expect(failure({ inputs: [image({ steps: [{ op: 'resize', shorter_side: 256 }, { op: 'center_crop', width: 200, height: 224 }] })] })).toBe(
      `${at} inputs[0].tensor: makes [batch, 3, 224, 200] (nchw), but model input x is [1, 3, 224, 224]`,
    );
    expect(failure({ inputs: [image({ tensor: { layout: 'nhwc' } })] })).toBe(`${at} inputs[0].tensor: makes [batch, 224, 224, 3] (nhwc), but model input x is [1, 3, 224, 224]`);
    expect(failure({ inputs: [image({ tensor: { dtype: 'uint8' } })] })).toBe(`${at} inputs[0].tensor: makes uint8, but model input x is float32`);
    expect(failure({ inputs: [image({ steps: [{ op: 'resize', shorter_side: 256 }] })] })).toBe(
      `${at} inputs[0].steps: must end with a fixed size (a resize to width and height, or a center_crop): model input x is [1, 3, 224, 224]`,
    );
    expect(failure({ inputs: [image({ steps: [{ op: 'blur' }] })] })).toBe(`${at} inputs[0].steps[0]: op "blur" is not an image step (resize, center_crop)`);
    expect(failure({ inputs: [image({ kind: 'video' })] })).toBe(`${at} inputs[0]: kind "video" is not supported (image, text, audio)`);
    expect(failure({ inputs: [image({ tensor: { std: [1, 0, 1] } })] })).toBe(`${at} inputs[0].tensor.std: must not be 0`);
    expect(failure({ outputs: [{ name: 'classes', from: 'probs' }] })).toBe(`${at} outputs[0].from: no model output or earlier entry is named "probs" (there are logits)`);
    expect(failure({ outputs: [{ name: 'top', from: 'logits', steps: [{ op: 'top_k', k: 0 }] }] })).toBe(`${at} outputs[0].steps[0].k: must be a positive integer`);
    expect(failure({})).toBe(`${at} the file: declares no inputs and no outputs`);
    expect(parsePipelineText('{')).toMatch(new RegExp(`^${at} the file: not JSON`));
  });

  it('reads CTC decoding with the version\'s characters.txt, and says when it is missing', () => {
    const recognizer: Signature = { inputs: model.inputs, outputs: [{ name: 'probs', dtype: 'float32', dims: [-1, -1, 4] }] };
    const doc = { outputs: [{ name: 'text', from: 'probs', steps: [{ op: 'ctc_greedy', space: true }] }] };
    const assets = new Map([['characters.txt', new TextEncoder().encode('a\nb\n')]]);
    const p = parsePipeline(new TextEncoder().encode(JSON.stringify(doc)), recognizer, 'model m version 4: pipeline.json', assets);
    expect(p.outputs[0].steps).toEqual([{ op: 'ctc_greedy', blank: 0, characters: ['a', 'b', ' '], scores: 'text_score' }]);
    expect(failure(doc, recognizer)).toBe(
      'FAILED_PRECONDITION: model m version 4: pipeline.json: outputs[0].steps[0]: ctc_greedy reads characters.txt from the version folder (one character per line)',
    );
  });

  it('lets a later output read an earlier one', () => {
    const p = parse({ outputs: [{ name: 'probs', from: 'logits', steps: [{ op: 'softmax' }] }, { name: 'best', from: 'probs', steps: [{ op: 'argmax' }] }] });
    expect(p.outputs.map((o) => o.from)).toEqual(['logits', 'probs']);
  });
});

function parsePipelineText(text: string): string {
  try {
    parsePipeline(new TextEncoder().encode(text), model, 'model m version 4: pipeline.json');
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
  return 'accepted';
}

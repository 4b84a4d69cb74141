import { describe, expect, it } from 'vitest';
import { readShadow } from '../shadow/shadow-settings.ts';
import { readCapture } from './capture-settings.ts';

// model.json's "capture" and "shadow": what a setting means, and the refusal that names it.
describe('model.json "capture"', () => {
  it('defaults to no sample, every failure, both sides, all names', () => {
    expect(readCapture({}, 'w')).toEqual({ sampleRate: 0, errors: true, inputs: true, outputs: true });
    expect(readCapture({ sample_rate: 0.5, errors: false, inputs: false, outputs: false, names: ['x'] }, 'w')).toEqual({ sampleRate: 0.5, errors: false, inputs: false, outputs: false, names: ['x'] });
    for (const rate of [0, 1]) expect(readCapture({ sample_rate: rate }, 'w').sampleRate).toBe(rate);
  });

  it.each([
    [null, 'w: must be an object'],
    [[], 'w: must be an object'],
    ['all', 'w: must be an object'],
    [{ sample_rate: -0.1 }, 'w: sample_rate must be a number from 0 to 1'],
    [{ sample_rate: 1.01 }, 'w: sample_rate must be a number from 0 to 1'],
    [{ sample_rate: '0.5' }, 'w: sample_rate must be a number from 0 to 1'],
    [{ errors: 1 }, 'w: errors must be true or false'],
    [{ outputs: null }, 'w: outputs must be true or false'],
    [{ names: [1] }, 'w: names must be a list of tensor names'],
    [{ names: ['x', 2] }, 'w: names must be a list of tensor names'],
    [{ rate: 1 }, 'w: unknown key "rate" (sample_rate, errors, inputs, outputs, names)'],
  ])('refuses %j', (value, message) => {
    expect(() => readCapture(value, 'w')).toThrow(message);
  });
});

describe('model.json "shadow"', () => {
  it('defaults to every request and warmup.json\'s tolerance', () => {
    expect(readShadow({ label: 'next' }, 'w')).toEqual({ label: 'next', share: 1, tolerance: 1e-5 });
    expect(readShadow({ label: 'next', share: 0, tolerance: 0 }, 'w')).toEqual({ label: 'next', share: 0, tolerance: 0 });
    expect(readShadow({ label: 'next', share: 0.25, tolerance: 0.1 }, 'w')).toEqual({ label: 'next', share: 0.25, tolerance: 0.1 });
  });

  it.each([
    [null, 'w: must be an object'],
    [['next'], 'w: must be an object'],
    ['next', 'w: must be an object'],
    [{ label: '' }, "w: label must name one of the model's labels"],
    [{ label: 3 }, "w: label must name one of the model's labels"],
    [{ label: 'n', share: -0.5 }, 'w: share must be a number from 0 to 1'],
    [{ label: 'n', share: 1.5 }, 'w: share must be a number from 0 to 1'],
    [{ label: 'n', share: '1' }, 'w: share must be a number from 0 to 1'],
    [{ label: 'n', tolerance: -1 }, 'w: tolerance must be a number >= 0'],
    [{ label: 'n', tolerance: '1e-5' }, 'w: tolerance must be a number >= 0'],
    [{ label: 'n', every: 1 }, 'w: unknown key "every" (label, share, tolerance)'],
  ])('refuses %j', (value, message) => {
    expect(() => readShadow(value, 'w')).toThrow(message);
  });
});

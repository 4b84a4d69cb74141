import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/fixtures/onnx-writer.ts';
import { byWeight, chooseLabel, routingPoint } from './traffic.ts';

const all = () => true;

describe('chooseLabel', () => {
  it('splits by weight over the unit interval, labels in name order', () => {
    const w = { stable: 90, canary: 10 };
    expect(chooseLabel(w, all, 0)).toBe('canary');
    expect(chooseLabel(w, all, 0.099)).toBe('canary');
    expect(chooseLabel(w, all, 0.1)).toBe('stable');
    expect(chooseLabel(w, all, 0.999999)).toBe('stable');
  });

  it('measures 90/10 within 1% over 100,000 draws of an injected random source', () => {
    const rand = mulberry32(7);
    let canary = 0;
    for (let i = 0; i < 100_000; i++) if (chooseLabel({ stable: 90, canary: 10 }, all, rand()) === 'canary') canary++;
    expect(Math.abs(canary / 100_000 - 0.1)).toBeLessThan(0.01);
  });

  it('gives an ineligible label\'s share to the others', () => {
    const w = { a: 50, b: 30, c: 20 };
    expect(chooseLabel(w, (l) => l !== 'a', 0)).toBe('b');
    expect(chooseLabel(w, (l) => l !== 'a', 0.59)).toBe('b');
    expect(chooseLabel(w, (l) => l !== 'a', 0.61)).toBe('c');
    expect(chooseLabel(w, (l) => l === 'c', 0.99)).toBe('c');
  });

  it('returns null when no label with weight is eligible', () => {
    expect(chooseLabel({ a: 0, b: 10 }, (l) => l === 'a', 0.5)).toBeNull();
    expect(chooseLabel({}, all, 0.5)).toBeNull();
  });

  it('sends a point at the very top of the range to the last label, even when the weights\' sum rounds up', () => {
    // 0.1 + 0.2 + 0.3 sums to 0.6000000000000001: subtracting each weight leaves a tiny remainder.
    expect(chooseLabel({ a: 0.1, b: 0.2, c: 0.3 }, all, 0.9999999999999999)).toBe('c');
  });

  it('never sends a request to a label with weight 0, even at the top of the range', () => {
    expect(chooseLabel({ a: 0.1, b: 0.2, c: 0.3, z: 0 }, all, 0.9999999999999999)).toBe('c');
  });

  it('does not depend on the order model.json lists labels in', () => {
    for (const p of [0, 0.05, 0.3, 0.95]) expect(chooseLabel({ stable: 90, canary: 10 }, all, p)).toBe(chooseLabel({ canary: 10, stable: 90 }, all, p));
  });
});

describe('routingPoint', () => {
  it('is stable for a key, in [0, 1), and spreads keys by weight', () => {
    expect(routingPoint('user-42')).toBe(routingPoint('user-42'));
    let canary = 0;
    for (let i = 0; i < 20_000; i++) {
      const p = routingPoint(`user-${i}`);
      expect(p >= 0 && p < 1).toBe(true);
      if (chooseLabel({ stable: 90, canary: 10 }, all, p) === 'canary') canary++;
    }
    expect(Math.abs(canary / 20_000 - 0.1)).toBeLessThan(0.015);
  });
});

describe('byWeight', () => {
  it('orders labels with weight, heaviest first', () => {
    expect(byWeight({ canary: 10, stable: 90, off: 0 })).toEqual(['stable', 'canary']);
  });

  it('orders labels of equal weight by name, whatever order model.json lists them in', () => {
    expect(byWeight({ a: 50, b: 50 })).toEqual(['a', 'b']);
    expect(byWeight({ b: 50, a: 50 })).toEqual(['a', 'b']);
  });
});

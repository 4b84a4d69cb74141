import { describe, expect, it } from 'vitest';
import { BodyLengthError, readBody } from './read-body.ts';

const bytes = (...n: number[]) => new Uint8Array(n);
function webStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      chunks.forEach((c) => controller.enqueue(c));
      controller.close();
    },
  });
}
async function* iterable(chunks: (Uint8Array | string)[]) {
  yield* chunks;
}

describe('readBody', () => {
  it('fills one buffer of the known length from a web stream, calling progress per chunk', async () => {
    let progress = 0;
    const out = await readBody(webStream([bytes(1, 2), bytes(3, 4, 5)]), 5, () => progress++);
    expect(out).toEqual(bytes(1, 2, 3, 4, 5));
    expect(out.buffer.byteLength).toBe(5);
    expect(progress).toBe(2);
  });

  it('reads async iterables (Node streams), joining chunks when the length is unknown', async () => {
    expect(await readBody(iterable([bytes(1), 'A', bytes(2)]), undefined, () => {})).toEqual(bytes(1, 65, 2));
  });

  it('passes bytes through and reads empty bodies', async () => {
    const b = bytes(7);
    expect(await readBody(b, 1, () => {})).toBe(b);
    expect(await readBody(webStream([]), 0, () => {})).toEqual(bytes());
  });

  it('refuses a body shorter or longer than its length', async () => {
    await expect(readBody(iterable([bytes(1, 2)]), 3, () => {})).rejects.toThrow(new BodyLengthError('body ended after 2 of 3 bytes'));
    await expect(readBody(iterable([bytes(1, 2), bytes(3, 4)]), 3, () => {})).rejects.toThrow('body longer than its 3 bytes');
  });

  it('cancels a web stream when the signal aborts', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: () => new Promise(() => {}),
      cancel: () => void (cancelled = true),
    });
    const controller = new AbortController();
    const reading = readBody(stream, 10, () => {}, controller.signal);
    controller.abort();
    await expect(reading).rejects.toThrow(BodyLengthError);
    expect(cancelled).toBe(true);
  });
});

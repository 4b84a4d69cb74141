import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BodyLengthError, bodyChunks, readBody } from './read-body.ts';

const bytes = (...n: number[]) => new Uint8Array(n);
function webStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      chunks.forEach((c) => controller.enqueue(c));
      controller.close();
    },
  });
}
async function* iterable(chunks: unknown[]) {
  yield* chunks;
}
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
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

  it('reads an ArrayBuffer body and ArrayBuffer chunks', async () => {
    expect(await readBody(bytes(1, 2).buffer, 2, () => {})).toEqual(bytes(1, 2));
    expect(await readBody(iterable([bytes(1).buffer, bytes(2, 3).buffer]), 3, () => {})).toEqual(bytes(1, 2, 3));
  });

  it('passes bytes through when the length is unknown, and refuses bytes of the wrong length', async () => {
    const b = bytes(7, 8);
    expect(await readBody(b, undefined, () => {})).toBe(b);
    await expect(readBody(b, 3, () => {})).rejects.toThrow(new BodyLengthError('body has 2 of 3 bytes'));
  });

  it('hands back a single chunk as it is, without copying it', async () => {
    const only = bytes(1, 2, 3);
    expect(await readBody(iterable([only]), undefined, () => {})).toBe(only);
  });

  it('names its error BodyLengthError, for logs', async () => {
    const err = await readBody(iterable([bytes(1)]), 2, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyLengthError);
    expect((err as Error).name).toBe('BodyLengthError');
  });

  it.each([
    ['null', null],
    ['a plain object', { length: 3 }],
  ])('refuses a body that is %s', async (_what, body) => {
    await expect(readBody(body, undefined, () => {})).rejects.toThrow(new TypeError('unsupported object body'));
  });

  it('refuses a chunk that is not bytes or text', async () => {
    await expect(readBody(iterable([bytes(1), 2]), undefined, () => {})).rejects.toThrow(new TypeError('unsupported body chunk'));
  });

  it('releases the web stream and leaves no listener on the signal once read', async () => {
    const signal = new AbortController().signal;
    const stream = webStream([bytes(1), bytes(2)]);
    expect(await readBody(stream, 2, () => {}, signal)).toEqual(bytes(1, 2));
    expect(stream.locked).toBe(false);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener on the signal once an async iterable is read', async () => {
    const signal = new AbortController().signal;
    expect(await readBody(iterable([bytes(1)]), 1, () => {}, signal)).toEqual(bytes(1));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('lets an abort pass over an async iterable that cannot be destroyed', async () => {
    const controller = new AbortController();
    let resume!: () => void;
    const paused = new Promise<void>((r) => (resume = r));
    async function* body() {
      yield bytes(1);
      await paused;
      yield bytes(2);
    }
    const reading = readBody(body(), 2, () => {}, controller.signal);
    await Promise.resolve();
    controller.abort(); // no destroy() to call: nothing to stop, and nothing throws
    resume();
    expect(await reading).toEqual(bytes(1, 2));
  });
});

describe('bodyChunks', () => {
  it('yields bytes and ArrayBuffer bodies whole, checked against the length', async () => {
    expect(await collect(bodyChunks(bytes(1, 2), 2))).toEqual([bytes(1, 2)]);
    expect(await collect(bodyChunks(bytes(1, 2).buffer, undefined))).toEqual([bytes(1, 2)]);
    await expect(collect(bodyChunks(bytes(1, 2), 3))).rejects.toThrow(new BodyLengthError('body has 2 of 3 bytes'));
  });

  it('streams chunks as they come, whether or not the length is known', async () => {
    expect(await collect(bodyChunks(webStream([bytes(1, 2), bytes(3)]), 3))).toEqual([bytes(1, 2), bytes(3)]);
    expect(await collect(bodyChunks(iterable([bytes(1), 'A']), undefined))).toEqual([bytes(1), bytes(65)]);
  });

  it('stops before the chunk that runs past the length', async () => {
    const seen: Uint8Array[] = [];
    const reading = (async () => {
      for await (const chunk of bodyChunks(iterable([bytes(1, 2), bytes(3, 4)]), 3)) seen.push(chunk);
    })();
    await expect(reading).rejects.toThrow(new BodyLengthError('body longer than its 3 bytes'));
    expect(seen).toEqual([bytes(1, 2)]);
  });

  it('refuses a body that ends short of its length', async () => {
    await expect(collect(bodyChunks(iterable([bytes(1, 2)]), 3))).rejects.toThrow(new BodyLengthError('body ended after 2 of 3 bytes'));
  });
});

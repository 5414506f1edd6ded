import { describe, expect, it, vi } from 'vitest';
import { PushStream } from './push-stream.js';

describe('PushStream', () => {
  it('delivers buffered and later items in order, then ends', async () => {
    const s = new PushStream<number>();
    s.push(1);
    const it0 = s[Symbol.asyncIterator]();
    expect(await it0.next()).toEqual({ value: 1, done: false });
    const pending = it0.next();
    s.push(2);
    expect(await pending).toEqual({ value: 2, done: false });
    s.push(3);
    s.end();
    s.push(4);
    expect(await it0.next()).toEqual({ value: 3, done: false });
    expect(await it0.next()).toEqual({ value: undefined, done: true });
  });

  it('throws the failure after the buffered items, once', async () => {
    const s = new PushStream<number>();
    s.push(1);
    s.fail(new Error('boom'));
    const it0 = s[Symbol.asyncIterator]();
    expect(await it0.next()).toEqual({ value: 1, done: false });
    await expect(it0.next()).rejects.toThrow('boom');
    expect(await it0.next()).toEqual({ value: undefined, done: true });
  });

  it('resolves concurrent pending next() calls in order and rejects only the first on failure', async () => {
    const s = new PushStream<number>();
    const it0 = s[Symbol.asyncIterator]();
    const a = it0.next();
    const b = it0.next();
    const c = it0.next();
    s.push(1);
    s.fail(new Error('x'));
    expect(await a).toEqual({ value: 1, done: false });
    await expect(b).rejects.toThrow('x');
    expect(await c).toEqual({ value: undefined, done: true });
  });

  it('close drops buffered items and runs onClose exactly once', async () => {
    const onClose = vi.fn();
    const s = new PushStream<number>(onClose);
    s.push(1);
    s.close();
    s.end();
    s.fail(new Error('ignored'));
    expect(await s[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(s.ended).toBe(true);
  });

  it('breaking out of for-await closes the stream', async () => {
    const onClose = vi.fn();
    const s = new PushStream<number>(onClose);
    s.push(1);
    s.push(2);
    for await (const v of s) if (v === 1) break;
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

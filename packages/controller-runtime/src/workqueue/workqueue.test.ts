import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ItemExponentialFailureRateLimiter } from './rate-limiter.js';
import { type QueueMetrics, WorkQueue } from './workqueue.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('de-duplicates queued items and hands them out in order', async () => {
    const q = new WorkQueue<string>();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('never hands out an item being processed; a re-add during processing is queued again on done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first!);
    await Promise.resolve();
    expect(second).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting get() on add', async () => {
    const q = new WorkQueue<string>();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
  });

  it('addAfter delays an item; an earlier deadline replaces a later one; duplicates collapse', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue<string>();
    q.addAfter('a', 1000);
    q.addAfter('a', 5000);
    q.addAfter('a', 200);
    expect(q.delayed).toBe(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(q.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.length).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(q.length).toBe(1);
    q.addAfter('b', 0);
    expect(q.length).toBe(2);
  });

  it('addRateLimited backs off per item (5, 10, 20 ms); forget resets', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
    const readyAfter = async (): Promise<number> => {
      q.addRateLimited('k');
      let t = 0;
      while (q.length === 0) {
        await vi.advanceTimersByTimeAsync(1);
        t++;
      }
      q.done((await q.get())!);
      return t;
    };
    expect([await readyAfter(), await readyAfter(), await readyAfter()]).toEqual([5, 10, 20]);
    expect(q.numRequeues('k')).toBe(3);
    q.forget('k');
    expect(await readyAfter()).toBe(5);
  });

  it('shutDown drops queued and delayed items, ignores new ones and releases waiters', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue<string>();
    q.add('a');
    q.addAfter('b', 100);
    const inFlight = await q.get();
    q.add('a'); // re-add while processing
    q.add('c');
    const waiter = (async () => {
      const w = new WorkQueue<string>();
      const p = w.get();
      w.shutDown();
      return p;
    })();
    q.shutDown();
    q.add('d');
    await vi.advanceTimersByTimeAsync(200);
    expect(q.length).toBe(0);
    expect(await q.get()).toBeUndefined();
    q.done(inFlight!);
    expect(q.length).toBe(0);
    expect(await waiter).toBeUndefined();
    expect(q.shuttingDown).toBe(true);
  });

  it('shutDownWithDrain resolves only after queued and in-flight items are done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    const a = await q.get();
    q.add('a'); // queued again when done
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    q.add('late');
    const b = await q.get();
    q.done(b!);
    q.done(a!);
    await Promise.resolve();
    expect(drained).toBe(false);
    const again = await q.get();
    expect(again).toBe('a');
    q.done(again!);
    await drain;
    expect(drained).toBe(true);
    expect(await q.get()).toBeUndefined();
  });

  it('reports adds, depth, queue and work time, retries, and in-flight time to its metrics', async () => {
    let now = 0;
    const m = { added: vi.fn(), depth: vi.fn(), queued: vi.fn(), worked: vi.fn(), retried: vi.fn() } satisfies QueueMetrics;
    const q = new WorkQueue<string>({ metrics: m, now: () => now });
    q.add('a');
    q.add('a');
    now = 2000;
    const a = await q.get();
    now = 2500;
    expect(q.inFlight()).toEqual({ unfinishedSeconds: 0.5, longestSeconds: 0.5 });
    q.done(a!);
    q.addRateLimited('b');
    expect(m.added).toHaveBeenCalledTimes(1);
    expect(m.depth).toHaveBeenCalledWith(1);
    expect(m.depth).toHaveBeenLastCalledWith(0);
    expect(m.queued).toHaveBeenCalledWith(2);
    expect(m.worked).toHaveBeenCalledWith(0.5);
    expect(m.retried).toHaveBeenCalledTimes(1);
    q.shutDown();
  });

  // Invariant: whatever the interleaving of adds, gets and dones, no item is handed out while it is processing,
  // and every added item is eventually processed after its last add.
  const step = fc.oneof(fc.record({ t: fc.constant('add' as const), k: fc.constantFrom('a', 'b', 'c') }), fc.record({ t: fc.constant('work' as const) }), fc.record({ t: fc.constant('finish' as const) }));
  test.prop([fc.array(step, { maxLength: 60 })])('one key is never processed twice at once, and no add is lost', async (steps) => {
    const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter(0, 0) });
    const processing: string[] = [];
    const lastAdd = new Map<string, number>();
    const lastStart = new Map<string, number>();
    let clock = 0;
    const work = async () => {
      if (q.length === 0) return;
      const k = (await q.get())!;
      expect(processing).not.toContain(k);
      processing.push(k);
      lastStart.set(k, ++clock);
    };
    for (const s of steps) {
      if (s.t === 'add') {
        q.add(s.k);
        lastAdd.set(s.k, ++clock);
      } else if (s.t === 'work') await work();
      else if (processing.length > 0) q.done(processing.shift()!);
    }
    while (processing.length > 0 || q.length > 0) {
      if (q.length > 0) await work();
      else q.done(processing.shift()!);
    }
    for (const [k, added] of lastAdd) expect(lastStart.get(k)!).toBeGreaterThan(added);
  });
});

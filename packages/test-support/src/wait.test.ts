import { describe, expect, it } from 'vitest';
import { WaitTimeoutError, eventually, waitFor } from './wait.js';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false; a throwing probe counts as not yet', async () => {
    let calls = 0;
    const value = await waitFor('the third call', () => {
      calls++;
      if (calls === 1) throw new Error('404');
      return calls === 3 ? 'ready' : false;
    }, 5_000, 1);
    expect([value, calls]).toEqual(['ready', 3]);
  });

  it('times out naming what it waited for and what it last saw', async () => {
    const wait = waitFor('a Gateway address', () => { throw new Error('not found'); }, 30, 5);
    await expect(wait).rejects.toThrow(WaitTimeoutError);
    await expect(wait).rejects.toThrow(/waiting for a Gateway address; last seen: not found/);
  });
});

describe('eventually', () => {
  it('retries a failing assertion and rethrows its last failure on timeout', async () => {
    let n = 0;
    await expect(eventually(() => {
      expect(++n).toBeGreaterThan(2);
      return n;
    }, 5_000, 1)).resolves.toBe(3);
    await expect(eventually(() => expect('seen').toBe('wanted'), 30, 5)).rejects.toThrow(/expected 'seen' to be 'wanted'/);
  });
});

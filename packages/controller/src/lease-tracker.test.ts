import { describe, expect, it } from 'vitest';
import type { LeaseObject } from '@kube-vip-gw/gateway-model';
import { LeaseTracker, type LeaseTimers } from './lease-tracker.js';

/** A clock and timers that move only when told. */
function fakeTimers() {
  let now = Date.parse('2026-12-01T12:00:00Z');
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: LeaseTimers = {
    now: () => now,
    setTimeout: (fn, ms) => (pending.set(++seq, { at: now + ms, fn }), seq),
    clearTimeout: (h) => void pending.delete(h as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        pending.delete(id);
        t.fn();
      }
    }
  };
  return { timers, advance, at: () => now, pending };
}

function lease(holder: string, renewedAt: number, duration = 5): LeaseObject {
  return { metadata: { namespace: 'app', name: 'kubevip-gw' }, spec: { holderIdentity: holder, renewTime: new Date(renewedAt).toISOString(), leaseDurationSeconds: duration } };
}

describe('LeaseTracker', () => {
  it('wakes on a new lease and at its expiry, not on renewals, and again when a renewal follows an expiry', () => {
    const t = fakeTimers();
    const woken: string[] = [];
    const tracker = new LeaseTracker((l) => woken.push(l.spec?.holderIdentity ?? ''), t.timers);
    tracker.observe(lease('node1', t.at()));
    expect(woken).toEqual(['node1']);
    // kube-vip renews every second: nothing to re-evaluate.
    for (let i = 0; i < 10; i++) {
      t.advance(1_000);
      tracker.observe(lease('node1', t.at()));
    }
    expect(woken).toEqual(['node1']);
    // kube-vip stops: the lease expires 5 s after its last renewal, with no event; the timer wakes the Gateways.
    t.advance(4_999);
    expect(woken).toEqual(['node1']);
    t.advance(100);
    expect(woken).toEqual(['node1', 'node1']);
    // It comes back: the renewal after the expiry is a change.
    t.advance(3_000);
    tracker.observe(lease('node1', t.at()));
    expect(woken).toEqual(['node1', 'node1', 'node1']);
    expect(t.pending.size).toBe(1);
  });

  it('wakes when the holder changes and when the lease is deleted; stop clears its timers', () => {
    const t = fakeTimers();
    const woken: string[] = [];
    const tracker = new LeaseTracker((l) => woken.push(l.spec?.holderIdentity ?? ''), t.timers);
    tracker.observe(lease('node1', t.at()));
    tracker.observe(lease('node2', t.at()));
    tracker.forget(lease('node2', t.at()));
    expect(woken).toEqual(['node1', 'node2', 'node2']);
    expect(tracker.size).toBe(0);
    tracker.observe(lease('node3', t.at()));
    tracker.stop();
    expect(t.pending.size).toBe(0);
  });
});

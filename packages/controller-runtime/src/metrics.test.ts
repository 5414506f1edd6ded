import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { RECONCILE_TIME_BUCKETS, RuntimeMetrics, WORKQUEUE_DURATION_BUCKETS } from './metrics.js';
import { WorkQueue } from './workqueue/workqueue.js';

describe('RuntimeMetrics', () => {
  it('exposes controller-runtime metric families with their types and labels', async () => {
    const m = new RuntimeMetrics();
    m.observeReconcile('gateway', 'success', 0.003);
    m.reconcileErrors.inc({ controller: 'gateway' });
    m.leaderElectionMasterStatus.set({ name: 'lease' }, 1);
    const q = m.queueMetrics('gateway');
    q.added();
    q.depth(2);
    q.queued(0.5);
    q.worked(0.25);
    q.retried();
    const text = await m.text();
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]));
    expect(types).toEqual({
      controller_runtime_reconcile_total: 'counter',
      controller_runtime_reconcile_errors_total: 'counter',
      controller_runtime_terminal_reconcile_errors_total: 'counter',
      controller_runtime_reconcile_panics_total: 'counter',
      controller_runtime_reconcile_time_seconds: 'histogram',
      controller_runtime_max_concurrent_reconciles: 'gauge',
      controller_runtime_active_workers: 'gauge',
      leader_election_master_status: 'gauge',
      workqueue_depth: 'gauge',
      workqueue_adds_total: 'counter',
      workqueue_queue_duration_seconds: 'histogram',
      workqueue_work_duration_seconds: 'histogram',
      workqueue_retries_total: 'counter',
      workqueue_unfinished_work_seconds: 'gauge',
      workqueue_longest_running_processor_seconds: 'gauge',
    });
    expect(text).toContain('controller_runtime_reconcile_total{controller="gateway",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="gateway"} 1');
    expect(text).toContain('leader_election_master_status{name="lease"} 1');
    expect(text).toContain('workqueue_depth{name="gateway",controller="gateway"} 2');
    expect(text).toContain('workqueue_adds_total{name="gateway",controller="gateway"} 1');
    expect(text).toContain('workqueue_retries_total{name="gateway",controller="gateway"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_bucket{le="1",name="gateway",controller="gateway"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_bucket{le="0.1",name="gateway",controller="gateway"} 0');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_bucket{le="0.005",controller="gateway"} 1');
  });

  it('computes in-flight gauges from tracked queues at scrape time', async () => {
    let now = 0;
    const m = new RuntimeMetrics();
    const q = new WorkQueue<string>({ now: () => now });
    m.trackQueue('gateway', q as WorkQueue<unknown>);
    q.add('a');
    q.add('b');
    await q.get();
    now = 1000;
    await q.get();
    now = 4000;
    const text = await m.text();
    expect(text).toContain('workqueue_unfinished_work_seconds{name="gateway",controller="gateway"} 7');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="gateway",controller="gateway"} 4');
  });

  it('uses controller-runtime and client-go buckets, and can add process metrics', async () => {
    expect(RECONCILE_TIME_BUCKETS[0]).toBe(0.005);
    expect(RECONCILE_TIME_BUCKETS.at(-1)).toBe(60);
    expect(WORKQUEUE_DURATION_BUCKETS).toEqual([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
    const registry = new Registry();
    new RuntimeMetrics(registry, { defaultMetrics: true });
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');
  });
});

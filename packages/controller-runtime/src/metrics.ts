// Prometheus metrics with Go controller-runtime's names and labels (pkg/internal/controller/metrics, pkg/metrics
// workqueue and leader election), so existing dashboards and alerts work unchanged. One RuntimeMetrics per Manager,
// on its own prom-client Registry (never the global one, so several managers can live in one process or test).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueMetrics, WorkQueue } from './workqueue/workqueue.js';

/** Reconcile outcomes, as the `result` label of controller_runtime_reconcile_total. */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** controller-runtime's reconcile_time_seconds buckets. */
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5,
  4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue duration buckets: 1e-8 s to 10 s by powers of ten. */
export const WORKQUEUE_DURATION_BUCKETS = Array.from({ length: 10 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** Options of RuntimeMetrics. */
export interface RuntimeMetricsOptions {
  /** Also collect prom-client's process_* and nodejs_* metrics. */
  defaultMetrics?: boolean;
}

/** The runtime's metric families on one registry; controllers, queues and the leader elector report here. */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly leaderElectionMasterStatus: Gauge<'name'>;
  readonly #queueDepth: Gauge<'name' | 'controller'>;
  readonly #queueAdds: Counter<'name' | 'controller'>;
  readonly #queueLatency: Histogram<'name' | 'controller'>;
  readonly #workDuration: Histogram<'name' | 'controller'>;
  readonly #retries: Counter<'name' | 'controller'>;
  readonly #queues = new Map<string, { labels: { name: string; controller: string }; queue: WorkQueue<unknown> }>();

  constructor(registry: Registry = new Registry(), opts: RuntimeMetricsOptions = {}) {
    this.registry = registry;
    const registers = [registry];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.terminalReconcileErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcilePanics = new Counter({
      name: 'controller_runtime_reconcile_panics_total',
      help: 'Total number of reconciliation panics (programming errors: TypeError, ReferenceError, RangeError) per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_TIME_BUCKETS,
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });
    this.leaderElectionMasterStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. "name" is the string used to identify the lease.',
      labelNames: ['name'],
      registers,
    });
    const q = ['name', 'controller'] as const;
    this.#queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: q, registers });
    this.#queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: q, registers });
    this.#queueLatency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: q,
      buckets: WORKQUEUE_DURATION_BUCKETS,
      registers,
    });
    this.#workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: q,
      buckets: WORKQUEUE_DURATION_BUCKETS,
      registers,
    });
    this.#retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: q, registers });
    const queues = this.#queues;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
      labelNames: q,
      registers,
      collect() {
        for (const { labels, queue } of queues.values()) this.set(labels, queue.inFlight().unfinishedSeconds);
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: q,
      registers,
      collect() {
        for (const { labels, queue } of queues.values()) this.set(labels, queue.inFlight().longestSeconds);
      },
    });
  }

  /** Metrics sink for one controller's queue (labels name=controller=`controller`, as controller-runtime sets them). */
  queueMetrics(controller: string): QueueMetrics {
    const labels = { name: controller, controller };
    return {
      added: () => this.#queueAdds.inc(labels),
      depth: (n) => this.#queueDepth.set(labels, n),
      queued: (s) => this.#queueLatency.observe(labels, s),
      worked: (s) => this.#workDuration.observe(labels, s),
      retried: () => this.#retries.inc(labels),
    };
  }

  /** Registers a queue whose in-flight times feed the unfinished/longest gauges at scrape time (replaces a previous one). */
  trackQueue(controller: string, queue: WorkQueue<unknown>): void {
    this.#queues.set(controller, { labels: { name: controller, controller }, queue });
  }

  /** Records one reconcile. */
  observeReconcile(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    this.reconcileTotal.inc({ controller, result: outcome });
    this.reconcileTime.observe({ controller }, seconds);
  }

  /** The exposition text of every metric on the registry. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

// Kubernetes Events (events.k8s.io/v1) with aggregation, after client-go's tools/events: the first occurrence creates
// an Event; repeats within the series window bump `series.count` and `series.lastObservedTime` on that same object
// (written at most once per update interval), instead of creating a new Event each time. Recording never throws and
// never blocks a reconcile: writes happen in the background and failures are logged.
// Difference from client-go: the note is part of the aggregation key, so a repeated reason with a different message
// (e.g. another address) is a new Event rather than a count on the old message.

import { randomBytes } from 'node:crypto';
import type { Writer } from '../client/client.js';
import { NotFoundError } from '../errors.js';
import { withDefaults } from '../internal/options.js';
import { type Logger, silentLogger } from '../logging.js';
import type { KubeObject } from '../object.js';
import { Event as EventResource } from '../resources.js';
import { formatMicroTime } from '../time.js';

/** Event types. */
export type EventType = 'Normal' | 'Warning';

/** Records events about objects. */
export interface EventRecorder {
  /**
   * Records that something happened to `regarding`. `reason` is a short CamelCase word, `note` a human sentence
   * (truncated to 1 kB), `action` what the controller did (defaults to the reason).
   */
  event(regarding: KubeObject, type: EventType, reason: string, note: string, opts?: { action?: string; related?: KubeObject }): void;
}

/** A reference to an object, as events carry it. */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/** An events.k8s.io/v1 Event. */
export interface EventObject extends KubeObject {
  eventTime: string;
  series?: { count: number; lastObservedTime: string };
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note?: string;
  type: EventType;
  regarding: ObjectReference;
  related?: ObjectReference;
}

/** Options of an EventBroadcaster. */
export interface EventBroadcasterOptions {
  client: Pick<Writer, 'create' | 'patch'>;
  /** Name of the controller, e.g. `kube-vip.io/gateway-controller` (at most 128 characters). */
  reportingController: string;
  /** This instance, e.g. the pod name (at most 128 characters). */
  reportingInstance: string;
  /** Repeats later than this after the last occurrence start a new Event (default 6 min, as client-go). */
  seriesWindowMs?: number;
  /** Minimum time between two series updates of one Event (default 5 s). */
  seriesUpdateIntervalMs?: number;
  /** Aggregation entries kept (least recently used dropped first; default 4096). */
  cacheSize?: number;
  now?: () => number;
  logger?: Logger;
}

interface Entry {
  name: string;
  namespace: string;
  count: number;
  written: number;
  lastObserved: number;
  lastWrite: number;
  timer: NodeJS.Timeout | undefined;
  creating: Promise<void> | undefined;
}

const MAX_NOTE_BYTES = 1024;

function truncate(s: string, bytes: number): string {
  if (Buffer.byteLength(s) <= bytes) return s;
  let out = s.slice(0, bytes);
  while (Buffer.byteLength(out) > bytes - 3) out = out.slice(0, -1);
  return `${out}...`;
}

function refOf(o: KubeObject): ObjectReference {
  const r: ObjectReference = { name: o.metadata.name };
  if (o.apiVersion) r.apiVersion = o.apiVersion;
  if (o.kind) r.kind = o.kind;
  if (o.metadata.namespace) r.namespace = o.metadata.namespace;
  if (o.metadata.uid) r.uid = o.metadata.uid;
  if (o.metadata.resourceVersion) r.resourceVersion = o.metadata.resourceVersion;
  return r;
}

/** Writes aggregated Events (see the module comment). One per process; recorders share its cache. */
export class EventBroadcaster {
  readonly #o: Required<Omit<EventBroadcasterOptions, 'logger'>>;
  readonly #log: Logger;
  readonly #cache = new Map<string, Entry>();
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  constructor(opts: EventBroadcasterOptions) {
    this.#o = {
      ...withDefaults({ seriesWindowMs: 6 * 60_000, seriesUpdateIntervalMs: 5_000, cacheSize: 4096, now: Date.now }, opts),
      reportingController: opts.reportingController.slice(0, 128),
      reportingInstance: opts.reportingInstance.slice(0, 128),
    };
    this.#log = (opts.logger ?? silentLogger()).child({ component: 'events' });
  }

  /** A recorder whose events name `reportingController` (default: the broadcaster's). */
  recorder(reportingController?: string): EventRecorder {
    const controller = (reportingController ?? this.#o.reportingController).slice(0, 128);
    return { event: (regarding, type, reason, note, opts) => this.#record(controller, regarding, type, reason, note, opts) };
  }

  /** Writes pending series updates now and waits for every write in flight (for tests and shutdown). */
  async flush(): Promise<void> {
    for (const [key, e] of this.#cache) {
      if (e.timer) {
        clearTimeout(e.timer);
        e.timer = undefined;
        void this.#track(this.#writeSeries(key, e));
      }
    }
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Flushes, then ignores further events. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  #record(controller: string, regarding: KubeObject, type: EventType, reason: string, note: string, opts: { action?: string; related?: KubeObject } = {}): void {
    if (this.#closed) return;
    const now = this.#o.now();
    const action = (opts.action ?? reason).slice(0, 128);
    const safeNote = truncate(note, MAX_NOTE_BYTES);
    const r = refOf(regarding);
    const key = JSON.stringify([controller, r.apiVersion, r.kind, r.namespace, r.name, r.uid, type, reason, action, safeNote, opts.related ? refOf(opts.related).uid : '']);
    const existing = this.#cache.get(key);
    if (existing && now - existing.lastObserved <= this.#o.seriesWindowMs) {
      existing.count++;
      existing.lastObserved = now;
      this.#cache.delete(key); // re-insert: most recently used last
      this.#cache.set(key, existing);
      this.#scheduleSeries(key, existing);
      return;
    }
    if (existing?.timer) clearTimeout(existing.timer);
    const namespace = r.namespace ?? 'default';
    // client-go names Events `<regarding name>.<unix nanoseconds in hex>`; the name part is cut so the whole stays
    // within the 253 characters of a DNS subdomain.
    const suffix = (BigInt(now) * 1_000_000n + BigInt(randomBytes(2).readUInt16BE())).toString(16);
    const entry: Entry = {
      name: `${regarding.metadata.name.slice(0, 253 - 1 - suffix.length).replace(/[.-]+$/, '')}.${suffix}`,
      namespace,
      count: 1,
      written: 0,
      lastObserved: now,
      lastWrite: now,
      timer: undefined,
      creating: undefined,
    };
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    this.#evict();
    const ev: EventObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace },
      eventTime: formatMicroTime(new Date(now)),
      reportingController: controller,
      reportingInstance: this.#o.reportingInstance,
      action,
      reason: reason.slice(0, 128),
      note: safeNote,
      type,
      regarding: r,
      ...(opts.related ? { related: refOf(opts.related) } : {}),
    };
    entry.creating = this.#track(
      this.#o.client.create(EventResource, ev).then(
        () => {
          entry.written = 1;
        },
        (err: unknown) => this.#log.warn({ err, reason, regarding: `${r.kind ?? ''} ${r.namespace ?? ''}/${r.name}` }, 'cannot create event'),
      ),
    );
  }

  #scheduleSeries(key: string, e: Entry): void {
    if (e.timer) return;
    const wait = Math.max(0, e.lastWrite + this.#o.seriesUpdateIntervalMs - this.#o.now());
    e.timer = setTimeout(() => {
      e.timer = undefined;
      void this.#track(this.#writeSeries(key, e));
    }, wait);
    e.timer.unref?.();
  }

  async #writeSeries(key: string, e: Entry): Promise<void> {
    await e.creating;
    if (e.count === e.written) return;
    const count = e.count;
    e.lastWrite = this.#o.now();
    const series = { count, lastObservedTime: formatMicroTime(new Date(e.lastObserved)) };
    try {
      await this.#o.client.patch(EventResource, { namespace: e.namespace, name: e.name }, { type: 'merge', patch: { series } });
      e.written = Math.max(e.written, count);
    } catch (err) {
      if (err instanceof NotFoundError) {
        // The Event expired (the API server keeps them about an hour): the next occurrence starts a new one.
        this.#cache.delete(key);
        return;
      }
      this.#log.warn({ err, event: `${e.namespace}/${e.name}` }, 'cannot update event series');
    }
  }

  #evict(): void {
    while (this.#cache.size > this.#o.cacheSize) {
      const oldest = this.#cache.keys().next().value as string;
      const e = this.#cache.get(oldest)!;
      if (e.timer) {
        clearTimeout(e.timer);
        void this.#track(this.#writeSeries(oldest, e));
      }
      this.#cache.delete(oldest);
    }
  }

  #track(p: Promise<void>): Promise<void> {
    const tracked = p.catch(() => undefined);
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
    return tracked;
  }
}

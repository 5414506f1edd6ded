// Watches the invariants while a test runs, not only at its end:
// - every Gateway event (one ordered stream): no address in two live Gateways' status, and a Gateway's status
//   addresses never change once set and never vanish while it exists;
// - every `intervalMs`, a consistent snapshot (Gateways listed, then Services listed at exactly that
//   resourceVersion, so both are one moment of etcd): the same checks over Gateways *and* the Services that announce
//   their addresses, and every address held by two holders (a Service of another owner included) is a collision.
import { Gateway as GatewayResource, Informer, type Client } from '@kube-vip-gw/controller-runtime';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { KubeRestError, type KubeRest } from '../../e2e/support/kube-rest.js';
import { gatewayStatusAddresses, holdings, sharedAddresses, type Holder } from './addresses.js';

/** A broken invariant, with when it was seen and a message naming the objects. */
export interface Violation {
  readonly kind: 'duplicate' | 'moved' | 'lost';
  readonly message: string;
  readonly at: number;
}

/** An address seen with two or more holders in one snapshot. */
export interface Collision {
  readonly address: string;
  readonly holders: readonly Holder[];
  readonly firstSeen: number;
}

/** Options of the observer. */
export interface ObserverOptions {
  /** Which Gateways the invariants are about (default: all). */
  readonly track?: (gw: Gateway) => boolean;
  /** Period of consistent snapshots (default 300 ms). */
  readonly intervalMs?: number;
  /**
   * Accept an address change of a Gateway whose kube-vip.io/Announced never went past Pending: the controller gives up
   * an address it never announced when another holder carries it (counted in `yields`, not a violation).
   */
  readonly allowYieldOfNeverAnnounced?: boolean;
}

interface History {
  label: string;
  first: string[] | undefined;
  deleted: boolean;
  /** The last few observations, for the message of a violation. */
  trail: string[];
  /** resourceVersion of the newest observation judged: a snapshot that was taken before an event already seen is stale. */
  rv: number;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The invariant observer (see the module comment). start() it before the workload, stop() it after. */
export class InvariantObserver {
  readonly violations: Violation[] = [];
  readonly collisions = new Map<string, Collision>();
  /** Gateway events checked, snapshots checked, snapshots that failed (e.g. while the API server restarted). */
  readonly counts = { events: 0, snapshots: 0, snapshotErrors: 0, yields: 0 };
  /** uid -> whether the Gateway may have had its address announced (its Announced condition went past Pending). */
  readonly #announced = new Map<string, boolean>();
  readonly #allowYield: boolean;
  // Two histories per Gateway, each judged in its own stream's order: its status (every watch event), and its status
  // together with its Services (every snapshot). Mixing the streams would compare states of different moments.
  readonly #history = { status: new Map<string, History>(), union: new Map<string, History>() };
  readonly #informer: Informer<Gateway>;
  readonly #track: (gw: Gateway) => boolean;
  readonly #intervalMs: number;
  readonly #reported = new Set<string>();
  #checkQueued = false;
  #timer: NodeJS.Timeout | undefined;
  #snapshotting: Promise<void> | undefined;

  constructor(
    private readonly admin: KubeRest,
    client: Client,
    options: ObserverOptions = {},
  ) {
    this.#track = options.track ?? (() => true);
    this.#intervalMs = options.intervalMs ?? 300;
    this.#allowYield = options.allowYieldOfNeverAnnounced ?? false;
    this.#informer = new Informer<Gateway>(client, GatewayResource, { watchTimeoutSeconds: 60 });
    this.#informer.addEventHandler({
      onAdd: (gw) => this.#onGateway(gw),
      onUpdate: (_, gw) => this.#onGateway(gw),
      onDelete: (gw) => {
        for (const history of Object.values(this.#history)) {
          const h = history.get(gw.metadata.uid ?? '');
          if (h) h.deleted = true;
        }
        this.#queueCheck();
      },
    });
  }

  /** Starts watching and snapshotting; resolves once the Gateway cache has synced. */
  async start(): Promise<void> {
    this.#informer.start();
    await this.#informer.waitForSync();
    const tick = () => {
      this.#snapshotting = this.snapshot().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.#intervalMs);
      });
    };
    this.#timer = setTimeout(tick, this.#intervalMs);
  }

  /** Stops, after one last snapshot. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#snapshotting;
    await this.snapshot();
    await this.#informer.stop();
  }

  /** Gateways seen (by uid), and how many of them got an address. */
  get gatewaysSeen(): { total: number; addressed: number } {
    const uids = new Set([...this.#history.status.keys(), ...this.#history.union.keys()]);
    let addressed = 0;
    for (const uid of uids) if (this.#history.status.get(uid)?.first || this.#history.union.get(uid)?.first) addressed++;
    return { total: uids.size, addressed };
  }

  #record(kind: Violation['kind'], key: string, message: string): void {
    if (this.#reported.has(`${kind}:${key}`)) return;
    this.#reported.add(`${kind}:${key}`);
    this.violations.push({ kind, message, at: Date.now() });
  }

  // One uid's addresses over time: set once, then never different and never empty while the Gateway exists.
  #judge(stream: 'status' | 'union', uid: string, rv: number, label: string, addresses: string[], deleting: boolean, source: string): void {
    const history = this.#history[stream];
    let h = history.get(uid);
    if (!h) history.set(uid, (h = { label, first: undefined, deleted: false, trail: [], rv: 0 }));
    if (rv < h.rv) return;
    h.rv = rv;
    const seen = `[${addresses.join(',')}] ${source.slice(0, 60)}`;
    if (h.trail.at(-1) !== seen) h.trail = [...h.trail.slice(-5), seen];
    if (addresses.length === 0) {
      if (h.first && !deleting && !h.deleted) this.#record('lost', `${uid}:${source}`, `${label} lost its address(es) ${h.first.join(',')} (${source}); seen before: ${h.trail.join(' | ')}`);
      return;
    }
    if (!h.first) h.first = addresses;
    else if (!same(h.first, addresses)) {
      if (this.#allowYield && this.#announced.get(uid) !== true) {
        if (stream === 'status') this.counts.yields++;
        h.first = addresses;
        return;
      }
      this.#record('moved', `${uid}:${addresses.join(',')}`, `${label}: address(es) changed from ${h.first.join(',')} to ${addresses.join(',')} (${source})`);
    }
  }

  #onGateway(gw: Gateway): void {
    this.counts.events++;
    if (this.#track(gw)) {
      const uid = gw.metadata.uid ?? '';
      const announced = (gw.status?.conditions ?? []).find((c) => c.type === 'kube-vip.io/Announced');
      if (announced !== undefined && announced.reason !== 'Pending') this.#announced.set(uid, true);
      else if (!this.#announced.has(uid)) this.#announced.set(uid, false);
      const conditions = (gw.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason} "${c.message}"`).join('; ');
      this.#judge('status', uid, Number(gw.metadata.resourceVersion), `Gateway ${gw.metadata.namespace}/${gw.metadata.name} (uid ${uid.slice(0, 8)})`, gatewayStatusAddresses(gw), gw.metadata.deletionTimestamp !== undefined, `status at resourceVersion ${gw.metadata.resourceVersion}: ${conditions}`);
    }
    this.#queueCheck();
  }

  // Checked after the current synchronous batch: a re-list applies all its differences before the microtask runs, so
  // a delete that comes after an add in the same re-list does not look like a duplicate.
  #queueCheck(): void {
    if (this.#checkQueued) return;
    this.#checkQueued = true;
    queueMicrotask(() => {
      this.#checkQueued = false;
      const byAddress = new Map<string, string[]>();
      for (const gw of this.#informer.store.list()) {
        if (!this.#track(gw)) continue;
        for (const a of gatewayStatusAddresses(gw)) {
          const list = byAddress.get(a) ?? [];
          list.push(`${gw.metadata.namespace}/${gw.metadata.name} (uid ${(gw.metadata.uid ?? '').slice(0, 8)}, rv ${gw.metadata.resourceVersion})`);
          byAddress.set(a, list);
        }
      }
      for (const [address, gws] of byAddress) {
        if (gws.length > 1) this.#record('duplicate', `status:${address}:${gws.join('|')}`, `address ${address} in the status of ${gws.length} Gateways: ${gws.join(', ')}`);
      }
    });
  }

  /** Takes and checks one consistent snapshot now. */
  async snapshot(): Promise<void> {
    let gateways: Gateway[];
    let services: Service[];
    let rv: string;
    try {
      const gwList = await this.admin.request<{ metadata: { resourceVersion: string }; items: Gateway[] }>('GET', '/apis/gateway.networking.k8s.io/v1/gateways');
      rv = gwList.metadata.resourceVersion;
      const svcList = await this.admin.request<{ items: Service[] }>('GET', `/api/v1/services?resourceVersion=${rv}&resourceVersionMatch=Exact`);
      gateways = gwList.items;
      services = svcList.items;
    } catch (error) {
      // The API server restarting, or the revision compacted away between the two lists: skip this one.
      if (error instanceof KubeRestError || error instanceof Error) {
        this.counts.snapshotErrors++;
        return;
      }
      throw error;
    }
    this.counts.snapshots++;
    const tracked = new Set(gateways.filter((g) => this.#track(g)).map((g) => g.metadata.uid ?? ''));
    const existing = new Set(gateways.map((g) => g.metadata.uid ?? ''));
    const h = holdings(gateways, services);
    for (const [uid, g] of h.byGateway) {
      if (existing.has(uid) && !tracked.has(uid)) continue;
      this.#judge('union', uid, Number(rv), g.label, g.addresses, g.deleting, `status and Services at ${rv}; ${g.detail}`);
    }
    const now = Date.now();
    for (const { address, holders } of sharedAddresses(h)) {
      const key = `${address}:${holders.map((x) => x.id).sort().join('|')}`;
      if (!this.collisions.has(key)) this.collisions.set(key, { address, holders, firstSeen: now });
      // A Service still announcing the address of a Gateway that is gone counts as that Gateway.
      const gatewayHolders = holders.filter((x) => x.kind === 'Gateway' && (tracked.has(x.id) || !existing.has(x.id)));
      if (gatewayHolders.length > 1) {
        this.#record('duplicate', key, `address ${address} held by ${holders.map((x) => x.label).join(' and ')} at once`);
      }
    }
  }
}

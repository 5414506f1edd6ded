// Shared informers: one informer per resource type and namespace, however many controllers watch it, so the cluster
// sees one list+watch per kind and the process keeps one copy of each object. (Two informers for one path would double
// memory and API load; client-node issue #494 is what restarting duplicates leads to.)

import type { ListerWatcher } from '../client/client.js';
import { Informer, type InformerOptions } from './informer.js';
import { StringPool } from './string-pool.js';
import type { Logger } from '../logging.js';
import type { KubeObject } from '../object.js';
import { resourceId, type ResourceDescriptor } from '../resources.js';

/** Options shared by every informer a factory makes. */
export type SharedInformerDefaults = Pick<
  InformerOptions<KubeObject>,
  'watchTimeoutSeconds' | 'inactivityTimeoutMs' | 'pageSize' | 'backoff' | 'random' | 'stringPool'
> & { logger?: Logger | undefined };

/** Per-informer options: scope and cache shaping (the first caller for a resource+namespace decides the transform). */
export interface InformerRequest<T extends KubeObject> {
  namespace?: string | undefined;
  /**
   * Narrows the list+watch (e.g. `metadata.namespace!=kube-node-lease`). An informer with a field selector is its own
   * informer: a request for the same resource without one gets another.
   */
  fieldSelector?: string | undefined;
  transform?: ((obj: T) => T) | undefined;
}

/** Makes and owns shared informers (see the module comment). */
export class SharedInformerFactory {
  readonly #client: ListerWatcher;
  readonly #defaults: SharedInformerDefaults;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  #started = false;

  constructor(client: ListerWatcher, defaults: SharedInformerDefaults = {}) {
    this.#client = client;
    // One string pool for every kind: routes, Gateways and slices share apiVersions, group names and label values.
    this.#defaults = { ...defaults, stringPool: defaults.stringPool === undefined ? new StringPool() : defaults.stringPool };
  }

  /** The informer for a resource type (all namespaces unless `namespace` is given); created on first request. */
  informerFor<T extends KubeObject = KubeObject>(res: ResourceDescriptor, req: InformerRequest<T> = {}): Informer<T> {
    const ns = res.namespaced ? (req.namespace ?? '') : '';
    const key = `${resourceId(res)}|${ns}${req.fieldSelector ? `|${req.fieldSelector}` : ''}`;
    let inf = this.#informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(this.#client, res, { ...this.#defaults, namespace: ns || undefined, fieldSelector: req.fieldSelector || undefined, transform: req.transform });
      this.#informers.set(key, inf as unknown as Informer<KubeObject>);
      if (this.#started) inf.start();
    }
    return inf;
  }

  /** Every informer made so far. */
  informers(): Informer<KubeObject>[] {
    return [...this.#informers.values()];
  }

  /** Starts every informer, and any made later. */
  start(): void {
    this.#started = true;
    for (const inf of this.#informers.values()) inf.start();
  }

  /** Resolves when every informer made so far has synced; rejects if the signal aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
  }

  /** True when every informer has synced. */
  hasSynced(): boolean {
    return [...this.#informers.values()].every((i) => i.hasSynced());
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}

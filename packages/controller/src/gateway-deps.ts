// What the Gateway reconciler depends on and reports to, and how soon it retries.
import type { Gateway, KubeObject, LeaseSettings, L4RouteKind } from '@kube-vip-gw/gateway-model';
import type { GatewayIdentity, StrategyRegistry } from '@kube-vip-gw/service-mapper';
import type { Client, Logger, OwnWrites, ResourceDescriptor } from '@kube-vip-gw/controller-runtime';
import type { AddressBook } from './address-book.js';
import type { ForeignAddressReader } from './fresh-read.js';
import type { ListenerSetDepartures } from './listener-sets.js';
import type { GatewayParameters } from './parameters.js';
import type { ClusterView } from './view.js';

/**
 * Finalizer on every Gateway of our classes: before it goes, the controller deletes the Services and EndpointSlices
 * it made (not waiting for garbage collection) and gives back the user Services it adopted (`update`), which nothing
 * else would restore.
 */
export const GATEWAY_CLEANUP_FINALIZER = 'gateway.kube-vip.io/cleanup';

/** Kubernetes Event types. */
export type EventType = 'Normal' | 'Warning';

/** Where reconcilers report Events (the manager's recorder in production; a list in tests). */
export interface EventSink {
  event(object: KubeObject & { apiVersion?: string; kind?: string }, type: EventType, reason: string, message: string): void;
}

/** Counters the Gateway reconciler reports to (metrics in production; optional). */
export interface GatewayMetrics {
  allocated(pool: string): void;
  allocationFailed(reason: string): void;
}

/** Everything the Gateway reconciler needs. */
export interface GatewayReconcilerDeps {
  controllerName: string;
  client: Client;
  view: ClusterView;
  addresses: AddressBook;
  strategies: StrategyRegistry;
  /** Route resources served by the cluster (v1, or v1alpha2 on older installs). */
  routeResources: Record<L4RouteKind, ResourceDescriptor>;
  /** Controller-wide defaults (from flags): strategy and loadBalancerClass. */
  defaults: GatewayParameters;
  events: EventSink;
  metrics?: GatewayMetrics;
  now: () => Date;
  /**
   * The controller's writes to Gateways and routes its cache has not shown yet (one per controller, kept current by
   * the informers). Without it (render, whose view is always current) nothing is waited for.
   */
  ownWrites?: OwnWrites;
  /** ListenerSets that left a Gateway, whose route status entries its next reconcile removes (live controller only). */
  departedListenerSets?: ListenerSetDepartures;
  logger?: Logger;
  /** Where kube-vip's leases are (default: auto-detect, `kube-system/plndr-svcs-lock` for the global one). */
  leases?: LeaseSettings;
  /**
   * Addresses other allocators' Services carry, read fresh from the API server before a new allocation is committed
   * (one list shared by the allocations waiting for it). Default: one list per allocation through `client`.
   */
  foreignAddresses?: ForeignAddressReader;
}

/** What a reconcile asks of its work queue. */
export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

export const STALE_CACHE_RETRY_MS = 500;
/** How soon the restore of a give-back follows its withdrawal (kube-vip takes the two events in order; no need to wait for it). */
export const GIVE_BACK_RETRY_MS = 200;
// Our own write reaches the cache in one watch event (milliseconds), so waiting for it costs little; the entry's timeout
// in OwnWrites bounds the wait when that event is lost.
export const OWN_WRITE_WAIT_MS = 100;

export function identity(gateway: Gateway): GatewayIdentity {
  return { namespace: gateway.metadata.namespace ?? '', name: gateway.metadata.name, uid: gateway.metadata.uid ?? '' };
}

// The controller's IPAM state, derived from the cluster and never kept only in memory. Every Gateway's
// status.addresses and every Service's addresses (kube-vip.io/loadbalancerIPs, spec.loadBalancerIP and
// status.loadBalancer.ingress) are "sources"; a source belongs to an owner: its Gateway for the Gateway itself and the
// Services made or adopted for it, else the Service. The allocator's used set is the union of all sources, kept current
// from informer events, so a restarted controller sees exactly what the cluster holds before its first allocation
// (two-phase start) and an address never moves.
import {
  AddressAllocator,
  orderByFamilies,
  parseAddress,
  parseIpamConfig,
  planFamilies,
  type AddressPolicy,
  type Allocation,
  type AllocateError,
  type IpamConfig,
  type PortKey,
  type Protocol,
} from '@kube-vip-gw/ipam';
import { requestedAddresses, type AddressOutcome, type ConfigMap, type Gateway, type Service } from '@kube-vip-gw/gateway-model';
import { GATEWAY_NAME_LABEL, LOADBALANCER_IPS_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, readUpdateRecord } from '@kube-vip-gw/service-mapper';

/** An owner key: `Gateway/<ns>/<name>` or `Service/<ns>/<name>`. */
export type OwnerKey = string;

interface Source {
  owner: OwnerKey;
  addresses: string[];
  ports: PortKey[];
}

/** The owner key of a Gateway. */
export function gatewayOwner(namespace: string, name: string): OwnerKey {
  return `Gateway/${namespace}/${name}`;
}

/** Every address a Service carries (annotation first, then spec.loadBalancerIP, then status ingress IPs), deduplicated. */
export function serviceAddresses(service: Service): string[] {
  const out: string[] = [];
  const annotation = service.metadata.annotations?.[LOADBALANCER_IPS_ANNOTATION];
  if (annotation) out.push(...annotation.split(',').map((a) => a.trim()).filter(Boolean));
  if (service.spec?.loadBalancerIP) out.push(service.spec.loadBalancerIP.trim());
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) if (ingress.ip) out.push(ingress.ip.trim());
  return [...new Set(out)];
}

/**
 * Who holds a Service's addresses: the Gateway it was generated for (our labels and a controller ownerReference to a
 * Gateway) or adopted by (`update` record), else the Service itself.
 */
export function serviceOwner(service: Service): OwnerKey {
  const ns = service.metadata.namespace ?? '';
  const labels = service.metadata.labels ?? {};
  if (labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[GATEWAY_NAME_LABEL] !== undefined) {
    const owner = (service.metadata.ownerReferences ?? []).find((r) => r.kind === 'Gateway' && r.controller === true);
    if (owner) return gatewayOwner(ns, owner.name);
  }
  const record = readUpdateRecord(service);
  if (record !== undefined && !(record instanceof Error)) return gatewayOwner(record.gateway.namespace, record.gateway.name);
  return `Service/${ns}/${service.metadata.name}`;
}

function servicePorts(service: Service): PortKey[] {
  return (service.spec?.ports ?? [])
    .filter((p) => Number.isInteger(p.port))
    .map((p) => ({ protocol: (p.protocol ?? 'TCP') as Protocol, port: p.port }));
}

/** The (protocol, port) pairs of a Gateway's TCP and UDP listeners: what it needs exclusively on a shared address. */
export function gatewayPorts(gateway: Gateway): PortKey[] {
  const ports: PortKey[] = [];
  for (const l of gateway.spec?.listeners ?? []) {
    if ((l.protocol === 'TCP' || l.protocol === 'UDP') && Number.isInteger(l.port)) ports.push({ protocol: l.protocol, port: l.port });
  }
  return ports;
}

/** How a Gateway's addresses are chosen (from its parameters): the IPAM package's policy. */
export type { AddressPolicy };

/** Another holder announcing one of a Gateway's addresses. */
export interface AddressCollision {
  address: string;
  /** Who else announces it: `Service <ns>/<name>` (e.g. kube-vip-cloud-provider's allocation) or `Gateway <ns>/<name>`. */
  holders: string[];
  /** The same holders, as references (sorted as `holders`). */
  refs: { kind: 'Gateway' | 'Service'; namespace: string; name: string }[];
}

/** How `decide` may choose. */
export interface DecideOptions {
  /** Addresses not to keep nor take (given up to another holder, or seen taken by a fresh read of the cluster). */
  avoid?: readonly string[];
  /** False: keep what the Gateway holds, take nothing new from the pool (a Gateway that is not Accepted). */
  allocate?: boolean;
}

// Addresses as the allocator prints them, so `fd00::0:1` on a Service and `fd00::1` on a Gateway are one address.
function canonical(address: string): string {
  const parsed = parseAddress(address.trim());
  return parsed.ok ? parsed.value.text : address.trim();
}

function portsOverlap(a: readonly PortKey[], b: readonly PortKey[]): boolean {
  return a.some((x) => b.some((y) => x.port === y.port && x.protocol === y.protocol));
}

/** The result of deciding a Gateway's addresses: the outcome for its status, and a note for an Event when something was allocated. */
export interface AddressDecision {
  outcome: AddressOutcome;
  /** Set when this decision took new addresses from the pool (for an Event and metrics). */
  allocated?: Allocation;
  /** Set when allocation failed (for an Event and metrics). */
  failure?: AllocateError;
}

/** Keeps the used set in step with the cluster and decides each Gateway's addresses. */
export class AddressBook {
  readonly allocator: AddressAllocator;
  private readonly sources = new Map<string, Source>();
  private readonly byOwner = new Map<OwnerKey, Set<string>>();
  /** Canonical address -> keys of the sources naming it, to find collisions. */
  private readonly byAddress = new Map<string, Set<string>>();
  private configProblems: string[] = [];
  /** Where the IPAM ConfigMap should be, while it is missing (for messages that say what to create). */
  private missingConfigMap: string | undefined;

  constructor(config: IpamConfig = parseIpamConfig({})) {
    this.allocator = new AddressAllocator(config);
  }

  /**
   * Switches to a new IPAM ConfigMap, or to none (`configMap` undefined; `expected` names where it should be, for
   * messages). Used addresses stay used, even outside every pool now.
   */
  setConfigMap(configMap: ConfigMap | undefined, expected?: string): void {
    this.missingConfigMap = configMap === undefined ? expected : undefined;
    const config = parseIpamConfig(configMap?.data ?? {});
    this.allocator.setConfig(config);
    this.configProblems = config.problems.map((p) => p.message);
  }

  /** Problems of the current ConfigMap, one message per malformed key or entry. */
  get problems(): readonly string[] {
    return this.configProblems;
  }

  /** Records (or replaces) the addresses a Gateway's status shows. */
  observeGateway(gateway: Gateway): void {
    const ns = gateway.metadata.namespace ?? '';
    const addresses = (gateway.status?.addresses ?? []).filter((a) => (a.type ?? 'IPAddress') === 'IPAddress').map((a) => a.value);
    this.setSource(`Gateway/${ns}/${gateway.metadata.name}`, gatewayOwner(ns, gateway.metadata.name), addresses, gatewayPorts(gateway));
  }

  /** Forgets a deleted Gateway's status addresses (its Services, while they exist, still hold them). */
  forgetGateway(namespace: string, name: string): void {
    this.removeSource(`Gateway/${namespace}/${name}`);
    this.removeSource(`Reservation/${namespace}/${name}`);
  }

  /** Records (or replaces) a Service's addresses. */
  observeService(service: Service): void {
    const key = `Service/${service.metadata.namespace ?? ''}/${service.metadata.name}`;
    const addresses = serviceAddresses(service);
    if (addresses.length === 0) this.removeSource(key);
    else this.setSource(key, serviceOwner(service), addresses, servicePorts(service));
  }

  /** Forgets a deleted Service's addresses. */
  forgetService(namespace: string, name: string): void {
    this.removeSource(`Service/${namespace}/${name}`);
  }

  /** Addresses an owner holds now, as the allocator sees them. */
  holdings(owner: OwnerKey): string[] {
    return this.allocator.holdings(owner);
  }

  /**
   * Holders other than the Gateway that announce one of its addresses: kube-vip would announce the address for both.
   * This is how an allocation made elsewhere on the same ConfigMap (kube-vip-cloud-provider reads it too, but never
   * sees Gateways) shows up; nothing moves, the Gateway reports it. Holders sharing under `allow-share-*` with
   * disjoint ports are not collisions.
   */
  collisions(namespace: string, name: string): AddressCollision[] {
    const owner = gatewayOwner(namespace, name);
    const mine = [...(this.byOwner.get(owner) ?? [])].map((k) => this.sources.get(k)!);
    const myPorts = mine.flatMap((src) => src.ports);
    const pool = this.allocator.poolFor(namespace);
    const sharing = pool.ok && pool.value.allowShare;
    const out: AddressCollision[] = [];
    for (const address of new Set(mine.flatMap((src) => src.addresses.map(canonical)))) {
      const holders = new Set<string>();
      for (const key of this.byAddress.get(address) ?? []) {
        const other = this.sources.get(key)!;
        if (other.owner === owner || (sharing && !portsOverlap(myPorts, other.ports))) continue;
        const [kind, ns, n] = (other.owner.startsWith('Gateway/') ? other.owner : key).split('/');
        holders.add(`${kind} ${ns}/${n}`);
      }
      if (holders.size > 0) {
        const sorted = [...holders].sort();
        const refs = sorted.map((h) => {
          const [kind, ref] = h.split(' ') as [string, string];
          const [ns, n] = ref.split('/') as [string, string];
          return { kind: kind === 'Gateway' ? ('Gateway' as const) : ('Service' as const), namespace: ns, name: n };
        });
        out.push({ address, holders: sorted, refs });
      }
    }
    return out;
  }

  /** Keys of the Services (`{namespace, name}`) carrying any of these addresses, whoever they belong to. */
  servicesCarrying(addresses: readonly string[]): { namespace: string; name: string }[] {
    const out = new Map<string, { namespace: string; name: string }>();
    for (const address of addresses) {
      for (const key of this.byAddress.get(canonical(address)) ?? []) {
        if (!key.startsWith('Service/')) continue;
        const [, namespace, name] = key.split('/') as [string, string, string];
        out.set(key, { namespace, name });
      }
    }
    return [...out.values()];
  }

  /**
   * Drops what `decide` reserved for a Gateway (its status and Services still hold what they carry): before deciding
   * again without an address, or when a Gateway that is not Accepted gives back one it never used.
   */
  releaseReservation(namespace: string, name: string): void {
    this.removeSource(`Reservation/${namespace}/${name}`);
  }

  /** Keys (`ns/name`) of the Gateways holding any of these addresses. */
  gatewaysHolding(addresses: readonly string[]): string[] {
    const out = new Set<string>();
    for (const address of addresses) {
      for (const key of this.byAddress.get(canonical(address)) ?? []) {
        const owner = this.sources.get(key)!.owner;
        if (owner.startsWith('Gateway/')) out.add(owner.slice('Gateway/'.length));
      }
    }
    return [...out];
  }

  /**
   * Decides a Gateway's addresses: the spec.addresses it asks for (validated), else the ones it already holds (never
   * moved, even when the pool changed), else new ones from its namespace's pool. What it decides is held at once
   * (a reservation), so concurrent reconciles never hand one address out twice, and stays held until the Gateway's
   * status and Services carry it.
   */
  decide(gateway: Gateway, policy: AddressPolicy = {}, options: DecideOptions = {}): AddressDecision {
    const ns = gateway.metadata.namespace ?? '';
    const avoid = options.avoid ?? [];
    if (avoid.length === 0) return this.decideNow(gateway, policy, options);
    // Held by a stand-in owner for the length of this decision, so the allocator passes over them like any used address.
    const key = `Avoid/${ns}/${gateway.metadata.name}`;
    this.setSource(key, key, [...avoid], gatewayPorts(gateway));
    try {
      return this.decideNow(gateway, policy, options);
    } finally {
      this.removeSource(key);
    }
  }

  private decideNow(gateway: Gateway, policy: AddressPolicy, options: DecideOptions): AddressDecision {
    const ns = gateway.metadata.namespace ?? '';
    const owner = gatewayOwner(ns, gateway.metadata.name);
    const ports = gatewayPorts(gateway);
    const avoided = new Set((options.avoid ?? []).map(canonical));
    const requested = requestedAddresses(gateway);
    if (requested.unsupported.length > 0) return { outcome: { kind: 'unsupportedType', addresses: requested.unsupported } };

    if (requested.static.length > 0) {
      const usable: string[] = [];
      const problems: string[] = [];
      for (const address of requested.static) {
        const held = this.holdings(owner);
        if (held.includes(address)) {
          usable.push(address);
          continue;
        }
        if (options.allocate === false) continue;
        const r = this.allocator.allocate({ namespace: ns, requested: [address], owner, ports });
        if (r.ok) usable.push(...r.value.addresses);
        else problems.push(r.error.message);
      }
      this.reserve(ns, gateway.metadata.name, usable, ports);
      if (options.allocate === false && usable.length < requested.static.length) {
        return { outcome: { kind: 'notAssigned', reason: 'the Gateway is not accepted: it takes no address until it is', ...(usable.length > 0 ? { addresses: usable } : {}) } };
      }
      if (problems.length > 0) return { outcome: { kind: 'notUsable', message: problems.join('; '), addresses: usable } };
      return { outcome: { kind: 'assigned', addresses: usable } };
    }

    const pool = this.allocator.poolFor(ns);
    const { keep, request } = planFamilies(
      this.holdings(owner).filter((a) => !avoided.has(canonical(a))),
      policy,
      pool.ok ? pool.value : undefined,
    );
    if (request === undefined) {
      this.reserve(ns, gateway.metadata.name, keep, ports);
      return { outcome: { kind: 'assigned', addresses: keep } };
    }
    if (options.allocate === false) {
      if (keep.length > 0) this.reserve(ns, gateway.metadata.name, keep, ports);
      else this.releaseReservation(ns, gateway.metadata.name);
      return { outcome: { kind: 'notAssigned', reason: 'the Gateway is not accepted: it takes no address from the pool until it is', ...(keep.length > 0 ? { addresses: keep } : {}) } };
    }
    const r = this.allocator.allocate({ namespace: ns, ipFamilyPolicy: request.ipFamilyPolicy, ipFamilies: request.ipFamilies, owner, ports });
    if (!r.ok) {
      const reason = this.missingConfigMap && r.error._tag === 'NoPoolError' ? `IPAM ConfigMap ${this.missingConfigMap} not found: ${r.error.message}` : r.error.message;
      return { outcome: { kind: 'notAssigned', reason, ...(keep.length > 0 ? { addresses: keep } : {}) }, failure: r.error };
    }
    const addresses = orderByFamilies([...keep, ...r.value.addresses], policy.ipFamilies);
    this.reserve(ns, gateway.metadata.name, addresses, ports);
    return { outcome: { kind: 'assigned', addresses }, allocated: r.value };
  }

  private reserve(namespace: string, name: string, addresses: readonly string[], ports: PortKey[]): void {
    this.setSource(`Reservation/${namespace}/${name}`, gatewayOwner(namespace, name), [...addresses], ports);
  }

  private setSource(key: string, owner: OwnerKey, addresses: string[], ports: PortKey[]): void {
    const previous = this.sources.get(key);
    if (previous && previous.owner === owner && sameList(previous.addresses, addresses) && samePorts(previous.ports, ports)) return;
    this.sources.set(key, { owner, addresses, ports });
    if (previous) this.unindex(key, previous.addresses);
    for (const a of addresses) {
      let keys = this.byAddress.get(canonical(a));
      if (!keys) this.byAddress.set(canonical(a), (keys = new Set()));
      keys.add(key);
    }
    if (previous && previous.owner !== owner) this.unlink(key, previous.owner);
    let keys = this.byOwner.get(owner);
    if (!keys) this.byOwner.set(owner, (keys = new Set()));
    keys.add(key);
    this.refreshOwner(owner);
  }

  private removeSource(key: string): void {
    const previous = this.sources.get(key);
    if (!previous) return;
    this.sources.delete(key);
    this.unindex(key, previous.addresses);
    this.unlink(key, previous.owner);
  }

  private unindex(key: string, addresses: readonly string[]): void {
    for (const a of addresses) {
      const keys = this.byAddress.get(canonical(a));
      keys?.delete(key);
      if (keys?.size === 0) this.byAddress.delete(canonical(a));
    }
  }

  private unlink(key: string, owner: OwnerKey): void {
    const keys = this.byOwner.get(owner);
    keys?.delete(key);
    if (keys && keys.size === 0) this.byOwner.delete(owner);
    this.refreshOwner(owner);
  }

  // An owner's hold is the union of its sources: re-record it whenever one of them changes.
  private refreshOwner(owner: OwnerKey): void {
    this.allocator.releaseOwner(owner);
    const entries = [];
    for (const key of this.byOwner.get(owner) ?? []) {
      const source = this.sources.get(key)!;
      for (const address of source.addresses) entries.push({ address, owner, ports: source.ports });
    }
    if (entries.length > 0) this.allocator.markUsed(entries);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function samePorts(a: readonly PortKey[], b: readonly PortKey[]): boolean {
  return a.length === b.length && a.every((x, i) => x.port === b[i]!.port && x.protocol === b[i]!.protocol);
}

// Whether kube-vip really announces a Gateway's addresses, from what kube-vip leaves in the cluster: the Services that
// carry an address (their kube-vip.io/vipHost annotation and status.loadBalancer.ingress), the Lease kube-vip renews
// while it announces them, and the endpoints kube-proxy forwards to. Measured with kube-vip v1.0.0 + kube-proxy v1.36:
// - Services carrying one address but elected on different nodes (svc_election=true, one lease per Service) put the
//   address on both nodes and most connections failed: vipHost must agree across every Service carrying it.
// - kube-vip never clears status.loadBalancer.ingress when it stops: only its Lease (holder, renewTime,
//   leaseDurationSeconds) tells that it is still alive.
// - kube-vip's lock is `kubevip-<service name>` in the Service's namespace with svc_election=true (v1.0.0 ignores
//   kube-vip.io/leaseName; newer versions read it), and one lease for every Service otherwise (`plndr-svcs-lock` in
//   kube-system by default). Its holderIdentity is kube-vip's node name, the value it writes into vipHost.
// - With externalTrafficPolicy Local and no ready endpoint on the announcing node, kube-proxy drops the traffic.
import { parseAddress } from '@kube-vip-gw/ipam';
import type { EndpointSlice, KubeObject, Service } from './types.js';

/** Annotation kube-vip writes with the node that announces a Service's addresses. */
export const VIP_HOST_ANNOTATION = 'kube-vip.io/vipHost';
/** Annotation with the addresses kube-vip announces for a Service (read first by kube-vip). */
export const KUBE_VIP_LOADBALANCER_IPS_ANNOTATION = 'kube-vip.io/loadbalancerIPs';
/** Annotation naming the lease of a Service in kube-vip releases that honour it (`name` or `namespace/name`). */
export const KUBE_VIP_LEASE_NAME_ANNOTATION = 'kube-vip.io/leaseName';
/** Prefix of kube-vip's per-Service lease (svc_election=true). */
export const KUBE_VIP_SERVICE_LEASE_PREFIX = 'kubevip-';

/** The Lease fields the evaluation reads (coordination.k8s.io/v1). */
export interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

/**
 * Which kube-vip lease stands for a Service. `service`: kube-vip runs with svc_election=true (the lease named after
 * the Service, or its kube-vip.io/leaseName). `global`: svc_election=false (one lease for all Services). `auto`: the
 * first of those that exists and is current, else the first that exists (see leaseCandidates).
 */
export type LeaseMode = 'auto' | 'service' | 'global';

/** Where the leases are and how to find one. */
export interface LeaseSettings {
  mode: LeaseMode;
  /** The lease of kube-vip's services election when svc_election=false (`plndr-svcs-lock` in kube-system by default). */
  global: { namespace: string; name: string };
}

/** Default: auto-detect, and kube-vip's default global services lease. */
export const DEFAULT_LEASE_SETTINGS: LeaseSettings = { mode: 'auto', global: { namespace: 'kube-system', name: 'plndr-svcs-lock' } };

/** What the evaluation reads, all from a cache. */
export interface AnnouncementInput {
  /** The Gateway's addresses (status.addresses). */
  addresses: readonly string[];
  /** Every Service that carries one of them: the Gateway's own and any other (another allocation of the same address). */
  services: readonly Service[];
  /** EndpointSlices of a Service (label kubernetes.io/service-name). */
  endpointSlices: (namespace: string, name: string) => readonly EndpointSlice[];
  /** A Lease by namespace and name, if it exists. */
  lease: (namespace: string, name: string) => LeaseObject | undefined;
  leases: LeaseSettings;
  now: Date;
}

/** Reasons of the kube-vip.io/Announced condition. */
export const AnnouncementReason = {
  Announced: 'Announced',
  /** No Service carries the address yet, or kube-vip has not written its status (False). */
  Pending: 'Pending',
  /** The Services carrying one address name different nodes in kube-vip.io/vipHost (False). */
  Split: 'Split',
  /** The kube-vip lease of the announcing Service was not renewed within its duration, or is released (False). */
  LeaseExpired: 'LeaseExpired',
  /** externalTrafficPolicy Local and no ready endpoint on the announcing node (False). */
  NoLocalEndpoints: 'NoLocalEndpoints',
  /** No kube-vip lease found for the announcing Service (Unknown). */
  LeaseNotFound: 'LeaseNotFound',
  /** The lease is held by a node other than the one vipHost names: the address is moving (Unknown). */
  HolderMismatch: 'HolderMismatch',
  /** Ingress without kube-vip.io/vipHost: not written by kube-vip, or by a kube-vip that does not say where (Unknown). */
  NoVipHost: 'NoVipHost',
} as const;

/** The kube-vip.io/Announced condition to write, and when its truth may change without any watch event. */
export interface AnnouncementOutcome {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** The earliest moment a lease found current would expire: evaluate again then (a lease expiring makes no event). */
  recheckAt?: Date;
}

interface Finding {
  status: 'False' | 'Unknown';
  reason: string;
  message: string;
}

// Worst first, within a status: the finding whose reason comes first names the condition.
const PRECEDENCE: readonly string[] = [
  AnnouncementReason.Split,
  AnnouncementReason.LeaseExpired,
  AnnouncementReason.NoLocalEndpoints,
  AnnouncementReason.Pending,
  AnnouncementReason.HolderMismatch,
  AnnouncementReason.LeaseNotFound,
  AnnouncementReason.NoVipHost,
];

function canonical(address: string): string {
  const parsed = parseAddress(address.trim());
  return parsed.ok ? parsed.value.text : address.trim();
}

function serviceKey(s: Service): string {
  return `${s.metadata.namespace ?? ''}/${s.metadata.name}`;
}

/** The addresses a Service asks kube-vip for (annotation, else spec.loadBalancerIP), plus those its status shows. */
export function carriedAddresses(service: Service): string[] {
  const out = new Set<string>();
  for (const a of (service.metadata.annotations?.[KUBE_VIP_LOADBALANCER_IPS_ANNOTATION] ?? '').split(',')) if (a.trim()) out.add(canonical(a));
  if (service.spec?.loadBalancerIP) out.add(canonical(service.spec.loadBalancerIP));
  for (const i of ingressAddresses(service)) out.add(i);
  return [...out];
}

/** status.loadBalancer.ingress IPs of a Service (what kube-vip wrote once it announced them), canonical. */
export function ingressAddresses(service: Service): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [canonical(i.ip)] : []));
}

/** The leases that may stand for a Service, in the order the mode looks at them. */
export function leaseCandidates(service: Service, settings: LeaseSettings): { namespace: string; name: string }[] {
  const ns = service.metadata.namespace ?? '';
  const perService: { namespace: string; name: string }[] = [];
  const named = service.metadata.annotations?.[KUBE_VIP_LEASE_NAME_ANNOTATION]?.trim();
  if (named) {
    const [a, b] = named.split('/');
    perService.push(b !== undefined ? { namespace: a ?? ns, name: b } : { namespace: ns, name: named });
  }
  perService.push({ namespace: ns, name: `${KUBE_VIP_SERVICE_LEASE_PREFIX}${service.metadata.name}` });
  if (settings.mode === 'service') return perService;
  if (settings.mode === 'global') return [settings.global];
  return [...perService, settings.global];
}

/** When a lease stops being current (renewTime + leaseDurationSeconds), or undefined when it carries neither. */
export function leaseExpiry(lease: LeaseObject): Date | undefined {
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
  const duration = lease.spec?.leaseDurationSeconds;
  if (!Number.isFinite(renewed) || typeof duration !== 'number') return undefined;
  return new Date(renewed + duration * 1000);
}

/** True when the lease has a holder and was renewed within its duration. */
export function leaseCurrent(lease: LeaseObject, now: Date): boolean {
  const expiry = leaseExpiry(lease);
  return !!lease.spec?.holderIdentity && expiry !== undefined && expiry.getTime() > now.getTime();
}

type LeaseVerdict = { ok: true; lease: LeaseObject; expiry: Date } | { ok: false; finding: Finding };

function leaseVerdict(service: Service, host: string, input: AnnouncementInput): LeaseVerdict {
  const candidates = leaseCandidates(service, input.leases);
  const found = candidates.map((c) => ({ ref: c, lease: input.lease(c.namespace, c.name) })).filter((f) => f.lease !== undefined);
  const chosen = found.find((f) => leaseCurrent(f.lease!, input.now)) ?? found[0];
  const svc = `Service ${serviceKey(service)}`;
  if (chosen === undefined) {
    return {
      ok: false,
      finding: {
        status: 'Unknown',
        reason: AnnouncementReason.LeaseNotFound,
        message: `no kube-vip lease for ${svc} (looked for ${candidates.map((c) => `${c.namespace}/${c.name}`).join(', ')}): is kube-vip's election on, and does --kube-vip-lease-mode match its svc_election?`,
      },
    };
  }
  const lease = chosen.lease!;
  const ref = `${chosen.ref.namespace}/${chosen.ref.name}`;
  const holder = lease.spec?.holderIdentity ?? '';
  const expiry = leaseExpiry(lease);
  if (!holder) {
    return { ok: false, finding: { status: 'False', reason: AnnouncementReason.LeaseExpired, message: `kube-vip lease ${ref} of ${svc} is not held (released): no kube-vip announces it; its status.loadBalancer.ingress is stale` } };
  }
  if (expiry === undefined || expiry.getTime() <= input.now.getTime()) {
    const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime ?? 'never';
    return {
      ok: false,
      finding: {
        status: 'False',
        reason: AnnouncementReason.LeaseExpired,
        message: `kube-vip lease ${ref} of ${svc}, held by ${holder}, was last renewed at ${renewed} (duration ${lease.spec?.leaseDurationSeconds ?? '?'} s): kube-vip on ${holder} stopped renewing it; its status.loadBalancer.ingress is stale`,
      },
    };
  }
  if (holder !== host) {
    return {
      ok: false,
      finding: { status: 'Unknown', reason: AnnouncementReason.HolderMismatch, message: `kube-vip lease ${ref} of ${svc} is held by ${holder} but kube-vip.io/vipHost says ${host}: the address is moving` },
    };
  }
  return { ok: true, lease, expiry };
}

// Port names of a Service whose endpoints exist somewhere but none is ready on `node`: kube-proxy on that node drops
// their traffic under externalTrafficPolicy Local. A port without any endpoint (a listener without routes) is not an
// announcement problem: its connections are refused as the specification wants.
function portsWithoutLocalEndpoints(slices: readonly EndpointSlice[], node: string): string[] {
  const anywhere = new Set<string>();
  const local = new Set<string>();
  for (const slice of slices) {
    const ports = (slice.ports ?? [{}]).map((p) => p.name ?? '');
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const p of ports) {
        anywhere.add(p);
        if (e.nodeName === node) local.add(p);
      }
    }
  }
  return [...anywhere].filter((p) => !local.has(p)).sort();
}

/**
 * Decides the kube-vip.io/Announced condition. True only when, for every address, the Services that carry it and
 * that kube-vip reported (ingress) all name one node in kube-vip.io/vipHost, their kube-vip lease is held by that
 * node and was renewed within its duration, and (externalTrafficPolicy Local) that node has a ready endpoint for
 * every port that has endpoints. Otherwise False (Pending, Split, LeaseExpired, NoLocalEndpoints) or Unknown
 * (LeaseNotFound, HolderMismatch, NoVipHost), the message saying why for each address.
 */
export function evaluateAnnouncement(input: AnnouncementInput): AnnouncementOutcome {
  const findings: Finding[] = [];
  const announced: string[] = [];
  let recheckAt: Date | undefined;
  for (const raw of input.addresses) {
    const address = canonical(raw);
    const carriers = input.services.filter((s) => carriedAddresses(s).includes(address));
    if (carriers.length === 0) {
      findings.push({ status: 'False', reason: AnnouncementReason.Pending, message: `no Service carries ${address} yet` });
      continue;
    }
    const reporting = carriers.filter((s) => ingressAddresses(s).includes(address));
    if (reporting.length === 0) {
      findings.push({ status: 'False', reason: AnnouncementReason.Pending, message: `waiting for kube-vip to announce ${address} (no Service carrying it has status.loadBalancer.ingress yet)` });
      continue;
    }
    const hosts = new Map<string, string[]>();
    const hostless: string[] = [];
    for (const s of reporting) {
      const host = s.metadata.annotations?.[VIP_HOST_ANNOTATION]?.trim();
      if (!host) hostless.push(serviceKey(s));
      else hosts.set(host, [...(hosts.get(host) ?? []), serviceKey(s)]);
    }
    if (hosts.size > 1) {
      const where = [...hosts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([h, svcs]) => `${h} (Service ${svcs.join(', ')})`);
      findings.push({
        status: 'False',
        reason: AnnouncementReason.Split,
        message: `${address} is announced from nodes ${where.join(' and ')}: two nodes answer ARP/NDP for it and connections fail; give each address one Service, or run kube-vip with svc_election=false`,
      });
      continue;
    }
    if (hosts.size === 0) {
      findings.push({ status: 'Unknown', reason: AnnouncementReason.NoVipHost, message: `Service ${hostless.join(', ')} reports ${address} in status.loadBalancer.ingress without kube-vip.io/vipHost: not known which node announces it` });
      continue;
    }
    const [host] = [...hosts.keys()] as [string];
    let ok = true;
    for (const s of reporting) {
      const verdict = leaseVerdict(s, host, input);
      if (!verdict.ok) {
        findings.push(verdict.finding);
        ok = false;
        continue;
      }
      if (recheckAt === undefined || verdict.expiry < recheckAt) recheckAt = verdict.expiry;
      if (s.spec?.externalTrafficPolicy === 'Local') {
        const ports = portsWithoutLocalEndpoints(input.endpointSlices(s.metadata.namespace ?? '', s.metadata.name), host);
        if (ports.length > 0) {
          ok = false;
          findings.push({
            status: 'False',
            reason: AnnouncementReason.NoLocalEndpoints,
            message: `Service ${serviceKey(s)} has externalTrafficPolicy Local and no ready endpoint on ${host}, which announces ${address}, for port(s) ${ports.map((p) => p || '(unnamed)').join(', ')}: kube-proxy on ${host} drops that traffic`,
          });
        }
      }
    }
    if (ok) announced.push(`${address} from node ${host}`);
  }
  const at = recheckAt ? { recheckAt } : {};
  const worst = findings.some((f) => f.status === 'False') ? 'False' : findings.length > 0 ? 'Unknown' : undefined;
  if (worst === undefined) {
    if (announced.length === 0) return { status: 'False', reason: AnnouncementReason.Pending, message: 'the Gateway has no address yet' };
    return { status: 'True', reason: AnnouncementReason.Announced, message: `kube-vip announces ${announced.join(', ')}`, ...at };
  }
  const chosen = findings.filter((f) => f.status === worst);
  const reason = PRECEDENCE.find((r) => chosen.some((f) => f.reason === r)) ?? chosen[0]!.reason;
  return { status: worst, reason, message: chosen.map((f) => f.message).join('; '), ...at };
}

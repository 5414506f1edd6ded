// Who holds which address, read the way kube-vip would act on it: a Gateway holds the addresses of its
// status.addresses and of every Service made or adopted for it; any other Service holds what its
// kube-vip.io/loadbalancerIPs annotation (or spec.loadBalancerIP) names. Shared by the live observer and the final
// checks, so both judge one definition.
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { readUpdateRecord } from '@kube-vip-gw/service-mapper';

/** Holder of an address: `Gateway <ns>/<name> (uid)` or `Service <ns>/<name>`. */
export interface Holder {
  /** Stable identity: the Gateway uid, or `Service/<ns>/<name>`. */
  readonly id: string;
  /** For messages. */
  readonly label: string;
  readonly kind: 'Gateway' | 'Service';
}

/** A Gateway's status addresses (IPAddress type), sorted. */
export function gatewayStatusAddresses(gw: Gateway): string[] {
  return (gw.status?.addresses ?? [])
    .filter((a) => (a.type ?? 'IPAddress') === 'IPAddress')
    .map((a) => a.value)
    .sort();
}

/** The addresses a Service asks kube-vip to announce (annotation first, as kube-vip reads it; else spec.loadBalancerIP). */
export function announcedAddresses(svc: Service): string[] {
  const annotation = svc.metadata.annotations?.['kube-vip.io/loadbalancerIPs'];
  if (annotation !== undefined) return annotation.split(',').map((a) => a.trim()).filter(Boolean);
  return svc.spec?.loadBalancerIP ? [svc.spec.loadBalancerIP] : [];
}

/** The uid of the Gateway a Service was made for (controller ownerReference) or adopted by (update record). */
export function owningGatewayUid(svc: Service): string | undefined {
  const ref = (svc.metadata.ownerReferences ?? []).find((r) => r.kind === 'Gateway' && r.controller === true);
  if (ref) return ref.uid;
  const record = readUpdateRecord(svc);
  return record !== undefined && !(record instanceof Error) ? record.gateway.uid : undefined;
}

/** One consistent view: every address and who holds it. */
export interface Holdings {
  /** address -> holders (by id). */
  readonly byAddress: Map<string, Map<string, Holder>>;
  /** Gateway uid -> its addresses (status and Services), sorted. */
  readonly byGateway: Map<string, { label: string; addresses: string[]; deleting: boolean; detail: string }>;
}

/** Computes holdings from Gateways and Services read at one resourceVersion. */
export function holdings(gateways: readonly Gateway[], services: readonly Service[]): Holdings {
  const byAddress = new Map<string, Map<string, Holder>>();
  const byGateway = new Map<string, { label: string; addresses: string[]; deleting: boolean; detail: string }>();
  const labels = new Map<string, string>();
  for (const gw of gateways) {
    const uid = gw.metadata.uid ?? '';
    const label = `Gateway ${gw.metadata.namespace}/${gw.metadata.name} (uid ${uid.slice(0, 8)})`;
    labels.set(uid, label);
    const conditions = (gw.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason} "${c.message}"`).join('; ');
    const detail = `resourceVersion ${gw.metadata.resourceVersion}, generation ${gw.metadata.generation}: ${conditions}`;
    byGateway.set(uid, { label, addresses: gatewayStatusAddresses(gw), deleting: gw.metadata.deletionTimestamp !== undefined, detail });
  }
  const add = (address: string, holder: Holder) => {
    let m = byAddress.get(address);
    if (!m) byAddress.set(address, (m = new Map()));
    m.set(holder.id, holder);
  };
  for (const [uid, g] of byGateway) for (const a of g.addresses) add(a, { id: uid, label: g.label, kind: 'Gateway' });
  for (const svc of services) {
    const addresses = announcedAddresses(svc);
    if (addresses.length === 0) continue;
    const uid = owningGatewayUid(svc);
    if (uid !== undefined) {
      // A Service of a Gateway that is gone still announces its address: it holds it in the Gateway's name.
      let g = byGateway.get(uid);
      if (!g) byGateway.set(uid, (g = { label: `deleted Gateway (uid ${uid.slice(0, 8)}) via Service ${svc.metadata.namespace}/${svc.metadata.name}`, addresses: [], deleting: true, detail: '' }));
      g.addresses = [...new Set([...g.addresses, ...addresses])].sort();
      for (const a of addresses) add(a, { id: uid, label: g.label, kind: 'Gateway' });
    } else {
      const id = `Service/${svc.metadata.namespace}/${svc.metadata.name}`;
      for (const a of addresses) add(a, { id, label: `Service ${svc.metadata.namespace}/${svc.metadata.name}`, kind: 'Service' });
    }
  }
  return { byAddress, byGateway };
}

/** Addresses held by more than one holder, as messages (`10.0.0.1: Gateway a/b (...), Service c/d`). */
export function sharedAddresses(h: Holdings): { address: string; holders: Holder[] }[] {
  const out: { address: string; holders: Holder[] }[] = [];
  for (const [address, holders] of h.byAddress) if (holders.size > 1) out.push({ address, holders: [...holders.values()] });
  return out;
}

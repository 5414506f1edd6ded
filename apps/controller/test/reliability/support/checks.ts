// The settled state a churned cluster must reach, judged from the cluster alone: every status observed the latest
// generation, nothing is left terminating, every Service we made belongs to a live Gateway and carries its address,
// every listener that serves a route has its Service, a Gateway lacks an address only when the pool is full, and every
// user Service no Gateway has adopted looks exactly as its user left it.
import { isDeepStrictEqual } from 'node:util';
import type { EndpointSlice, Gateway, L4Route, Service } from '@kube-vip-gw/gateway-model';
import { ENDPOINT_SLICE_MANAGED_BY_LABEL, ENDPOINT_SLICE_MANAGED_BY_VALUE, MANAGED_BY_LABEL, MANAGED_BY_VALUE, readUpdateRecord } from '@kube-vip-gw/service-mapper';
import { R, type KubeRest } from '../../e2e/support/kube-rest.js';
import { condition, observedCurrentGeneration } from '../../e2e/support/objects.js';
import { announcedAddresses, gatewayStatusAddresses, owningGatewayUid } from './addresses.js';
import type { BackendModel } from './churn.js';

/** What the settled cluster is judged against. */
export interface SettledExpectations {
  readonly namespaces: readonly string[];
  readonly controllerName: string;
  /** Addresses the pool can hand out (a Gateway may go without one only when all are taken). */
  readonly poolAddresses: readonly string[];
  /** Backend Services as their users left them. */
  readonly backends: Iterable<BackendModel>;
}

/** A summary of the settled state, for the report. */
export interface SettledSummary {
  gateways: number;
  addressed: number;
  routes: number;
  services: number;
  adopted: number;
  restored: number;
}

const gwKey = (ns: string | undefined, name: string) => `${ns}/${name}`;

/** Everything that is not (yet) as it must be once the controller has settled; empty when settled. */
export async function settledProblems(admin: KubeRest, x: SettledExpectations): Promise<{ problems: string[]; summary: SettledSummary }> {
  const problems: string[] = [];
  const gateways: Gateway[] = [];
  const routes: L4Route[] = [];
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (const ns of x.namespaces) {
    gateways.push(...(await admin.list<Gateway>(R.Gateway, ns)));
    for (const kind of ['TCPRoute', 'UDPRoute'] as const) routes.push(...(await admin.list<L4Route>(R[kind], ns)).map((r) => ({ ...r, kind })));
    services.push(...(await admin.list<Service>(R.Service, ns)));
    slices.push(...(await admin.list<EndpointSlice>(R.EndpointSlice, ns)));
  }
  const live = new Map(gateways.map((g) => [g.metadata.uid ?? '', g]));
  const byName = new Map(gateways.map((g) => [gwKey(g.metadata.namespace, g.metadata.name), g]));
  const summary: SettledSummary = { gateways: gateways.length, addressed: 0, routes: routes.length, services: 0, adopted: 0, restored: 0 };

  // Gateways: status of the current generation; no address only when the pool is full.
  let unaddressed = 0;
  for (const gw of gateways) {
    const name = `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`;
    if (gw.metadata.deletionTimestamp) {
      problems.push(`${name} is still terminating (finalizers ${JSON.stringify(gw.metadata.finalizers)})`);
      continue;
    }
    if (!observedCurrentGeneration(gw)) problems.push(`${name}: status does not all carry observedGeneration ${gw.metadata.generation}`);
    const programmed = condition(gw.status?.conditions, 'Programmed');
    const addresses = gatewayStatusAddresses(gw);
    if (addresses.length > 0) {
      summary.addressed++;
      for (const a of addresses) if (!x.poolAddresses.includes(a)) problems.push(`${name}: address ${a} is outside the pool`);
    } else {
      unaddressed++;
      if (programmed?.status !== 'False' || programmed.reason !== 'AddressNotAssigned') problems.push(`${name}: no address, but Programmed is ${programmed?.status}/${programmed?.reason}`);
    }
  }
  if (unaddressed > 0 && summary.addressed < x.poolAddresses.length) {
    problems.push(`${unaddressed} Gateway(s) wait for an address while ${x.poolAddresses.length - summary.addressed} of the pool are free`);
  }

  // Routes: our parent entries are current, and only for Gateways that exist and that the route names.
  for (const r of routes) {
    const name = `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`;
    const refs = r.spec.parentRefs ?? [];
    const ours = (r.status?.parents ?? []).filter((p) => p.controllerName === x.controllerName);
    for (const ref of refs) {
      if (!byName.has(gwKey(ref.namespace ?? r.metadata.namespace, ref.name))) continue;
      const entry = ours.find((p) => p.parentRef.name === ref.name && p.parentRef.sectionName === ref.sectionName);
      if (!entry) problems.push(`${name}: no status.parents entry for Gateway ${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ''}`);
      else if (!entry.conditions.every((c) => c.observedGeneration === r.metadata.generation)) {
        problems.push(`${name}: parent ${ref.name} conditions not at generation ${r.metadata.generation}`);
      }
    }
    for (const p of ours) {
      const named = refs.some((ref) => ref.name === p.parentRef.name && ref.sectionName === p.parentRef.sectionName);
      if (!named || !byName.has(gwKey(p.parentRef.namespace ?? r.metadata.namespace, p.parentRef.name))) {
        problems.push(`${name}: stale status.parents entry for ${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''}`);
      }
    }
  }

  // Services and EndpointSlices we made: owned by a live Gateway, carrying its address.
  const gatewayServices = new Map<string, Service[]>();
  for (const svc of services) {
    const uid = owningGatewayUid(svc);
    if (uid !== undefined) gatewayServices.set(uid, [...(gatewayServices.get(uid) ?? []), svc]);
    const ours = svc.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && (svc.metadata.ownerReferences ?? []).some((o) => o.kind === 'Gateway');
    if (!ours) continue;
    summary.services++;
    const name = `Service ${svc.metadata.namespace}/${svc.metadata.name}`;
    const owner = uid !== undefined ? live.get(uid) : undefined;
    if (!owner) {
      problems.push(`${name} belongs to no existing Gateway (owner uid ${uid})`);
      continue;
    }
    const want = gatewayStatusAddresses(owner).join(',');
    if (announcedAddresses(svc).sort().join(',') !== want) problems.push(`${name} announces ${announcedAddresses(svc).join(',')} but its Gateway has ${want}`);
  }
  for (const slice of slices) {
    if (slice.metadata.labels?.[ENDPOINT_SLICE_MANAGED_BY_LABEL] !== ENDPOINT_SLICE_MANAGED_BY_VALUE) continue;
    const uid = (slice.metadata.ownerReferences ?? []).find((o) => o.kind === 'Gateway')?.uid;
    if (!uid || !live.has(uid)) problems.push(`EndpointSlice ${slice.metadata.namespace}/${slice.metadata.name} belongs to no existing Gateway`);
  }

  // Listeners that serve a route have a Service with their port and the Gateway's address.
  for (const gw of gateways) {
    if (gw.metadata.deletionTimestamp || gatewayStatusAddresses(gw).length === 0) continue;
    for (const l of gw.status?.listeners ?? []) {
      const programmed = condition(l.conditions, 'Programmed');
      if (l.attachedRoutes === 0 || programmed?.status !== 'True') continue;
      const spec = gw.spec.listeners.find((s) => s.name === l.name);
      const found = (gatewayServices.get(gw.metadata.uid ?? '') ?? []).some((s) =>
        (s.spec?.ports ?? []).some((p) => p.port === spec?.port && (p.protocol ?? 'TCP') === spec?.protocol),
      );
      if (!found) problems.push(`Gateway ${gw.metadata.namespace}/${gw.metadata.name} listener ${l.name} serves ${l.attachedRoutes} route(s) but no Service has port ${spec?.protocol}/${spec?.port}`);
    }
  }

  // User Services: adopted only by a live Gateway through an attached update route; otherwise exactly as left.
  const svcByName = new Map(services.map((s) => [gwKey(s.metadata.namespace, s.metadata.name), s]));
  for (const b of x.backends) {
    const svc = svcByName.get(gwKey(b.namespace, b.name));
    const name = `backend Service ${b.namespace}/${b.name}`;
    if (!svc) {
      problems.push(`${name} is gone (a user's Service must never be deleted)`);
      continue;
    }
    const record = readUpdateRecord(svc);
    if (record instanceof Error) {
      problems.push(`${name}: ${record.message}`);
      continue;
    }
    if (record) {
      summary.adopted++;
      const owner = live.get(record.gateway.uid);
      const adopting = routes.some(
        (r) =>
          r.metadata.annotations?.['kube-vip.io/service-behaviour'] === 'update' &&
          r.spec.rules[0]?.backendRefs?.some((ref) => ref.name === b.name) &&
          (r.status?.parents ?? []).some((p) => p.controllerName === x.controllerName && p.parentRef.name === record.gateway.name && condition(p.conditions, 'Accepted')?.status === 'True'),
      );
      if (!owner || !adopting) problems.push(`${name} is still adopted by Gateway ${record.gateway.namespace}/${record.gateway.name}, which ${owner ? 'no attached update route uses it for' : 'is gone'}`);
      continue;
    }
    summary.restored++;
    const seen = {
      labels: { ...svc.metadata.labels },
      annotations: { ...svc.metadata.annotations },
      selector: { ...svc.spec?.selector },
      type: svc.spec?.type,
      ports: (svc.spec?.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort, nodePort: p.nodePort })),
      lb: [svc.spec?.loadBalancerIP, svc.spec?.loadBalancerClass, svc.spec?.externalTrafficPolicy, svc.spec?.allocateLoadBalancerNodePorts, svc.spec?.['healthCheckNodePort']],
    };
    const want = {
      labels: { ...b.labels },
      annotations: { ...b.annotations },
      selector: { ...b.selector },
      type: 'ClusterIP',
      ports: [{ name: 'main', protocol: b.protocol, port: 7000, targetPort: 7100, nodePort: undefined }],
      lb: [undefined, undefined, undefined, undefined, undefined],
    };
    if (b.uncertain) {
      // A lost answer: the last edit may or may not have landed; everything else must still match.
      for (const m of [seen.labels, want.labels]) delete m['user-edit'];
      for (const m of [seen.annotations, want.annotations]) delete m['example.com/edited'];
      seen.selector = { ...seen.selector, tier: '' };
      want.selector = { ...want.selector, tier: '' };
    }
    if (!isDeepStrictEqual(seen, want)) problems.push(`${name} is not as its user left it: ${JSON.stringify(seen)} != ${JSON.stringify(want)}`);
  }
  return { problems, summary };
}

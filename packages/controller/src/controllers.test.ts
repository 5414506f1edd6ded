import { describe, expect, it, vi } from 'vitest';
import type { Condition, Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { serviceAddresses } from './address-book.js';
import {
  ConfigMap,
  Gateway as GatewayResource,
  GatewayClass,
  Lease,
  Manager,
  Service as ServiceResource,
  TCPRoute,
  and,
} from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import { addressReleased, gatewayClassUseChanged, setupGatewayControllers, slimConfigMap, waitsForAddress } from './controllers.js';

const programmed = (status: Condition['status'], reason: string): Condition => ({
  type: 'Programmed',
  status,
  reason,
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const gw = (addresses: string[], conditions: Condition[] = []): Gateway => ({
  metadata: { namespace: 'ns', name: 'gw' },
  spec: { gatewayClassName: 'c', listeners: [] },
  status: { addresses: addresses.map((value) => ({ type: 'IPAddress', value })), conditions },
});
const svc = (annotation?: string, ingress: string[] = []): Service => ({
  metadata: { namespace: 'ns', name: 's', ...(annotation ? { annotations: { 'kube-vip.io/loadbalancerIPs': annotation } } : {}) },
  status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
});

describe('waitsForAddress', () => {
  it.each([
    [[programmed('False', 'AddressNotAssigned')], true],
    [[programmed('False', 'AddressNotUsable')], true],
    [[programmed('False', 'Pending')], false],
    [[programmed('True', 'Programmed')], false],
    [[], false],
  ])('Programmed %j -> %s', (conditions, expected) => {
    expect(waitsForAddress(gw([], conditions))).toBe(expected);
  });
});

describe('addressReleased', () => {
  const gateways = addressReleased((g: Gateway) => (g.status?.addresses ?? []).map((a) => a.value));
  const services = addressReleased(serviceAddresses);
  it('passes a deleted object only when it held an address', () => {
    expect(gateways.delete?.(gw(['10.0.0.1']))).toBe(true);
    expect(gateways.delete?.(gw([]))).toBe(false);
    expect(services.delete?.(svc('10.0.0.1'))).toBe(true);
    expect(services.delete?.(svc(undefined, ['10.0.0.2']))).toBe(true);
    expect(services.delete?.(svc())).toBe(false);
  });
  it.each([
    [['10.0.0.1'], [], true],
    [['10.0.0.1', '10.0.0.2'], ['10.0.0.2'], true],
    [['10.0.0.1'], ['10.0.0.2'], true],
    [['10.0.0.1'], ['10.0.0.1'], false],
    [[], ['10.0.0.1'], false],
    [[], [], false],
  ])('passes an update from %j to %j only when an address was dropped: %s', (before, after, expected) => {
    expect(gateways.update?.(gw(before), gw(after))).toBe(expected);
  });
  it('never passes a creation (it frees nothing)', () => {
    expect(gateways.create?.(gw(['10.0.0.1']))).toBe(false);
  });
});

describe('gatewayClassUseChanged', () => {
  // Through and(): a predicate method that is absent lets the event through, as in the controller.
  const p = and(gatewayClassUseChanged);
  const withClass = (className: string, status: Gateway['status'] = {}): Gateway => ({ ...gw([]), spec: { gatewayClassName: className, listeners: [] }, status });
  it('passes creations and deletions (a class may gain or lose its last Gateway)', () => {
    expect(p.create?.(withClass('c'))).toBe(true);
    expect(p.delete?.(withClass('c'))).toBe(true);
  });
  it.each([
    ['a status write', withClass('c'), withClass('c', { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] }), false],
    ['a listener change', withClass('c'), { ...withClass('c'), spec: { gatewayClassName: 'c', listeners: [{ name: 'l', port: 1, protocol: 'TCP' }] } }, false],
    ['a move to another class', withClass('c'), withClass('d'), true],
  ] as const)('on %s: %s', (_, before, after, expected) => {
    expect(p.update?.(before, after)).toBe(expected);
  });
});

describe('slimConfigMap', () => {
  it('keeps name, labels, resourceVersion and data; drops managedFields, kubectl last-applied copy and other fields', () => {
    const applied = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        namespace: 'kube-system',
        name: 'kubevip',
        resourceVersion: '7',
        labels: { a: 'b' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"cidr-global":"10.0.0.0/24"}}', note: 'x' },
        managedFields: [{ manager: 'kubectl' }],
      },
      data: { 'cidr-global': '10.0.0.0/24' },
      binaryData: { blob: 'AAAA' },
    };
    expect(slimConfigMap(applied)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'kube-system', name: 'kubevip', resourceVersion: '7', labels: { a: 'b' }, annotations: { note: 'x' } },
      data: { 'cidr-global': '10.0.0.0/24' },
    });
  });
});

describe('setupGatewayControllers: own writes', () => {
  it('hands the Gateway reconciler one OwnWrites that the informers empty as they see its writes, deletions included', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(GatewayClass, { metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } });
    await cluster.create(ConfigMap, { metadata: { namespace: 'kube-system', name: 'kubevip' }, data: { 'range-global': '10.0.0.10-10.0.0.12' } });
    await cluster.create(ServiceResource, { metadata: { namespace: 'app', name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 7, targetPort: 7007 }] } });
    await cluster.create(GatewayResource, { metadata: { namespace: 'app', name: 'gw' }, spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }] } });
    await cluster.create(TCPRoute, { metadata: { namespace: 'app', name: 'echo' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] } });

    const manager = new Manager({ client: cluster });
    const wired = await setupGatewayControllers(manager, {
      controllerName: 'kube-vip.io/controller',
      ipamConfigMap: { namespace: 'kube-system', name: 'kubevip' },
      serviceBehaviour: 'update',
      concurrency: 1,
      events: { event: () => undefined },
    });
    // Counts the writes the reconciler records, to know that there were some.
    let recorded = 0;
    const record = wired.ownWrites.record.bind(wired.ownWrites);
    wired.ownWrites.record = (...args) => (recorded++, record(...args));
    const abort = new AbortController();
    const running = manager.start(abort.signal);
    try {
      const routeParents = async () => ((await cluster.get<KubeObject>(TCPRoute, { namespace: 'app', name: 'echo' })).status as { parents?: unknown[] } | undefined)?.parents ?? [];
      await vi.waitFor(async () => expect(await routeParents()).toHaveLength(1), { timeout: 5_000 });
      expect(recorded).toBeGreaterThanOrEqual(3); // finalizer, status, route status
      await vi.waitFor(() => expect(wired.ownWrites.size).toBe(0), { timeout: 5_000 });

      // A route no Gateway reconcile looks at (no parents): only the informer's handler can see it move on.
      const lonely = await cluster.create<KubeObject>(TCPRoute, { metadata: { namespace: 'app', name: 'lonely' }, spec: { rules: [] } });
      const moved = await cluster.update<KubeObject>(TCPRoute, { ...lonely, metadata: { ...lonely.metadata, labels: { a: 'b' } } });
      wired.ownWrites.record(TCPRoute, lonely, moved);
      await cluster.update(TCPRoute, { ...moved, metadata: { ...moved.metadata, labels: { a: 'c' } } });
      await vi.waitFor(() => expect(wired.ownWrites.size).toBe(0), { timeout: 5_000 });

      // Deleting the Gateway: the reconciler releases it and removes its finalizer; that last write's only echo is the
      // deletion, which must drop the entry as well.
      const before = recorded;
      await cluster.delete(GatewayResource, { namespace: 'app', name: 'gw' });
      await vi.waitFor(async () => expect(await routeParents()).toHaveLength(0), { timeout: 5_000 });
      await vi.waitFor(async () => expect((await cluster.list(GatewayResource)).items).toHaveLength(0), { timeout: 5_000 });
      expect(recorded).toBeGreaterThan(before);
      await vi.waitFor(() => expect(wired.ownWrites.size).toBe(0), { timeout: 5_000 });
    } finally {
      abort.abort();
      await running;
    }
  });
});

describe('setupGatewayControllers: kube-vip leases', () => {
  it('Announced turns False (LeaseExpired) when kube-vip stops renewing its lease, with no event but the expiry, and True again when it renews', async () => {
    const cluster = new MemoryCluster();
    await cluster.create(GatewayClass, { metadata: { name: 'kube-vip' }, spec: { controllerName: 'kube-vip.io/controller' } });
    await cluster.create(ConfigMap, { metadata: { namespace: 'kube-system', name: 'kubevip' }, data: { 'range-global': '10.0.0.10-10.0.0.12' } });
    await cluster.create(ServiceResource, { metadata: { namespace: 'app', name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 7, targetPort: 7007 }] } });
    await cluster.create(GatewayResource, { metadata: { namespace: 'app', name: 'gw' }, spec: { gatewayClassName: 'kube-vip', listeners: [{ name: 'echo', protocol: 'TCP', port: 7 }] } });
    await cluster.create(TCPRoute, { metadata: { namespace: 'app', name: 'echo' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 7 }] }] } });
    // A node heartbeat: never cached (the informer leaves kube-node-lease out).
    await cluster.create(Lease, { metadata: { namespace: 'kube-node-lease', name: 'node1' }, spec: { holderIdentity: 'node1', leaseDurationSeconds: 40, renewTime: new Date().toISOString() } } as KubeObject);
    const manager = new Manager({ client: cluster });
    const wired = await setupGatewayControllers(manager, {
      controllerName: 'kube-vip.io/controller',
      ipamConfigMap: { namespace: 'kube-system', name: 'kubevip' },
      serviceBehaviour: 'duplicate',
      concurrency: 1,
      events: { event: () => undefined },
    });
    const abort = new AbortController();
    const running = manager.start(abort.signal);
    const announced = async () => ((await cluster.get<Gateway>(GatewayResource, { namespace: 'app', name: 'gw' })).status?.conditions ?? []).find((c) => c.type === 'kube-vip.io/Announced');
    try {
      const svc = await vi.waitFor(
        async () => {
          const [s] = (await cluster.list<Service>(ServiceResource, { labelSelector: 'app.kubernetes.io/managed-by=kube-vip-gateway-api' })).items;
          expect(s).toBeDefined();
          return s!;
        },
        { timeout: 5_000 },
      );
      const address = serviceAddresses(svc)[0]!;
      // kube-vip: vipHost, ingress, and a lease of 1 s renewed now.
      await cluster.patch(ServiceResource, svc.metadata, { type: 'merge', patch: { metadata: { annotations: { 'kube-vip.io/vipHost': 'node1' } } } });
      const annotated = await cluster.get<Service>(ServiceResource, svc.metadata);
      await cluster.updateStatus(ServiceResource, { ...annotated, status: { loadBalancer: { ingress: [{ ip: address }] } } });
      const leaseRef = { namespace: 'app', name: `kubevip-${svc.metadata.name}` };
      await cluster.create(Lease, { metadata: leaseRef, spec: { holderIdentity: 'node1', leaseDurationSeconds: 1, renewTime: new Date().toISOString() } } as KubeObject);
      await vi.waitFor(async () => expect(await announced()).toMatchObject({ status: 'True', reason: 'Announced' }), { timeout: 3_000 });
      expect(wired.view.lease('kube-node-lease', 'node1')).toBeUndefined();
      // kube-vip stops: nothing changes in the cluster, the lease just runs out.
      await vi.waitFor(async () => expect(await announced()).toMatchObject({ status: 'False', reason: 'LeaseExpired' }), { timeout: 4_000 });
      // It comes back and renews.
      const lease = await cluster.get<KubeObject>(Lease, leaseRef);
      await cluster.update(Lease, { ...lease, spec: { holderIdentity: 'node1', leaseDurationSeconds: 30, renewTime: new Date().toISOString() } } as KubeObject);
      await vi.waitFor(async () => expect(await announced()).toMatchObject({ status: 'True', reason: 'Announced' }), { timeout: 3_000 });
    } finally {
      abort.abort();
      await running;
      wired.leaseTracker.stop();
    }
  });
});

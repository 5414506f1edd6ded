// Properties over arbitrary served listeners, every strategy: what we produce is a valid Kubernetes object, and the
// plan converges (once applied, planning again makes zero writes).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { EndpointSlice, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { servedListener } from './internal/arbitraries.testkit.js';
import { applyPlan } from './internal/fixtures.testkit.js';
import { desiredForGateway, mapListener } from './mapper.js';
import { hasPendingGiveBack, isEmptyPlan, planChanges, type ActualObjects } from './plan.js';

// Independent of src/internal/validation.ts on purpose: these are the apimachinery rules, written again.
const DNS1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

function expectValidKey(key: string): void {
  const [prefix, name] = key.includes('/') ? key.split('/') : [undefined, key];
  if (prefix !== undefined) expect(prefix.split('.').every((p) => DNS1123.test(p)) && prefix.length <= 253, `key prefix ${key}`).toBe(true);
  expect(KEY_NAME.test(name!), `key ${key}`).toBe(true);
}

function expectValidMeta(o: KubeObject, gatewayUid: string): void {
  expect(DNS1123.test(o.metadata.namespace ?? ''), `namespace of ${o.metadata.name}`).toBe(true);
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    expectValidKey(k);
    expect(LABEL_VALUE.test(v), `label ${k}=${v}`).toBe(true);
  }
  for (const k of Object.keys(o.metadata.annotations ?? {})) expectValidKey(k);
  const owners = o.metadata.ownerReferences ?? [];
  expect(owners.filter((r) => r.controller)).toEqual([expect.objectContaining({ kind: 'Gateway', uid: gatewayUid, controller: true })]);
  expect(o.metadata.labels?.['implementation']).toBe('kube-vip');
  expect(o.metadata.labels?.['gateway.networking.k8s.io/gateway-name']).toBeDefined();
}

function expectValidService(s: Service, gatewayUid: string, addresses: readonly string[], nodePorts: boolean): void {
  expect(DNS1035.test(s.metadata.name), `Service name ${s.metadata.name}`).toBe(true);
  expectValidMeta(s, gatewayUid);
  const spec = s.spec!;
  expect(spec.type).toBe('LoadBalancer');
  expect(spec.allocateLoadBalancerNodePorts).toBe(nodePorts);
  expect(spec.clusterIP).toBeUndefined();
  expect(spec.ports!.length).toBeGreaterThan(0);
  for (const p of spec.ports!) {
    expect(p.port).toBeGreaterThanOrEqual(1);
    expect(p.port).toBeLessThanOrEqual(65535);
    expect(['TCP', 'UDP']).toContain(p.protocol);
    expect(p.nodePort).toBeUndefined();
    if (typeof p.targetPort === 'number') expect(p.targetPort >= 1 && p.targetPort <= 65535).toBe(true);
    if (typeof p.targetPort === 'string') expect(PORT_NAME.test(p.targetPort)).toBe(true);
    if (p.name !== undefined) expect(PORT_NAME.test(p.name)).toBe(true);
  }
  for (const [k, v] of Object.entries(spec.selector ?? {})) {
    expectValidKey(k);
    expect(LABEL_VALUE.test(v)).toBe(true);
  }
  expect(s.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(addresses.join(','));
  expect(spec.ipFamilies).toEqual(addresses.map((a) => (a.includes(':') ? 'IPv6' : 'IPv4')));
  if (spec.externalTrafficPolicy === 'Cluster') expect(s.metadata.annotations?.['kube-vip.io/leaseName']).toMatch(DNS1123);
  else expect(s.metadata.annotations?.['kube-vip.io/leaseName']).toBeUndefined();
}

function expectValidSlice(s: EndpointSlice, gatewayUid: string, serviceNames: string[]): void {
  expect(DNS1123.test(s.metadata.name), `EndpointSlice name ${s.metadata.name}`).toBe(true);
  expectValidMeta(s, gatewayUid);
  expect(serviceNames).toContain(s.metadata.labels?.['kubernetes.io/service-name']);
  expect(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).not.toBe('endpointslice-controller.k8s.io');
  expect(s.endpoints.length).toBeGreaterThan(0);
  expect(s.endpoints.length).toBeLessThanOrEqual(1000);
  for (const e of s.endpoints) expect(e.addresses).toHaveLength(1);
  for (const p of s.ports ?? []) expect(p.port! >= 1 && p.port! <= 65535).toBe(true);
}

describe('desired objects', () => {
  test.prop([servedListener], { numRuns: 400 })('are valid Kubernetes objects, or come with an Error and nothing else', (input) => {
    const d = mapListener(input);
    const failed = d.problems.some((p) => p.severity === 'Error');
    if (failed) {
      expect([...d.services, ...d.endpointSlices, ...d.adoptions]).toEqual([]);
      return;
    }
    for (const s of d.services) expectValidService(s, 'uid-gw', input.addresses, input.parameters.allocateLoadBalancerNodePorts ?? false);
    for (const s of d.endpointSlices) expectValidSlice(s, 'uid-gw', d.services.map((x) => x.metadata.name));
    for (const a of d.adoptions) {
      for (const p of a.ports) expect(p.port >= 1 && p.port <= 65535).toBe(true);
      for (const v of Object.values(a.labels)) expect(LABEL_VALUE.test(v)).toBe(true);
    }
    expect(d.services.length + d.adoptions.length).toBeGreaterThan(0);
  });

  test.prop([servedListener])('are deterministic', (input) => {
    expect(mapListener(structuredClone(input))).toEqual(mapListener(structuredClone(input)));
  });
});

describe('plans', () => {
  test.prop([fc.array(servedListener, { minLength: 1, maxLength: 3 })], { numRuns: 150 })(
    'converge: after applying a plan, planning again makes zero writes',
    (generated) => {
      // One Gateway with distinct listener names; the backends' Services exist in the cluster (update adopts them).
      const gw = generated[0]!.gateway;
      const listeners = generated.map((l, i) => ({ ...l, gateway: gw, listener: { ...l.listener, name: `l${i}` } }));
      const users = new Map<string, Service>();
      for (const l of listeners) for (const b of l.backends) if (b.service) users.set(`${b.namespace}/${b.name}`, b.service);
      // Two listeners may see different generated Services with one name; keep the first, like a real cluster.
      for (const l of listeners)
        for (const b of l.backends) if (b.service && users.get(`${b.namespace}/${b.name}`) !== b.service) b.service = users.get(`${b.namespace}/${b.name}`)!;
      const desired = desiredForGateway(gw, listeners);
      let state: ActualObjects = { services: [...users.values()], endpointSlices: [] };
      const first = planChanges(desired, state);
      state = applyPlan(state, first);
      const second = planChanges(desired, state);
      expect(second.create).toEqual([]);
      expect(second.patch).toEqual([]);
      expect(second.replace).toEqual([]);
      expect(second.delete).toEqual([]);
      expect(isEmptyPlan(second)).toBe(true);
      // Releasing the Gateway deletes everything it created and restores what it adopted: the adopted Services in a
      // second plan, after the first withdrew their addresses; a third plans nothing.
      const release = planChanges(desiredForGateway(gw, []), state);
      const withdrawn = applyPlan(state, release);
      const restore = planChanges(desiredForGateway(gw, []), withdrawn);
      expect(hasPendingGiveBack(restore)).toBe(false);
      expect(restore.patch.map((p) => p.name).sort()).toEqual(release.patch.filter((p) => p.reason === 'withdraw').map((p) => p.name).sort());
      const released = applyPlan(withdrawn, restore);
      expect(isEmptyPlan(planChanges(desiredForGateway(gw, []), released))).toBe(true);
      expect(released.endpointSlices).toEqual([]);
      expect(released.services.map((s) => s.metadata.name).sort()).toEqual([...users.values()].map((s) => s.metadata.name).sort());
      for (const s of released.services) expect(s.metadata.annotations?.['gateway.kube-vip.io/update-record']).toBeUndefined();
    },
  );
});

describe('switching strategies', () => {
  test.prop([fc.array(servedListener, { minLength: 1, maxLength: 3 }), fc.constantFrom('duplicate', 'create', 'update', 'endpoints')], { numRuns: 100 })(
    'to and from the Gateway Service: every port served before stays on a Service at every step, and the plans converge',
    (generated, perRoute) => {
      const gw = generated[0]!.gateway;
      const base = generated.map((l, i) => ({ ...l, gateway: gw, addresses: generated[0]!.addresses, listener: { ...l.listener, name: `l${i}`, port: 1000 + i } }));
      const users = new Map<string, Service>();
      for (const l of base) for (const b of l.backends) if (b.service) users.set(`${b.namespace}/${b.name}`, b.service);
      for (const l of base) for (const b of l.backends) if (b.service) b.service = users.get(`${b.namespace}/${b.name}`)!;
      const withStrategy = (flag: string | undefined) => base.map((l) => ({ ...l, parameters: { ...l.parameters, strategy: flag === undefined ? {} : { flag } } }));
      let state: ActualObjects = { services: [...users.values()], endpointSlices: [] };
      const carried = (s: ActualObjects) =>
        new Set(s.services.filter((x) => x.spec?.type === 'LoadBalancer').flatMap((x) => (x.spec?.ports ?? []).map((p) => `${p.protocol}/${p.port}`)));
      for (const [from, to] of [[perRoute, undefined], [undefined, perRoute]] as const) {
        const start = desiredForGateway(gw, withStrategy(from));
        state = applyPlan(state, planChanges(start, state));
        const servedBefore = new Set([...carried(state)].filter((p) => base.some((l) => `${l.listener.protocol}/${l.listener.port}` === p)));
        const target = desiredForGateway(gw, withStrategy(to));
        const servedAfter = new Set(target.services.flatMap((x) => (x.spec?.ports ?? []).map((p) => `${p.protocol}/${p.port}`)));
        let steps = 0;
        for (; steps < 3 && !isEmptyPlan(planChanges(target, state)); steps++) {
          const plan = planChanges(target, state);
          // The worst order: every delete and patch (port removals, give-backs) lands before any create. A port served
          // before and still wanted after is never without a Service.
          const removalsFirst = applyPlan(state, { ...plan, create: [], replace: [] });
          for (const p of servedBefore) if (servedAfter.has(p)) expect(carried(removalsFirst).has(p), `port ${p} in step ${steps + 1}`).toBe(true);
          state = applyPlan(state, plan);
        }
        expect(isEmptyPlan(planChanges(target, state)), 'converged within 3 plans').toBe(true);
      }
    },
  );
});

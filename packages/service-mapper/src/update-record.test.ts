import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Service } from '@kube-vip-gw/gateway-model';
import { userService } from './internal/arbitraries.testkit.js';
import { stableStringify } from './internal/json.js';
import { applyPlan, backend, gateway, GW_NS, served, service } from './internal/fixtures.testkit.js';
import { desiredForGateway } from './mapper.js';
import { applyMergePatch } from '@kube-vip-gw/kube-core';
import { isEmptyPlan, planChanges, type ActualObjects } from './plan.js';
import type { GatewayIdentity, ServiceAdoption } from './types.js';
import { adoptService, giveBackService, readUpdateRecord, restoreService, writeUpdateRecord, type UpdateRecord } from './update-record.js';

const gw: GatewayIdentity = { namespace: GW_NS, name: 'gw', uid: 'uid-gw' };
const adoption = (over: Partial<ServiceAdoption> = {}): ServiceAdoption => ({
  namespace: GW_NS,
  name: 'web',
  labels: { implementation: 'kube-vip', 'gateway.networking.k8s.io/gateway-name': 'gw' },
  annotations: { 'kube-vip.io/loadbalancerIPs': '192.0.2.10', 'kube-vip.io/leaseName': 'kubevip-gw-gw' },
  externalTrafficPolicy: 'Cluster',
  allocateLoadBalancerNodePorts: false,
  ports: [{ protocol: 'TCP', port: 9000, targetPort: 8080 }],
  ...over,
});

function adopted(svc: Service, a = adoption()): Service {
  const out = adoptService(svc, a, gw);
  if ('problem' in out) throw new Error(out.problem.message);
  return out.service;
}

function restored(svc: Service): Service {
  const out = restoreService(svc);
  if ('problem' in out) throw new Error(out.problem.message);
  return out.service;
}

describe('adoptService', () => {
  const original = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });

  it('records every original value it changes', () => {
    const svc = adopted(original);
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false });
    expect(svc.spec?.ports).toEqual([
      { protocol: 'TCP', port: 80, targetPort: 8080, name: 'tcp-80' },
      { protocol: 'TCP', port: 9000, targetPort: 8080, name: 'tcp-9000' },
    ]);
    expect(readUpdateRecord(svc)).toEqual({
      version: 1,
      gateway: gw,
      hadLabels: false,
      hadAnnotations: false,
      hadPorts: true,
      labels: { implementation: null, 'gateway.networking.k8s.io/gateway-name': null },
      annotations: { 'kube-vip.io/loadbalancerIPs': null, 'kube-vip.io/leaseName': null },
      spec: { type: 'ClusterIP', externalTrafficPolicy: null, loadBalancerClass: null, allocateLoadBalancerNodePorts: null, healthCheckNodePort: null },
      addedPorts: [{ port: 9000, protocol: 'TCP' }],
      renamedPorts: [{ port: 80, protocol: 'TCP', name: null }],
      kubeVipAnnotations: { 'kube-vip.io/vipHost': null, 'kube-vip.io/hwaddr': null, 'kube-vip.io/requestedIP': null },
    } satisfies UpdateRecord);
  });

  it('is idempotent: adopting its own result changes nothing', () => {
    const once = adopted(original);
    expect(adopted(once)).toEqual(once);
  });

  it('keeps the original value of a key it overwrote, across re-adoptions', () => {
    const labelled = structuredClone(original);
    labelled.metadata.labels = { implementation: 'other' };
    const twice = adopted(adopted(labelled));
    expect((readUpdateRecord(twice) as UpdateRecord).labels['implementation']).toBe('other');
    expect(restored(twice).metadata.labels).toEqual({ implementation: 'other' });
  });

  it('gives back a key it no longer sets, and removes a port it no longer needs', () => {
    const first = adopted(original, adoption({ labels: { team: 'a' }, ports: [{ protocol: 'TCP', port: 9000, targetPort: 8080 }] }));
    const second = adopted(first, adoption({ labels: {}, ports: [{ protocol: 'TCP', port: 9001, targetPort: 8080 }] }));
    expect(second.metadata.labels).toEqual({});
    expect(second.spec?.ports?.map((p) => p.port)).toEqual([80, 9001]);
    expect(readUpdateRecord(second)).toMatchObject({ labels: {}, addedPorts: [{ port: 9001, protocol: 'TCP' }] });
  });

  it('never removes a port the user has, and picks a free name for the one it adds', () => {
    const named = service(GW_NS, 'web', { ports: [{ name: 'a', protocol: 'TCP', port: 80, targetPort: 8080 }, { name: 'tcp-9000', protocol: 'UDP', port: 1, targetPort: 1 }] });
    const svc = adopted(named);
    expect(svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([
      ['a', 80, 'TCP'],
      ['tcp-9000', 1, 'UDP'],
      ['gw-tcp-9000', 9000, 'TCP'],
    ]);
  });

  it.each<[string, Service, ServiceAdoption, string, RegExp]>([
    [
      'a port the user already uses differently',
      service(GW_NS, 'web', { ports: [{ name: 'x', protocol: 'TCP', port: 9000, targetPort: 1234 }] }),
      adoption(),
      'PortConflict',
      /already has port 9000\/TCP forwarding to 1234, not 8080/,
    ],
    [
      'changing the class of a LoadBalancer',
      { ...original, spec: { ...original.spec, type: 'LoadBalancer', loadBalancerClass: 'a' } },
      adoption({ loadBalancerClass: 'b' }),
      'StrategyCannotExpress',
      /loadBalancerClass "a".*to "b"/,
    ],
    ['a Service without spec', { ...original, spec: undefined } as Service, adoption(), 'InvalidInput', /has no spec/],
  ])('refuses %s', (_, svc, a, reason, text) => {
    const out = adoptService(svc, a, gw);
    expect(out).toEqual({ problem: expect.objectContaining({ reason, message: expect.stringMatching(text) }) });
  });

  it.each<[string, Service, boolean | undefined, boolean | undefined]>([
    ['a ClusterIP Service takes the asked value', original, false, false],
    ['a ClusterIP Service takes the asked value (node ports wanted)', original, true, true],
    ['a NodePort Service keeps it unset (its node ports stay)', service(GW_NS, 'web', { type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] }), false, undefined],
    ['a LoadBalancer Service keeps true', { ...original, spec: { ...original.spec, type: 'LoadBalancer', allocateLoadBalancerNodePorts: true } }, false, true],
    ['a LoadBalancer Service keeps false', { ...original, spec: { ...original.spec, type: 'LoadBalancer', allocateLoadBalancerNodePorts: false } }, true, false],
    ['absent in the adoption: left as it is', original, undefined, undefined],
  ])('allocateLoadBalancerNodePorts: %s', (_, svc, asked, expected) => {
    const a = adoption();
    if (asked === undefined) delete a.allocateLoadBalancerNodePorts;
    else a.allocateLoadBalancerNodePorts = asked;
    const out = adopted(svc, a);
    expect(out.spec?.allocateLoadBalancerNodePorts).toBe(expected);
    expect(restored(out).spec?.allocateLoadBalancerNodePorts).toBe(svc.spec?.allocateLoadBalancerNodePorts);
  });

  it('decides on the type recorded before adoption, not the live LoadBalancer, so re-adoption can still turn node ports off', () => {
    const before = adopted(original, adoption({ allocateLoadBalancerNodePorts: true }));
    expect(before.spec?.allocateLoadBalancerNodePorts).toBe(true);
    const again = adopted(before, adoption({ allocateLoadBalancerNodePorts: false }));
    expect(again.spec?.allocateLoadBalancerNodePorts).toBe(false);
    expect((readUpdateRecord(again) as UpdateRecord).spec.allocateLoadBalancerNodePorts).toBeNull();
    expect(restored(again)).toEqual(original);
  });

  it('does not set annotations kube-vip writes even when asked', () => {
    const svc = adopted(original, adoption({ annotations: { 'kube-vip.io/vipHost': 'me', 'gateway.kube-vip.io/update-record': 'x' } }));
    expect(svc.metadata.annotations?.['kube-vip.io/vipHost']).toBeUndefined();
    expect(readUpdateRecord(svc)).toMatchObject({ annotations: {} });
  });
});

describe('restoreService', () => {
  it('drops the node ports the API server allocated to a former ClusterIP Service, keeps those of a NodePort one', () => {
    for (const type of ['ClusterIP', 'NodePort'] as const) {
      const original = service(GW_NS, 'web', { type, ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, ...(type === 'NodePort' ? { nodePort: 30080 } : {}) }] });
      const live = adopted(original, adoption({ ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] }));
      live.spec!.ports = live.spec!.ports!.map((p) => ({ ...p, nodePort: p.nodePort ?? 31000 }));
      live.spec!.allocateLoadBalancerNodePorts = true;
      expect(restored(live)).toEqual(original);
    }
  });

  it('leaves a Service without a record untouched', () => {
    const svc = service(GW_NS, 'web');
    expect(restored(svc)).toBe(svc);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{', /not JSON/],
    ['not an object', '[1]', /not a JSON object/],
    ['no gateway', JSON.stringify({ version: 1 }), /gateway must be/],
    ['a flag of the wrong type', JSON.stringify({ version: 1, gateway: gw, hadLabels: 'yes' }), /hadLabels must be a boolean/],
    ['labels with numbers', JSON.stringify({ version: 1, gateway: gw, hadLabels: true, hadAnnotations: true, hadPorts: true, labels: { a: 1 }, annotations: {} }), /labels must map/],
    [
      'missing spec fields',
      JSON.stringify({ version: 1, gateway: gw, hadLabels: true, hadAnnotations: true, hadPorts: true, labels: {}, annotations: {}, spec: { type: null } }),
      /spec must record/,
    ],
  ])('rejects a record that is %s, naming the Service', (_, text, reason) => {
    const svc = service(GW_NS, 'web');
    svc.metadata.annotations = { 'gateway.kube-vip.io/update-record': text };
    const out = restoreService(svc);
    expect(out).toEqual({ problem: expect.objectContaining({ reason: 'InvalidUpdateRecord', message: expect.stringMatching(reason) }) });
    expect((out as { problem: { message: string } }).problem.message).toContain('Service infra/web');
  });

  it('reads back what it writes', () => {
    const record = readUpdateRecord(adopted(service(GW_NS, 'web'))) as UpdateRecord;
    const svc = service(GW_NS, 'web');
    svc.metadata.annotations = { 'gateway.kube-vip.io/update-record': writeUpdateRecord(record) };
    expect(readUpdateRecord(svc)).toEqual(record);
  });
});

describe('giveBackService', () => {
  const original = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
  /** The adopted Service as kube-vip leaves it after announcing the Gateway's address. */
  const announced = (svc: Service): Service => {
    const out = structuredClone(svc);
    out.metadata.annotations = { ...out.metadata.annotations, 'kube-vip.io/vipHost': 'node-a' };
    return out;
  };
  const step = (svc: Service) => {
    const out = giveBackService(svc);
    if ('problem' in out) throw new Error(out.problem.message);
    return out;
  };

  it('first withdraws (still a LoadBalancer, kube-vip.io/loadbalancerIPs ""), then restores exactly, without kube-vip\u2019s vipHost', () => {
    const live = announced(adopted(original));
    const first = step(live);
    expect(first.step).toBe('withdraw');
    // Only the address list changes: type, ports and the record stay, so kube-vip sees an address change.
    const { annotations: liveAnnotations, ...liveMeta } = live.metadata;
    const { annotations: firstAnnotations, ...firstMeta } = first.service.metadata;
    expect(firstMeta).toEqual(liveMeta);
    expect(first.service.spec).toEqual(live.spec);
    expect(firstAnnotations).toEqual({ ...liveAnnotations, 'kube-vip.io/loadbalancerIPs': '' });
    const second = step(first.service);
    expect(second.step).toBe('restore');
    expect(second.service).toEqual(original);
    // Given back, nothing is left to do.
    expect(step(second.service)).toEqual({ step: 'restore', service: original });
  });

  it('restores kube-vip\u2019s annotations to what the user had, and leaves them to kube-vip on a Service given back as a LoadBalancer', () => {
    const stale = { ...original, metadata: { ...original.metadata, annotations: { 'kube-vip.io/vipHost': 'old-node' } } };
    expect(step(step(announced(adopted(stale))).service).service).toEqual(stale);
    const lb = service(GW_NS, 'web', { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const back = step(step(announced(adopted(lb))).service);
    expect(back.step).toBe('restore');
    expect(back.service.metadata.annotations).toEqual({ 'kube-vip.io/vipHost': 'node-a' });
    expect(back.service.spec).toEqual(lb.spec);
  });

  it('restores at once a Service that is no LoadBalancer any more (kube-vip ignores it), and a record written before kube-vip\u2019s annotations were recorded drops them', () => {
    const live = announced(adopted(original));
    const byHand: Service = { ...live, spec: { ...live.spec, type: 'ClusterIP' } };
    expect(step(byHand).step).toBe('restore');
    const record = readUpdateRecord(live) as UpdateRecord;
    delete record.kubeVipAnnotations;
    const older = { ...live, metadata: { ...live.metadata, annotations: { ...live.metadata.annotations, 'gateway.kube-vip.io/update-record': writeUpdateRecord(record) } } };
    expect(step(step(older).service).service).toEqual(original);
  });

  it('re-adopting a withdrawn Service announces the Gateway\u2019s address again and keeps the original values recorded', () => {
    const live = announced(adopted(original));
    const withdrawn = step(live).service;
    const again = adopted(withdrawn);
    expect(again.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('192.0.2.10');
    expect(readUpdateRecord(again)).toEqual(readUpdateRecord(live));
    expect(step(step(again).service).service).toEqual(original);
  });

  it('refuses a record that is not ours to read, for both steps', () => {
    const broken = { ...original, metadata: { ...original.metadata, annotations: { 'gateway.kube-vip.io/update-record': '{"version":1,"kubeVipAnnotations":3}' } } };
    expect(giveBackService(broken)).toMatchObject({ problem: { reason: 'InvalidUpdateRecord' } });
  });
});

describe('update: a listener moved onto a port the user\u2019s Service forwards elsewhere', () => {
  // The property below found it (seed -1316789941): ports 1 and 10 of a ClusterIP Service, the route's backendRef port
  // 1, the listener moved from 9 to 10.
  it('reports PortConflict naming the Service and starts the give-back at once (withdraw, then restore)', () => {
    const original = service(GW_NS, 'a', { ipFamilies: ['IPv4'], ports: [{ name: 'p0', protocol: 'UDP', port: 1 }, { name: 'p1', protocol: 'UDP', port: 10 }] });
    const gwObj = gateway();
    const listener = (port: number) =>
      served({ gateway: gwObj, strategy: 'update', addresses: ['192.0.2.10'], route: { kind: 'UDPRoute', namespace: GW_NS, name: 'r' }, listener: { name: 'l', port, protocol: 'UDP' }, backends: [backend(original, 1)] });
    const first = desiredForGateway(gwObj, [listener(9)]);
    const s1 = applyPlan({ services: [original], endpointSlices: [] }, planChanges(first, { services: [original], endpointSlices: [] }), { server: true, kubeVip: true });
    const moved = desiredForGateway(gwObj, [listener(10)]);
    expect(moved.problems.filter((p) => p.severity === 'Error').map((p) => [p.reason, p.message.includes(`${GW_NS}/a already has port 10/UDP`)])).toEqual([['PortConflict', true]]);
    const withdraw = planChanges(moved, s1);
    expect(withdraw.patch.map((p) => p.reason)).toEqual(['withdraw']);
    const s2 = applyPlan(s1, withdraw, { server: true, kubeVip: false });
    expect(planChanges(moved, s2).patch.map((p) => p.reason)).toEqual(['restore']);
  });
});

describe('update followed by detach (property)', () => {
  const listenerPort = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constant(80));

  test.prop([userService, fc.nat(), listenerPort, fc.boolean(), fc.dictionary(fc.constantFrom('team', 'app', 'implementation'), fc.constantFrom('a', 'b'), { maxKeys: 2 })], {
    numRuns: 300,
  })('restores the original Service byte for byte, through the real plan, with API server allocations in between', (original, pick, port, server, infraLabels) => {
    const ports = original.spec!.ports!;
    const ref = ports[pick % ports.length]!;
    const kind = ref.protocol === 'UDP' ? 'UDPRoute' : 'TCPRoute';
    const gwObj = gateway();
    const addresses = original.spec!.ipFamilies!.length === 2 ? ['192.0.2.10', '2001:db8::10'] : ['192.0.2.10'];
    const listener = (p: number, labels: Record<string, string>) =>
      served({
        gateway: { ...gwObj, spec: { ...gwObj.spec, infrastructure: { labels } } },
        strategy: 'update',
        addresses,
        route: { kind, namespace: GW_NS, name: 'r' },
        listener: { name: 'l', port: p, protocol: ref.protocol as 'TCP' | 'UDP' },
        backends: [backend(original, ref.port)],
      });
    const start: ActualObjects = { services: [original], endpointSlices: [] };
    const first = desiredForGateway(gwObj, [listener(port, {})]);
    const plan1 = planChanges(first, start);
    if (first.problems.some((p) => p.severity === 'Error') || plan1.problems.length > 0) {
      // Refused (a port conflict, another class): then nothing is written at all.
      expect(isEmptyPlan(plan1)).toBe(true);
      return;
    }
    // With the server, kube-vip announces too (vipHost, status), which the give-back must clean up.
    const s1 = applyPlan(start, plan1, { server, kubeVip: server });
    expect(isEmptyPlan(planChanges(first, s1))).toBe(true);
    // Adopting a Service that had no node ports takes none; one the user made external keeps its setting.
    const adoptedSpec = s1.services[0]!.spec!;
    if (original.spec!.type === 'ClusterIP') {
      expect(adoptedSpec.allocateLoadBalancerNodePorts).toBe(false);
      expect(adoptedSpec.ports!.filter((p) => p.nodePort !== undefined)).toEqual([]);
    } else expect((plan1.patch[0]!.after as Service).spec!.allocateLoadBalancerNodePorts).toBe(original.spec!.allocateLoadBalancerNodePorts);
    // The Gateway changes while the Service is adopted: new labels, then the listener moves.
    const second = desiredForGateway(gwObj, [listener(port === 65535 ? 1 : port + 1, infraLabels)]);
    const plan2 = planChanges(second, s1);
    // A listener moved onto a port the user's Service already forwards elsewhere cannot be served by it (PortConflict,
    // an Error the route's status reports): the plan starts the give-back at once, with the withdrawal.
    const movedOntoUsersPort = second.problems.some((p) => p.severity === 'Error' && p.reason === 'PortConflict');
    if (movedOntoUsersPort) expect(plan2.patch.map((p) => p.reason)).toEqual(['withdraw']);
    const s2 = plan2.problems.length === 0 ? applyPlan(s1, plan2, { server, kubeVip: server && !movedOntoUsersPort }) : s1;
    // Give-back, two writes: the withdrawal (kube-vip removes the address), then, planned on what the cluster shows
    // after it, the restore. A crash between them loses nothing: the second plan only reads the cluster.
    let s3 = s2;
    if (!movedOntoUsersPort) {
      const detach = planChanges(desiredForGateway(gwObj, []), s2);
      expect(detach.delete).toEqual([]);
      expect(detach.patch.map((p) => p.reason)).toEqual(['withdraw']);
      s3 = applyPlan(s2, detach, { server, kubeVip: false });
    }
    const restore = planChanges(desiredForGateway(gwObj, []), s3);
    expect(restore.patch.map((p) => p.reason)).toEqual(['restore']);
    const final = applyPlan(s3, restore, { server, kubeVip: false }).services[0]!;
    expect(isEmptyPlan(planChanges(desiredForGateway(gwObj, []), { services: [final], endpointSlices: [] }))).toBe(true);
    // Byte for byte as the API server serves it: it writes fields in schema order, so canonical JSON (sorted keys) is
    // what a client reads back. Only the resourceVersion differs, which the server bumps on every write, and the
    // status kube-vip wrote (not ours; kube-vip.io/vipHost, which a user reads, is gone).
    // A Service given back as a LoadBalancer is still kube-vip's to announce (its own address): vipHost stays kube-vip's.
    const seen = structuredClone(final);
    if (original.spec!.type === 'LoadBalancer' && seen.metadata.annotations?.['kube-vip.io/vipHost'] === 'node-a' && original.metadata.annotations?.['kube-vip.io/vipHost'] === undefined) {
      delete seen.metadata.annotations['kube-vip.io/vipHost'];
      if (original.metadata.annotations === undefined && Object.keys(seen.metadata.annotations).length === 0) delete seen.metadata.annotations;
    }
    expect(stableStringify({ ...seen, status: original.status, metadata: { ...seen.metadata, resourceVersion: '7' } })).toBe(stableStringify(original));
    // The merge patch alone (what the controller sends) turns the original into the planned object.
    expect(applyMergePatch(original, plan1.patch[0]!.patch)).toEqual(plan1.patch[0]!.after);
  });
});

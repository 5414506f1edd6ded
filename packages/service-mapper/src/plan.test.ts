import { describe, expect, it } from 'vitest';
import type { Service } from '@kube-vip-gw/gateway-model';
import { applyPlan, backend, endpoint, gateway, GW_NS, kubeVipAnnounces, served, serverDefaults, service, slice, type ServedOverrides } from './internal/fixtures.testkit.js';
import { desiredForGateway } from './mapper.js';
import { DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS, hasDeferredWrites, hasPendingGiveBack, isEmptyPlan, kubeVipSettled, planChanges, planRelease, type ActualObjects, type ChangePlan } from './plan.js';
import type { GatewayDesired } from './types.js';
import { readUpdateRecord } from './update-record.js';

const gw = gateway();
const none: ActualObjects = { services: [], endpointSlices: [] };
const web = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
const webSlices = [slice(GW_NS, 'web', { port: 8080 }, [endpoint('10.0.0.1'), endpoint('10.0.0.2')])];

function desired(...over: ServedOverrides[]): GatewayDesired {
  return desiredForGateway(gw, over.map((o) => served({ gateway: gw, ...o })));
}

/** Plans from `actual`, applies like the API server + kube-vip, and returns the new state and the plan. */
function converge(d: GatewayDesired, actual: ActualObjects): { plan: ChangePlan; state: ActualObjects } {
  const plan = planChanges(d, actual);
  expect(plan.problems).toEqual([]);
  return { plan, state: applyPlan(actual, plan) };
}

const svcOf = (state: ActualObjects, name: string) => state.services.find((s) => s.metadata.name === name)!;

/** Gives back what `d`'s Gateway adopted (no listeners left): the withdrawal, then the restore, as two plans. */
function givenBack(state: ActualObjects): ActualObjects {
  const withdraw = planChanges(desiredForGateway(gw, []), state);
  expect(withdraw.patch.map((p) => p.reason)).toEqual(withdraw.patch.map(() => 'withdraw'));
  const withdrawn = applyPlan(state, withdraw, { kubeVip: false });
  const restore = planChanges(desiredForGateway(gw, []), withdrawn);
  expect(restore.patch.map((p) => p.reason)).toEqual(restore.patch.map(() => 'restore'));
  return applyPlan(withdrawn, restore, { kubeVip: false });
}

describe('planChanges for objects we own', () => {
  const dup = desired({ strategy: 'duplicate' });
  const eps = desired({ strategy: 'endpoints', backends: [backend(web, 80, { endpointSlices: webSlices })] });

  it.each([
    ['duplicate', dup, 1, 0],
    ['endpoints', eps, 1, 1],
  ])('%s: creates everything, then plans zero writes once applied', (_, d, services, slices) => {
    const { plan, state } = converge(d, none);
    expect(plan.create.filter((o) => o.kind === 'Service')).toHaveLength(services);
    expect(plan.create.filter((o) => o.kind === 'EndpointSlice')).toHaveLength(slices);
    expect(plan.patch).toEqual([]);
    const idle = planChanges(d, state);
    expect(isEmptyPlan(idle)).toBe(true);
    expect(idle.problems).toEqual([]);
  });

  // Node ports asked for, so the API server allocates some and the tests can check they survive patches.
  const withNodePorts = { parameters: { allocateLoadBalancerNodePorts: true } };
  const dupNodePorts = desired({ strategy: 'duplicate', ...withNodePorts });

  it('patches only the changed field we own, never allocations or kube-vip writes', () => {
    const { state } = converge(dupNodePorts, none);
    const live = svcOf(state, 'kvgw-gw-tcp');
    expect(live.spec?.clusterIP).toBeDefined();
    expect(live.spec?.ports?.[0]?.nodePort).toBeDefined();
    expect(live.metadata.annotations?.['kube-vip.io/vipHost']).toBe('node-a');
    // (An address change is a replacement: see 'replaces a Service whose address must change'.)
    const local = desiredForGateway(gw, [served({ gateway: gw, strategy: 'duplicate', parameters: { ...withNodePorts.parameters, externalTrafficPolicy: 'Local' } })]);
    const plan = planChanges(local, state);
    expect(plan.create).toEqual([]);
    expect(plan.patch).toHaveLength(1);
    // (Local also brings its own metadata: only the spec is compared here.)
    expect(plan.patch[0]!.patch['spec']).toEqual({ externalTrafficPolicy: 'Local' });
    expect(plan.patch[0]!.patch).toMatchObject({ metadata: { resourceVersion: live.metadata.resourceVersion } });
    const after = plan.patch[0]!.after as Service;
    expect(after.spec?.clusterIP).toBe(live.spec?.clusterIP);
    expect(after.status).toEqual(live.status);
    expect(after.metadata.annotations?.['kube-vip.io/vipHost']).toBe('node-a');
  });

  it('keeps the allocated node port when the target port changes', () => {
    const { state } = converge(dupNodePorts, none);
    const nodePort = svcOf(state, 'kvgw-gw-tcp').spec?.ports?.[0]?.nodePort;
    expect(nodePort).toBeDefined();
    const retargeted = desired({ strategy: 'duplicate', ...withNodePorts, backends: [backend(service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9090 }] }), 80)] });
    const plan = planChanges(retargeted, state);
    expect(plan.patch[0]!.patch['spec']).toEqual({ ports: [{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: 9090, nodePort }] });
  });

  it('creates Services that take no node port by default', () => {
    const { plan, state } = converge(dup, none);
    expect((plan.create[0] as Service).spec?.allocateLoadBalancerNodePorts).toBe(false);
    const live = svcOf(state, 'kvgw-gw-tcp');
    expect(live.spec?.allocateLoadBalancerNodePorts).toBe(false);
    expect(live.spec?.ports?.map((p) => p.nodePort)).toEqual([undefined]);
  });

  it('turns node ports off on a Service made with them in exactly one patch, which keeps the allocated ones, then is idle', () => {
    // What an earlier version left (the field defaulted to true by the API server), or a cluster that asked for node
    // ports and no longer does. The API server keeps node ports already allocated, so the patch must not drop them.
    const { state } = converge(dupNodePorts, none);
    const before = svcOf(state, 'kvgw-gw-tcp');
    expect(before.spec?.allocateLoadBalancerNodePorts).toBe(true);
    const plan = planChanges(dup, state);
    expect(plan.create).toEqual([]);
    expect(plan.replace).toEqual([]);
    expect(plan.patch).toHaveLength(1);
    expect(plan.patch[0]!.patch).toEqual({ metadata: { resourceVersion: before.metadata.resourceVersion }, spec: { allocateLoadBalancerNodePorts: false } });
    const after = applyPlan(state, plan);
    expect(svcOf(after, 'kvgw-gw-tcp').spec?.ports).toEqual(before.spec?.ports);
    expect(isEmptyPlan(planChanges(dup, after))).toBe(true);
  });

  it('turns node ports on when the parameters ask for them again, and the API server allocates them', () => {
    const { state } = converge(dup, none);
    const plan = planChanges(dupNodePorts, state);
    expect(plan.patch.map((p) => p.patch['spec'])).toEqual([{ allocateLoadBalancerNodePorts: true }]);
    const after = applyPlan(state, plan);
    expect(svcOf(after, 'kvgw-gw-tcp').spec?.ports?.[0]?.nodePort).toBeDefined();
    expect(isEmptyPlan(planChanges(dupNodePorts, after))).toBe(true);
  });

  it('removes a label we set earlier but keeps labels and annotations others added', () => {
    const labelled = desiredForGateway(gateway({ infrastructure: { labels: { team: 'a' }, annotations: { 'kube-vip.io/serviceInterface': 'eth1' } } }), [
      served({ gateway: gateway({ infrastructure: { labels: { team: 'a' }, annotations: { 'kube-vip.io/serviceInterface': 'eth1' } } }), strategy: 'duplicate' }),
    ]);
    const { state } = converge(labelled, none);
    const live = svcOf(state, 'kvgw-gw-tcp');
    expect(live.metadata.labels?.['team']).toBe('a');
    live.metadata.labels!['someone-else'] = 'x';
    live.metadata.annotations!['example.com/note'] = 'y';
    const plan = planChanges(dup, state);
    expect(plan.patch).toHaveLength(1);
    expect(plan.patch[0]!.patch['metadata']).toMatchObject({ labels: { team: null }, annotations: { 'kube-vip.io/serviceInterface': null } });
    const after = plan.patch[0]!.after;
    expect(after.metadata.labels?.['someone-else']).toBe('x');
    expect(after.metadata.annotations?.['example.com/note']).toBe('y');
    expect(after.metadata.annotations?.['kube-vip.io/vipHost']).toBe('node-a');
  });

  it('switching duplicate -> endpoints removes the selector and adds slices', () => {
    const { state } = converge(dup, none);
    const plan = planChanges(eps, state);
    expect(plan.patch).toHaveLength(1);
    expect(plan.patch[0]!.patch['spec']).toMatchObject({ selector: null });
    expect(plan.patch[0]!.after.kind === 'Service' && (plan.patch[0]!.after as Service).spec?.selector).toBeUndefined();
    expect(plan.create.map((o) => o.kind)).toEqual(['EndpointSlice']);
  });

  it('endpoint changes patch the slice endpoints only', () => {
    const { state } = converge(eps, none);
    const moved = desired({ strategy: 'endpoints', backends: [backend(web, 80, { endpointSlices: [slice(GW_NS, 'web', { port: 8080 }, [endpoint('10.0.0.1')])] })] });
    const plan = planChanges(moved, state);
    expect(plan.patch.map((p) => [p.kind, Object.keys(p.patch).sort()])).toEqual([['EndpointSlice', ['endpoints', 'metadata']]]);
  });

  it('deletes only what it owns when a listener goes away', () => {
    const { state } = converge(eps, none);
    const otherGateway = structuredClone(svcOf(state, 'kvgw-gw-tcp'));
    otherGateway.metadata.ownerReferences = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw', uid: 'uid-other', controller: true }];
    otherGateway.metadata.name = 'kvgw-gw-other';
    const labelledOnly = structuredClone(svcOf(state, 'kvgw-gw-tcp'));
    labelledOnly.metadata.ownerReferences = [];
    labelledOnly.metadata.name = 'labelled-only';
    const withOthers: ActualObjects = { services: [...state.services, otherGateway, labelledOnly, web], endpointSlices: state.endpointSlices };
    const plan = planChanges(desiredForGateway(gw, []), withOthers);
    expect(plan.delete.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(['EndpointSlice/' + state.endpointSlices[0]!.metadata.name, 'Service/kvgw-gw-tcp'].sort());
    expect(plan.delete.every((r) => r.uid !== undefined)).toBe(true);
    expect(plan.patch).toEqual([]);
  });

  it('leaves an object that is being deleted alone', () => {
    const { state } = converge(dup, none);
    svcOf(state, 'kvgw-gw-tcp').metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(isEmptyPlan(planChanges(dup, state))).toBe(true);
    expect(isEmptyPlan(planChanges(desiredForGateway(gw, []), state))).toBe(true);
  });

  it('reports a user object that has the generated name instead of overwriting it', () => {
    const squatter = service(GW_NS, 'kvgw-gw-tcp');
    const plan = planChanges(dup, { services: [squatter], endpointSlices: [] });
    expect(isEmptyPlan(plan)).toBe(true);
    expect(plan.problems).toEqual([expect.objectContaining({ reason: 'NameConflict', message: expect.stringContaining('infra/kvgw-gw-tcp exists but is not owned') })]);
  });

  it.each<[string, ServedOverrides, RegExp]>([
    ['loadBalancerClass', { parameters: { loadBalancerClass: 'kube-vip.io/kube-vip-class', strategy: { flag: 'duplicate' } } }, /loadBalancerClass changes from "" to "kube-vip.io\/kube-vip-class"/],
    ['the primary IP family', { addresses: ['2001:db8::1'] }, /primary IP family changes from IPv4 to IPv6/],
    // A yield: kube-vip v1.0.0 cancels the announcement on an in-place address change and takes up nothing new.
    ['address', { addresses: ['192.0.2.11'] }, /address changes from 192\.0\.2\.10 to 192\.0\.2\.11, which kube-vip v1\.0\.0 does not follow in place/],
  ])('replaces a Service whose %s must change (immutable)', (_, over, why) => {
    const { state } = converge(dup, none);
    const plan = planChanges(desired({ strategy: 'duplicate', ...over }), state);
    expect(plan.patch).toEqual([]);
    expect(plan.replace).toEqual([expect.objectContaining({ existing: expect.objectContaining({ name: 'kvgw-gw-tcp' }), why: expect.stringMatching(why) })]);
  });
});

describe('planChanges for update (adoption and restore)', () => {
  const upd = (svc: Service, over: ServedOverrides = {}) => desired({ strategy: 'update', backends: [backend(svc, 80)], ...over });

  it('adopts, is idle once applied, restores on detach, and never deletes the Service', () => {
    const original = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const start: ActualObjects = { services: [original], endpointSlices: [] };
    const d = upd(original, { listener: { name: 'tcp', port: 9000, protocol: 'TCP' } });
    const adopt = converge(d, start);
    expect(adopt.plan.patch.map((p) => p.reason)).toEqual(['adopt']);
    expect(adopt.plan.patch[0]!.patch['metadata']).toMatchObject({ resourceVersion: '1' });
    const live = svcOf(adopt.state, 'web');
    expect(live.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false });
    expect(live.spec?.ports?.map((p) => p.nodePort)).toEqual([undefined, undefined]);
    expect(live.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['tcp-80', 80, 8080],
      ['tcp-9000', 9000, 8080],
    ]);
    expect(live.metadata.ownerReferences).toBeUndefined();
    expect(isEmptyPlan(planChanges(d, adopt.state))).toBe(true);

    // Give-back, first write: still a LoadBalancer, with an empty address list (kube-vip withdraws the address).
    const detach = planChanges(desiredForGateway(gw, []), adopt.state);
    expect(detach.delete).toEqual([]);
    expect(detach.patch.map((p) => [p.reason, p.patch])).toEqual([
      ['withdraw', { metadata: { resourceVersion: live.metadata.resourceVersion, annotations: { 'kube-vip.io/loadbalancerIPs': '' } } }],
    ]);
    const withdrawn = applyPlan(adopt.state, detach, { kubeVip: false });
    // Planning again on what the cluster shows before that write lands is the same withdrawal (a crash, a stale cache).
    expect(planChanges(desiredForGateway(gw, []), adopt.state).patch).toEqual(detach.patch);
    // Second write, once the withdrawal shows: the exact restore, kube-vip's vipHost included.
    const restore = planChanges(desiredForGateway(gw, []), withdrawn);
    expect(restore.patch.map((p) => p.reason)).toEqual(['restore']);
    const restored = svcOf(applyPlan(withdrawn, restore, { kubeVip: false }), 'web');
    const { status: _status, ...rest } = structuredClone(restored);
    expect({ ...rest, metadata: { ...rest.metadata, resourceVersion: '1' } }).toEqual(original);
    expect(isEmptyPlan(planChanges(desiredForGateway(gw, []), { services: [restored], endpointSlices: [] }))).toBe(true);
  });

  it.each<[string, Service, boolean | undefined]>([
    ['a NodePort Service keeps its node ports (the field stays unset)', serverDefaults(service(GW_NS, 'web', { type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] })), undefined],
    ['a LoadBalancer Service with node ports keeps them', serverDefaults(service(GW_NS, 'web', { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] })), true],
  ])('update: %s, and gets it back unchanged on release', (_, original, kept) => {
    const start: ActualObjects = { services: [original], endpointSlices: [] };
    const d = upd(original);
    const adopt = converge(d, start);
    expect(adopt.plan.patch).toHaveLength(1);
    expect((adopt.plan.patch[0]!.patch['spec'] as Record<string, unknown> | undefined)?.['allocateLoadBalancerNodePorts']).toBeUndefined();
    const live = svcOf(adopt.state, 'web');
    // The API server defaults the field to true when a NodePort Service becomes a LoadBalancer: its node ports stay.
    expect(live.spec?.allocateLoadBalancerNodePorts).toBe(true);
    expect(live.spec?.ports?.[0]?.nodePort).toBe(30080);
    expect(isEmptyPlan(planChanges(d, adopt.state))).toBe(true);
    const restored = svcOf(givenBack(adopt.state), 'web');
    expect(restored.spec?.type).toBe(original.spec?.type);
    expect(restored.spec?.allocateLoadBalancerNodePorts).toBe(kept);
    expect(restored.spec?.ports).toEqual(original.spec?.ports);
  });

  it('update: a ClusterIP Service adopted by an earlier version (node ports allocated) gets one patch turning them off, and is given back without them', () => {
    const original = service(GW_NS, 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const d = upd(original);
    // An earlier adoption: same record, but the API server defaulted the field to true and allocated a node port.
    const earlier = desiredForGateway(gw, [served({ gateway: gw, strategy: 'update', backends: [backend(original, 80)], parameters: { allocateLoadBalancerNodePorts: true } })]);
    const old = converge(earlier, { services: [original], endpointSlices: [] });
    const before = svcOf(old.state, 'web');
    expect(before.spec?.allocateLoadBalancerNodePorts).toBe(true);
    const nodePort = before.spec?.ports?.[0]?.nodePort;
    expect(nodePort).toBeDefined();

    const plan = planChanges(d, old.state);
    expect(plan.patch.map((p) => [p.reason, p.patch])).toEqual([['adopt', { metadata: { resourceVersion: before.metadata.resourceVersion }, spec: { allocateLoadBalancerNodePorts: false } }]]);
    const now = applyPlan(old.state, plan);
    expect(svcOf(now, 'web').spec?.ports?.[0]?.nodePort).toBe(nodePort);
    expect(isEmptyPlan(planChanges(d, now))).toBe(true);
    const restored = svcOf(givenBack(now), 'web');
    expect(restored.spec?.type).toBe('ClusterIP');
    expect(restored.spec?.allocateLoadBalancerNodePorts).toBeUndefined();
    expect(restored.spec?.ports).toEqual(original.spec?.ports);
  });

  it('planRelease restores adopted Services and deletes owned objects', () => {
    const { state } = converge(desiredForGateway(gw, [served({ gateway: gw, strategy: 'update' }), served({ gateway: gw, strategy: 'endpoints', listener: { name: 'b', port: 81, protocol: 'TCP' } })]), {
      services: [web],
      endpointSlices: [],
    });
    const id = { namespace: GW_NS, name: 'gw', uid: 'uid-gw' };
    const release = planRelease(id, state);
    expect(release.patch.map((p) => [p.reason, p.name])).toEqual([['withdraw', 'web']]);
    expect(release.delete.map((r) => r.kind)).toEqual(['Service']);
    // The finalizer must stay: the restore is still to come.
    expect(hasPendingGiveBack(release)).toBe(true);
    const withdrawn = applyPlan(state, release);
    const second = planRelease(id, withdrawn);
    expect(second.patch.map((p) => [p.reason, p.name])).toEqual([['restore', 'web']]);
    expect(hasPendingGiveBack(second)).toBe(false);
    const done = applyPlan(withdrawn, second);
    expect(isEmptyPlan(planRelease(id, done))).toBe(true);
    expect(svcOf(done, 'web').spec?.type).toBe('ClusterIP');
    expect(svcOf(done, 'web').metadata.annotations).toBeUndefined();
  });

  it('a give-back interrupted after its withdrawal ends in the restore (a restarted controller plans from the cluster alone), or re-adopts when the route comes back', () => {
    const d = upd(web, { listener: { name: 'tcp', port: 9000, protocol: 'TCP' } });
    const { state } = converge(d, { services: [web], endpointSlices: [] });
    const withdrawn = applyPlan(state, planChanges(desiredForGateway(gw, []), state), { kubeVip: false });
    const live = svcOf(withdrawn, 'web');
    expect(live.spec?.type).toBe('LoadBalancer');
    expect(live.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('');
    // The crash: nothing survives but the cluster. planRelease (the Gateway went meanwhile) restores from it.
    const release = planRelease({ namespace: GW_NS, name: 'gw', uid: 'uid-gw' }, { services: [structuredClone(live)], endpointSlices: [] });
    expect(release.patch.map((p) => p.reason)).toEqual(['restore']);
    expect((release.patch[0]!.after as Service).spec?.type).toBe('ClusterIP');
    // The route comes back instead: one adopt patch announces the Gateway's address again, the original values kept.
    const readopt = planChanges(d, withdrawn);
    expect(readopt.patch.map((p) => [p.reason, p.patch])).toEqual([
      ['adopt', { metadata: { resourceVersion: live.metadata.resourceVersion, annotations: { 'kube-vip.io/loadbalancerIPs': '192.0.2.10' } } }],
    ]);
    const back = applyPlan(withdrawn, readopt);
    expect(readUpdateRecord(svcOf(back, 'web'))).toEqual(readUpdateRecord(svcOf(state, 'web')));
    expect(isEmptyPlan(planChanges(d, back))).toBe(true);
  });

  it.each<[string, (s: Service) => Service, string, RegExp]>([
    [
      'already adopted by another Gateway',
      (s) => withRecord(s, JSON.stringify({ ...JSON.parse(recordOf(s)), gateway: { namespace: 'x', name: 'other', uid: 'uid-other' } })),
      'ServiceAdoptedElsewhere',
      /already adopted by Gateway x\/other/,
    ],
    ['with a corrupted record', (s) => withRecord(s, '{not json'), 'InvalidUpdateRecord', /not JSON/],
    ['with a record of an unknown version', (s) => withRecord(s, JSON.stringify({ ...JSON.parse(recordOf(s)), version: 2 })), 'InvalidUpdateRecord', /unknown version 2/],
  ])('refuses a Service %s', (_, edit, reason, text) => {
    const { state } = converge(upd(web), { services: [web], endpointSlices: [] });
    const tampered = edit(svcOf(state, 'web'));
    const plan = planChanges(upd(web), { services: [tampered], endpointSlices: [] });
    expect(plan.patch).toEqual([]);
    expect(plan.problems).toEqual([expect.objectContaining({ reason, message: expect.stringMatching(text) })]);
  });

  it('restores nothing it did not adopt, and reports a broken record only when labelled for this Gateway', () => {
    const stranger = withRecord(service(GW_NS, 'x'), '{bad');
    expect(planChanges(desiredForGateway(gw, []), { services: [stranger], endpointSlices: [] }).problems).toEqual([]);
    const ours = structuredClone(stranger);
    ours.metadata.labels = { 'gateway.networking.k8s.io/gateway-name': 'gw' };
    expect(planChanges(desiredForGateway(gw, []), { services: [ours], endpointSlices: [] }).problems).toEqual([
      expect.objectContaining({ reason: 'InvalidUpdateRecord' }),
    ]);
  });

  it('refuses to adopt a missing Service or one generated for a Gateway', () => {
    expect(planChanges(upd(web), none).problems).toEqual([expect.objectContaining({ reason: 'AdoptedServiceNotFound' })]);
    const { state } = converge(desired({ strategy: 'duplicate' }), none);
    const generated = svcOf(state, 'kvgw-gw-tcp');
    const d = upd(generated);
    expect(planChanges(d, state).problems).toEqual([expect.objectContaining({ reason: 'AdoptionConflict' })]);
  });

  it('a Service adopted for two listeners of the Gateway keeps its record in one patch', () => {
    const d = desiredForGateway(gw, [
      served({ gateway: gw, strategy: 'update', listener: { name: 'a', port: 80, protocol: 'TCP' } }),
      served({ gateway: gw, strategy: 'update', listener: { name: 'b', port: 8443, protocol: 'TCP' } }),
    ]);
    const plan = planChanges(d, { services: [web], endpointSlices: [] });
    expect(plan.patch).toHaveLength(1);
    const record = readUpdateRecord(plan.patch[0]!.after as Service);
    expect(record).toMatchObject({ addedPorts: [{ port: 8443, protocol: 'TCP' }], renamedPorts: [{ port: 80, protocol: 'TCP', name: null }] });
  });
});

function recordOf(s: Service): string {
  return s.metadata.annotations!['gateway.kube-vip.io/update-record']!;
}

function withRecord(s: Service, record: string): Service {
  const out = structuredClone(s);
  out.metadata.annotations = { ...out.metadata.annotations, 'gateway.kube-vip.io/update-record': record };
  return out;
}

// kube-vip v1.0.0 retries its status update of a new Service ~70 s when the Service is deleted under it, handling no
// other Service meanwhile (PlanOptions.kubeVip): with a kube-vip watching, nothing of ours goes before kube-vip wrote
// its status, and a hand-over waits for the successor's status too.
describe('planChanges with a kube-vip watching (PlanOptions.kubeVip)', () => {
  const CREATED = '2026-12-02T02:00:00Z';
  const t = (seconds: number) => ({ kubeVip: { nowMs: Date.parse(CREATED) + seconds * 1000 } });
  /** What the API server adds on create that these rules read: the creation time. */
  const created = (state: ActualObjects): ActualObjects => ({
    services: state.services.map((s) => (s.metadata.creationTimestamp ? s : { ...s, metadata: { ...s.metadata, creationTimestamp: CREATED } })),
    endpointSlices: state.endpointSlices,
  });
  /** kube-vip takes the Services up: the status of each LoadBalancer with an address lists it. */
  const announced = (state: ActualObjects): ActualObjects => ({ services: state.services.map((s) => kubeVipAnnounces(s)), endpointSlices: state.endpointSlices });
  /** The Gateway's listener before any route attaches: on the Gateway Service (the flag is `auto`). */
  const routelessListener = (): GatewayDesired => {
    const { route: _route, ...rest } = served({ gateway: gw, backends: [] });
    return desiredForGateway(gw, [rest]);
  };
  const identity = { namespace: GW_NS, name: 'gw', uid: 'uid-gw' };
  const webEndpoints = { backends: [backend(web, 80, { endpointSlices: webSlices })] };
  const names = (state: ActualObjects) => state.services.map((s) => s.metadata.name).sort();

  it('a route choosing a per-route strategy after its Gateway: the Gateway Service goes only once kube-vip wrote the status of it and of its successor', () => {
    const bare = routelessListener();
    expect(bare.services.map((s) => s.metadata.name)).toEqual(['kvgateway-infra-gw']);
    let state = created(applyPlan(none, planChanges(bare, none, t(0)), { kubeVip: false }));
    const routed = desired({ strategy: 'endpoints', ...webEndpoints });
    // The route attaches 0.1 s later, kube-vip still taking the Gateway Service up: the successor is made, nothing goes.
    const first = planChanges(routed, state, t(0.1));
    expect(first.create.map((o) => `${o.kind}/${o.metadata.name}`)).toContain('Service/kvgw-gw-tcp');
    expect(first.delete).toEqual([]); // the hand-over: the successor is not on the API server yet
    expect(first.deferred).toEqual([]);
    state = created(applyPlan(state, first, { kubeVip: false }));
    // Both on the API server, neither announced: still held, and the plan writes nothing (a plan after apply is empty).
    const waiting = planChanges(routed, state, t(0.3));
    expect(isEmptyPlan(waiting)).toBe(true);
    expect(waiting.deferred).toHaveLength(1);
    expect(waiting.deferred[0]!.why).toMatch(/kube-vip/);
    expect(hasDeferredWrites(waiting)).toBe(true);
    // kube-vip wrote only the old one's status: the successor is not announced yet, the old one stays.
    const oldOnly: ActualObjects = { ...state, services: state.services.map((s) => (s.metadata.name === 'kvgateway-infra-gw' ? kubeVipAnnounces(s) : s)) };
    expect(planChanges(routed, oldOnly, t(0.5)).delete).toEqual([]);
    // Both announced: the Gateway Service goes, then the plan is idle with nothing held.
    state = announced(state);
    const handOver = planChanges(routed, state, t(0.8));
    expect(handOver.delete.map((d) => `${d.kind}/${d.name}`)).toEqual(['Service/kvgateway-infra-gw']);
    expect(handOver.deferred).toEqual([]);
    state = applyPlan(state, handOver);
    const idle = planChanges(routed, state, t(1));
    expect(isEmptyPlan(idle) && !hasDeferredWrites(idle)).toBe(true);
    expect(names(state)).toEqual(['kvgw-gw-tcp']);
  });

  it('without the option (no kube-vip seen) the same hand-over deletes as soon as the successor is on the API server', () => {
    const bare = routelessListener();
    let state = applyPlan(none, planChanges(bare, none), { kubeVip: false });
    const routed = desired({ strategy: 'endpoints', ...webEndpoints });
    state = applyPlan(state, planChanges(routed, state), { kubeVip: false });
    expect(planChanges(routed, state).delete.map((d) => d.name)).toEqual(['kvgateway-infra-gw']);
  });

  it('a Gateway released before kube-vip wrote its Service\u2019s status keeps the Service (and its slices) until kube-vip has, or until the timeout', () => {
    const eps = desired({ strategy: 'endpoints', ...webEndpoints });
    const state = created(applyPlan(none, planChanges(eps, none), { kubeVip: false }));
    const early = planRelease(identity, state, t(0.5));
    expect(early.delete).toEqual([]);
    expect(early.deferred.map((d) => [d.object.kind, d.object.name, d.untilMs - Date.parse(CREATED)])).toEqual([['Service', 'kvgw-gw-tcp', DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS]]);
    const settled = planRelease(identity, announced(state), t(0.6));
    expect(settled.delete.map((d) => d.kind).sort()).toEqual(['EndpointSlice', 'Service']);
    const late = planRelease(identity, state, t(DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS / 1000));
    expect(late.delete.map((d) => d.kind).sort()).toEqual(['EndpointSlice', 'Service']);
    expect(late.deferred).toEqual([]);
    expect(planRelease(identity, state, { kubeVip: { nowMs: Date.parse(CREATED) + 2000, settleTimeoutMs: 1000 } }).deferred).toEqual([]);
  });

  it('an address change is a delete + create, the delete waiting for kube-vip like any replacement', () => {
    const first = desired({ strategy: 'endpoints', ...webEndpoints });
    const state = created(applyPlan(none, planChanges(first, none), { kubeVip: false }));
    const moved = desired({ strategy: 'endpoints', ...webEndpoints, addresses: ['192.0.2.11'] });
    const early = planChanges(moved, state, t(1));
    expect(early.patch.filter((p) => p.kind === 'Service')).toEqual([]);
    expect(early.replace.filter((r) => r.existing.kind === 'Service')).toEqual([]);
    expect(early.deferred.map((d) => [d.object.name, d.why])).toEqual([['kvgw-gw-tcp', expect.stringMatching(/^replace \(the address changes from 192\.0\.2\.10 to 192\.0\.2\.11/)]]);
    const settled = planChanges(moved, announced(state), t(1));
    expect(settled.patch.filter((p) => p.kind === 'Service')).toEqual([]);
    const replaced = settled.replace.filter((r) => r.existing.kind === 'Service');
    expect(replaced.map((r) => [r.existing.name, r.desired.metadata.annotations?.['kube-vip.io/loadbalancerIPs']])).toEqual([['kvgw-gw-tcp', '192.0.2.11']]);
    // Past the settle timeout it goes anyway (kube-vip ignores it or is down).
    expect(planChanges(moved, state, t(DEFAULT_KUBE_VIP_SETTLE_TIMEOUT_MS / 1000)).replace.map((r) => r.existing.name)).toContain('kvgw-gw-tcp');
    // The same addresses in another order are no change.
    expect(planChanges(first, announced(state), t(1)).replace).toEqual([]);
  });

  it('holds a replacement (an immutable field changes) the same way', () => {
    const v4 = desired({ strategy: 'endpoints', ...webEndpoints });
    const state = created(applyPlan(none, planChanges(v4, none), { kubeVip: false }));
    const v6 = desired({ strategy: 'endpoints', ...webEndpoints, addresses: ['2001:db8::10'] });
    const early = planChanges(v6, state, t(1));
    expect(early.replace.filter((r) => r.existing.kind === 'Service')).toEqual([]);
    expect(early.deferred.map((d) => d.object.name)).toEqual(['kvgw-gw-tcp']);
    expect(planChanges(v6, announced(state), t(1)).replace.map((r) => r.existing.name)).toContain('kvgw-gw-tcp');
  });

  it('kubeVipSettled: what kube-vip v1.0.0 never takes up is settled; a LoadBalancer is once its status lists every address it carries', () => {
    const lb = (annotations: Record<string, string>, ingress: string[] = []): Service => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'n', annotations },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
    });
    expect(kubeVipSettled(web)).toBe(true);
    expect(kubeVipSettled(lb({}))).toBe(true);
    expect(kubeVipSettled(lb({ 'kube-vip.io/loadbalancerIPs': '' }))).toBe(true);
    expect(kubeVipSettled(lb({ 'kube-vip.io/loadbalancerIPs': '192.0.2.1', 'kube-vip.io/ignore': 'true' }))).toBe(true);
    expect(kubeVipSettled(lb({ 'kube-vip.io/loadbalancerIPs': '192.0.2.1' }))).toBe(false);
    expect(kubeVipSettled(lb({ 'kube-vip.io/loadbalancerIPs': '192.0.2.1,2001:db8::1' }, ['192.0.2.1']))).toBe(false);
    expect(kubeVipSettled(lb({ 'kube-vip.io/loadbalancerIPs': '192.0.2.1,2001:db8::1' }, ['2001:db8::1', '192.0.2.1']))).toBe(true);
  });
});

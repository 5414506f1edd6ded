import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEASE_SETTINGS,
  evaluateAnnouncement,
  leaseCandidates,
  type AnnouncementInput,
  type LeaseObject,
  type LeaseSettings,
} from './announcement.js';
import type { EndpointSlice, Service } from './types.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

function svc(name: string, opts: { address?: string; ingress?: string; host?: string; ns?: string; local?: boolean; annotations?: Record<string, string> } = {}): Service {
  const address = opts.address ?? '10.0.0.10';
  return {
    metadata: {
      namespace: opts.ns ?? 'app',
      name,
      annotations: {
        'kube-vip.io/loadbalancerIPs': address,
        ...(opts.host ? { 'kube-vip.io/vipHost': opts.host } : {}),
        ...(opts.annotations ?? {}),
      },
    },
    spec: { type: 'LoadBalancer', ports: [{ name: 'tcp', port: 80, protocol: 'TCP' }], ...(opts.local ? { externalTrafficPolicy: 'Local' as const } : {}) },
    ...(opts.ingress ? { status: { loadBalancer: { ingress: [{ ip: opts.ingress }] } } } : {}),
  };
}

function lease(ns: string, name: string, holder: string, renewedSecondsAgo: number, duration = 5): LeaseObject {
  return { metadata: { namespace: ns, name }, spec: { holderIdentity: holder, renewTime: ago(renewedSecondsAgo), leaseDurationSeconds: duration } };
}

function slice(service: string, endpoints: { node: string; ready?: boolean }[], port = 'tcp'): EndpointSlice {
  return {
    metadata: { namespace: 'app', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: port, port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e, i) => ({ addresses: [`10.244.0.${i + 1}`], nodeName: e.node, conditions: { ready: e.ready ?? true } })),
  };
}

function input(services: Service[], leases: LeaseObject[] = [], slices: EndpointSlice[] = [], settings: LeaseSettings = DEFAULT_LEASE_SETTINGS, addresses = ['10.0.0.10']): AnnouncementInput {
  return {
    addresses,
    services,
    endpointSlices: (ns, name) => slices.filter((s) => s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === name),
    lease: (ns, name) => leases.find((l) => l.metadata.namespace === ns && l.metadata.name === name),
    leases: settings,
    now: NOW,
  };
}

const GLOBAL: LeaseSettings = { mode: 'global', global: { namespace: 'kube-system', name: 'plndr-svcs-lock' } };
const SERVICE: LeaseSettings = { mode: 'service', global: GLOBAL.global };

describe('evaluateAnnouncement', () => {
  it.each<[string, AnnouncementInput, string, string, RegExp]>([
    ['no Service yet', input([]), 'False', 'Pending', /no Service carries 10\.0\.0\.10 yet/],
    ['Service without ingress', input([svc('gw')]), 'False', 'Pending', /waiting for kube-vip to announce 10\.0\.0\.10/],
    [
      'one node, per-Service lease renewed 1 s ago',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('app', 'kubevip-gw', 'node1', 1)]),
      'True',
      'Announced',
      /kube-vip announces 10\.0\.0\.10 from node node1/,
    ],
    [
      'split: two Services of one address elected on two nodes',
      input([svc('gw-a', { ingress: '10.0.0.10', host: 'node1' }), svc('gw-b', { ingress: '10.0.0.10', host: 'node2' })], [lease('app', 'kubevip-gw-a', 'node1', 1), lease('app', 'kubevip-gw-b', 'node2', 1)]),
      'False',
      'Split',
      /announced from nodes node1 \(Service app\/gw-a\) and node2 \(Service app\/gw-b\)/,
    ],
    [
      "split with another allocator's Service carrying the address",
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' }), svc('plain', { ns: 'other', ingress: '10.0.0.10', host: 'node2' })], [lease('app', 'kubevip-gw', 'node1', 1), lease('other', 'kubevip-plain', 'node2', 1)]),
      'False',
      'Split',
      /node2 \(Service other\/plain\)/,
    ],
    [
      'stopped kube-vip: ingress left behind, lease not renewed for 30 s',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('app', 'kubevip-gw', 'node1', 30)]),
      'False',
      'LeaseExpired',
      /held by node1, was last renewed at 2026-12-01T11:59:30\.000Z \(duration 5 s\)/,
    ],
    [
      'lease released (kube-vip shut down cleanly)',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('app', 'kubevip-gw', '', 1)]),
      'False',
      'LeaseExpired',
      /is not held \(released\)/,
    ],
    [
      'externalTrafficPolicy Local and the only endpoint on another node',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1', local: true })], [lease('app', 'kubevip-gw', 'node1', 1)], [slice('gw', [{ node: 'node2' }])]),
      'False',
      'NoLocalEndpoints',
      /no ready endpoint on node1.*port\(s\) tcp: kube-proxy on node1 drops that traffic/,
    ],
    [
      'externalTrafficPolicy Local, the local endpoint not ready',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1', local: true })], [lease('app', 'kubevip-gw', 'node1', 1)], [slice('gw', [{ node: 'node1', ready: false }, { node: 'node2' }])]),
      'False',
      'NoLocalEndpoints',
      /node1/,
    ],
    [
      'externalTrafficPolicy Local with a ready local endpoint',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1', local: true })], [lease('app', 'kubevip-gw', 'node1', 1)], [slice('gw', [{ node: 'node1' }])]),
      'True',
      'Announced',
      /node1/,
    ],
    [
      'externalTrafficPolicy Local, a listener without routes (no endpoints at all) is not a problem',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1', local: true })], [lease('app', 'kubevip-gw', 'node1', 1)], []),
      'True',
      'Announced',
      /node1/,
    ],
    [
      'global lease mode: plndr-svcs-lock held by the announcing node',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('kube-system', 'plndr-svcs-lock', 'node1', 2)], [], GLOBAL),
      'True',
      'Announced',
      /node1/,
    ],
    [
      'global lease mode ignores a stale per-Service lease',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('app', 'kubevip-gw', 'node1', 600), lease('kube-system', 'plndr-svcs-lock', 'node1', 2)], [], GLOBAL),
      'True',
      'Announced',
      /node1/,
    ],
    [
      'global lease expired',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('kube-system', 'plndr-svcs-lock', 'node1', 9)], [], GLOBAL),
      'False',
      'LeaseExpired',
      /kube-system\/plndr-svcs-lock/,
    ],
    [
      'auto: a per-Service lease left from an earlier svc_election=true run is passed over for the current global one',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('app', 'kubevip-gw', 'node2', 600), lease('kube-system', 'plndr-svcs-lock', 'node1', 2)]),
      'True',
      'Announced',
      /node1/,
    ],
    [
      'service mode and no lease',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('kube-system', 'plndr-svcs-lock', 'node1', 2)], [], SERVICE),
      'Unknown',
      'LeaseNotFound',
      /looked for app\/kubevip-gw/,
    ],
    [
      'lease moved to another node before vipHost',
      input([svc('gw', { ingress: '10.0.0.10', host: 'node1' })], [lease('app', 'kubevip-gw', 'node2', 1)]),
      'Unknown',
      'HolderMismatch',
      /held by node2 but kube-vip\.io\/vipHost says node1/,
    ],
    [
      'ingress without vipHost (not written by kube-vip)',
      input([svc('gw', { ingress: '10.0.0.10' })], [lease('app', 'kubevip-gw', 'node1', 1)]),
      'Unknown',
      'NoVipHost',
      /without kube-vip\.io\/vipHost/,
    ],
  ])('%s -> %s/%s', (_name, given, status, reason, message) => {
    const out = evaluateAnnouncement(given);
    expect({ status: out.status, reason: out.reason }).toEqual({ status, reason });
    expect(out.message).toMatch(message);
  });

  it('dual-stack: False when one family is not announced, naming that address', () => {
    const v4 = svc('gw', { address: '10.0.0.10,fd00::10', ingress: '10.0.0.10', host: 'node1' });
    const out = evaluateAnnouncement(input([v4], [lease('app', 'kubevip-gw', 'node1', 1)], [], DEFAULT_LEASE_SETTINGS, ['10.0.0.10', 'fd00::10']));
    expect(out).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(out.message).toContain('fd00::10');
  });

  it('IPv6 addresses compare in canonical form', () => {
    const s = svc('gw', { address: 'fd00:0::10', ingress: 'fd00::0:10', host: 'node1' });
    expect(evaluateAnnouncement(input([s], [lease('app', 'kubevip-gw', 'node1', 1)], [], DEFAULT_LEASE_SETTINGS, ['fd00::10'])).status).toBe('True');
  });

  it('says when to look again: the earliest expiry of the leases found current', () => {
    const services = [svc('a', { ingress: '10.0.0.10', host: 'node1' }), svc('b', { ingress: '10.0.0.10', host: 'node1' })];
    const out = evaluateAnnouncement(input(services, [lease('app', 'kubevip-a', 'node1', 1, 5), lease('app', 'kubevip-b', 'node1', 3, 5)]));
    expect(out.status).toBe('True');
    expect(out.recheckAt?.toISOString()).toBe(new Date(NOW.getTime() + 2_000).toISOString());
    // Its message does not carry renewTime: renewals alone never change the status.
    expect(out.message).not.toMatch(/renew/);
  });

  it('a split outranks an expired lease in the reason, and the message names both', () => {
    const services = [svc('a', { ingress: '10.0.0.10', host: 'node1' }), svc('b', { address: '10.0.0.11', ingress: '10.0.0.11', host: 'node1' }), svc('c', { address: '10.0.0.11', ingress: '10.0.0.11', host: 'node2' })];
    const out = evaluateAnnouncement(input(services, [lease('app', 'kubevip-a', 'node1', 60)], [], DEFAULT_LEASE_SETTINGS, ['10.0.0.10', '10.0.0.11']));
    expect(out).toMatchObject({ status: 'False', reason: 'Split' });
    expect(out.message).toMatch(/LeaseExpired|last renewed/);
  });
});

describe('leaseCandidates', () => {
  it('per Service: kube-vip.io/leaseName (newer kube-vip) first, then kubevip-<name>; auto adds the global lease', () => {
    const s = svc('gw', { annotations: { 'kube-vip.io/leaseName': 'shared/gw-lease' } });
    expect(leaseCandidates(s, DEFAULT_LEASE_SETTINGS)).toEqual([
      { namespace: 'shared', name: 'gw-lease' },
      { namespace: 'app', name: 'kubevip-gw' },
      { namespace: 'kube-system', name: 'plndr-svcs-lock' },
    ]);
    expect(leaseCandidates(svc('gw'), GLOBAL)).toEqual([{ namespace: 'kube-system', name: 'plndr-svcs-lock' }]);
  });
});

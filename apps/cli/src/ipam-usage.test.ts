import { ConfigMap } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureIo } from './internal/capture.js';
import { fixtureCluster } from './internal/fixtures.js';
import { computeUsage, percentUsed, type UsageReport } from './ipam-usage.js';
import { runCli, type CliDeps } from './program.js';

async function usage(args: string[], deps: CliDeps) {
  const io = captureIo();
  const code = await runCli(['ipam', 'usage', ...args], io, deps);
  return { code, out: io.out(), err: io.err() };
}
const withFixture = async (): Promise<CliDeps> => {
  const cluster = await fixtureCluster();
  return { connect: async () => cluster };
};

describe('kvgw ipam usage', () => {
  it("counts Gateways' status addresses and every Service address source, as the controller does", async () => {
    const r = await usage([], await withFixture());
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'POOL          SCOPE   FAMILY  SIZE  USED  FREE  USE',
        'cidr-team     team    IPv6    256   2     254   0.8%',
        'range-global  global  IPv4    9     4     5     44.4%',
        '',
        'ADDRESS      POOL                  HOLDERS',
        '10.0.0.1     range-global          Gateway echo/echo, Service echo/kvgw-echo-dns, Service echo/kvgw-echo-echo',
        '10.0.0.2     range-global          Service a/annotated',
        '10.0.0.3     range-global          Service b/legacy',
        '10.0.0.4     range-global          Service b/announced',
        '192.168.9.9  (outside every pool)  Service c/elsewhere',
        'fd00::1      cidr-team             Service a/annotated',
        'fd00::5      cidr-team             Gateway team/db',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('warning: Service c/by-name: address "vip.example.com": not an IP address: not counted\n');
  });

  it('prints the report as data with -o json', async () => {
    const r = await usage(['-o', 'json'], await withFixture());
    const report = JSON.parse(r.out) as UsageReport;
    expect(report.configMap).toBe('kube-system/kubevip');
    expect(report.pools).toEqual([
      { key: 'cidr-team', scope: 'team', family: 'IPv6', size: '256', used: '2', free: '254' },
      { key: 'range-global', scope: 'global', family: 'IPv4', size: '9', used: '4', free: '5' },
    ]);
    expect(report.problems).toEqual(['Service c/by-name: address "vip.example.com": not an IP address: not counted']);
  });

  it('reads another ConfigMap with --ipam-configmap (a bare name is in kube-system)', async () => {
    const cluster = await fixtureCluster();
    await cluster.create(ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pools', namespace: 'kube-system' }, data: { 'cidr-global': '10.0.0.0/30' } } as never);
    const r = await usage(['--ipam-configmap', 'pools', '-o', 'yaml'], { connect: async () => cluster });
    const report = parse(r.out) as UsageReport;
    expect(report.configMap).toBe('kube-system/pools');
    expect(report.pools).toEqual([{ key: 'cidr-global', scope: 'global', family: 'IPv4', size: '3', used: '3', free: '0' }]);
  });

  it('works without the Gateway API installed (Services only)', async () => {
    const cluster = new MemoryCluster({ resources: [ConfigMap, (await import('@kube-vip-gw/controller-runtime')).Service] });
    await cluster.load([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubevip', namespace: 'kube-system' }, data: { 'range-global': '10.0.0.1-10.0.0.4' } } as never]);
    const r = await usage(['-o', 'json'], { connect: async () => cluster });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as UsageReport).pools[0]).toMatchObject({ size: '4', used: '0' });
  });

  it.each([
    [['--ipam-configmap', 'kube-system/missing'], 1, 'kvgw: read ConfigMap kube-system/missing: not found (choose another with --ipam-configmap)\n'],
    [['--ipam-configmap', 'a/b/c'], 2, 'kvgw: --ipam-configmap: "a/b/c" is not "name" or "namespace/name" of a ConfigMap\n'],
    [['-o', 'wide'], 2, /Allowed choices are table, yaml, json/],
  ])('fails on %j', async (args, code, message) => {
    const r = await usage(args, await withFixture());
    expect(r.code).toBe(code);
    expect(r.out).toBe('');
    if (typeof message === 'string') expect(r.err).toBe(message);
    else expect(r.err).toMatch(message);
  });
});

describe('computeUsage', () => {
  const gw = (name: string, addresses: string[]): Gateway => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'n' },
    spec: { gatewayClassName: 'c', listeners: [] },
    status: { addresses: addresses.map((value) => ({ type: 'IPAddress', value })) },
  });
  const svc = (name: string, annotation: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'n', annotations: { 'kube-vip.io/loadbalancerIPs': annotation } } });

  it('counts an address once however many hold it, and never counts reserved or .0/.255 addresses as pool size', () => {
    const r = computeUsage('ns/cm', { 'cidr-global': '10.0.0.0/24', 'reserved-global': '10.0.0.1' }, [gw('a', ['10.0.0.2'])], [svc('a', '10.0.0.2'), svc('b', '10.0.0.2,10.0.0.3')]);
    expect(r.pools).toEqual([{ key: 'cidr-global', scope: 'global', family: 'IPv4', size: '253', used: '2', free: '251' }]);
    expect(r.addresses).toEqual([
      { address: '10.0.0.2', pools: ['cidr-global'], holders: ['Gateway n/a', 'Service n/a', 'Service n/b'] },
      { address: '10.0.0.3', pools: ['cidr-global'], holders: ['Service n/b'] },
    ]);
  });

  it('lists an address in every pool that contains it, and reports ConfigMap problems', () => {
    const r = computeUsage('ns/cm', { 'range-a': '10.0.0.1-10.0.0.5', 'range-b': '10.0.0.3-10.0.0.9', 'range-bad': 'x' }, [gw('a', ['10.0.0.4'])], []);
    expect(r.addresses[0]!.pools).toEqual(['range-a', 'range-b']);
    expect(r.problems).toEqual([expect.stringMatching(/^range-bad entry "x": /)]);
  });
});

describe('percentUsed', () => {
  it.each([
    ['0', '10', '0.0%'],
    ['4', '9', '44.4%'],
    ['2', '256', '0.8%'],
    ['1', '18446744073709551616', '<0.1%'],
    ['9999', '10000', '>99.9%'],
    ['10', '10', '100.0%'],
    ['1', '0', '-'],
  ])('%s of %s = %s', (used, size, text) => {
    expect(percentUsed(used, size)).toBe(text);
  });
});

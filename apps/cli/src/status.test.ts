import { GatewayClass, Namespace, Service, type Client } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import type { Gateway, ListenerSet, Service as ServiceObject } from '@kube-vip-gw/gateway-model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existsSync } from 'node:fs';
import { hasDefaultKubeconfig, kubeClientConnector } from './cluster.js';
import { ClusterAccessError } from './errors.js';
import { captureIo } from './internal/capture.js';
import { fixtureCluster } from './internal/fixtures.js';
import { Styler } from './io.js';
import { runCli, type CliDeps } from './program.js';
import { formatCondition, formatStatus, summariseGateways, type GatewaySummary } from './status.js';

async function status(args: string[], deps: CliDeps, env: Record<string, string> = {}, tty = false) {
  const io = captureIo({ env, tty });
  const code = await runCli(['status', ...args], io, deps);
  return { code, out: io.out(), err: io.err() };
}

const withFixture = async (): Promise<CliDeps> => {
  const cluster = await fixtureCluster();
  return { connect: async () => cluster };
};

describe('kvgw status', () => {
  it('shows every Gateway, its listeners and the Services behind it', async () => {
    const r = await status([], await withFixture());
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'NAMESPACE  NAME  CLASS     ADDRESSES                  ACCEPTED                   PROGRAMMED  ANNOUNCED',
        'echo       echo  kube-vip  10.0.0.1,echo.example.com  True                       True        False (NotAnnounced)',
        'team       db    other     fd00::5                    False (InvalidParameters)  -           -',
        'team       new   kube-vip  <none>                     -                          -           -',
        '',
        'Gateway echo/echo',
        '  LISTENER  PROTOCOL  PORT  ROUTES  ACCEPTED  PROGRAMMED',
        '  echo      TCP       7     2       True      True',
        '  dns       UDP       53    -       -         -',
        '  SERVICE         TYPE          ADDRESSES  INGRESS    VIP HOST  PORTS',
        '  kvgw-echo-dns   LoadBalancer  10.0.0.1   <pending>  -         UDP/53',
        '  kvgw-echo-echo  LoadBalancer  10.0.0.1   10.0.0.1   node-1    TCP/7->7007',
        '',
        'Gateway team/db',
        '  LISTENER  PROTOCOL  PORT  ROUTES  ACCEPTED  PROGRAMMED',
        '  pg        TCP       5432  -       -         -',
        '  no Services',
        '',
        'Gateway team/new',
        '  LISTENER  PROTOCOL  PORT  ROUTES  ACCEPTED  PROGRAMMED',
        '  l         TCP       80    -       -         -',
        '  no Services',
        '',
      ].join('\n'),
    );
  });

  it('limits to one namespace with -n', async () => {
    const r = await status(['-n', 'team'], await withFixture());
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      'NAMESPACE  NAME  CLASS     ADDRESSES  ACCEPTED                   PROGRAMMED  ANNOUNCED',
      'team       db    other     fd00::5    False (InvalidParameters)  -           -',
      'team       new   kube-vip  <none>     -                          -           -',
    ]);
    expect(r.out).not.toContain('echo');
  });

  it.each([['yaml'], ['json']])('prints the same view as data with -o %s', async (format) => {
    const r = await status(['-A', '-o', format], await withFixture());
    const data = (format === 'json' ? JSON.parse(r.out) : parse(r.out)) as { gateways: GatewaySummary[] };
    expect(data.gateways.map((g) => `${g.namespace}/${g.name}`)).toEqual(['echo/echo', 'team/db', 'team/new']);
    expect(data.gateways[0]).toEqual({
      namespace: 'echo',
      name: 'echo',
      className: 'kube-vip',
      addresses: ['10.0.0.1', 'echo.example.com'],
      conditions: {
        Accepted: { status: 'True', reason: 'Accepted', message: 'Accepted Accepted' },
        Programmed: { status: 'True', reason: 'Programmed', message: 'Programmed Programmed' },
        'kube-vip.io/Announced': { status: 'False', reason: 'NotAnnounced', message: 'kube-vip.io/Announced NotAnnounced' },
      },
      listeners: [
        { name: 'echo', protocol: 'TCP', port: 7, attachedRoutes: 2, conditions: { Accepted: { status: 'True', reason: 'Accepted', message: 'Accepted Accepted' }, Programmed: { status: 'True', reason: 'Programmed', message: 'Programmed Programmed' } } },
        { name: 'dns', protocol: 'UDP', port: 53, conditions: {} },
      ],
      services: [
        { name: 'kvgw-echo-dns', type: 'LoadBalancer', addresses: ['10.0.0.1'], ingress: [], ports: ['UDP/53'] },
        { name: 'kvgw-echo-echo', type: 'LoadBalancer', addresses: ['10.0.0.1'], ingress: ['10.0.0.1'], ports: ['TCP/7->7007'], vipHost: 'node-1' },
      ],
    });
  });

  it('says so on stderr when there are no Gateways', async () => {
    const r = await status(['-n', 'nothing-here'], await withFixture());
    expect(r).toEqual({ code: 0, out: '', err: 'No Gateways found in namespace nothing-here.\n' });
  });

  it('colours conditions only on a terminal without NO_COLOR', async () => {
    const deps = await withFixture();
    expect((await status([], deps, {}, true)).out).toContain('\u001b[');
    expect((await status([], deps, { NO_COLOR: '1' }, true)).out).not.toContain('\u001b[');
    expect((await status([], deps, {}, false)).out).not.toContain('\u001b[');
    expect((await status([], deps, { FORCE_COLOR: '1' }, false)).out).toContain('\u001b[');
  });

  it('fails with exit 1 when the Gateway API is not installed', async () => {
    const cluster = new MemoryCluster({ resources: [Namespace, Service, GatewayClass] });
    const r = await status([], { connect: async () => cluster });
    expect(r).toEqual({ code: 1, out: '', err: 'kvgw: list Gateways: the Gateway API CRDs are not installed on this cluster\n' });
  });

  it('fails with exit 1 when the cluster cannot be reached', async () => {
    const r = await status(['--kubeconfig', '/nowhere'], {
      connect: async (path) => {
        throw new ClusterAccessError(`load kubeconfig ${path}`, 'ENOENT');
      },
    });
    expect(r).toEqual({ code: 1, out: '', err: 'kvgw: load kubeconfig /nowhere: ENOENT\n' });
  });

  it('fails with exit 1 on a failing list, naming it', async () => {
    const cluster = await fixtureCluster();
    const broken: Client = Object.assign(Object.create(cluster) as Client, {
      list: async () => {
        throw new Error('connection refused');
      },
    });
    const r = await status([], { connect: async () => broken });
    expect(r.code).toBe(1);
    expect(r.err).toBe('kvgw: list Gateways: connection refused\n');
  });

  it('loads the real kubeconfig and reports a missing file as exit 1', async () => {
    const r = await status(['--kubeconfig', '/nonexistent/kubeconfig'], {});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^kvgw: load kubeconfig \/nonexistent\/kubeconfig: cannot load kubeconfig "\/nonexistent\/kubeconfig": /);
  }, 30_000); // the first load of @kubernetes/client-node through vitest's transform: 3-9 s on a busy 2-core machine

  it.each([
    [['-n', 'a', '-A'], /give either --namespace or --all-namespaces/],
    [['-o', 'wide'], /Allowed choices are table, yaml, json/],
    [['extra'], /too many arguments/],
  ])('rejects %j as usage (exit 2)', async (args, message) => {
    const r = await status(args, await withFixture());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('summariseGateways', () => {
  const gw = (ns: string, name: string): Gateway => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: ns }, spec: { gatewayClassName: 'c', listeners: [] } });
  const svc = (ns: string, name: string, label: string | undefined, spec: ServiceObject['spec'] = {}): ServiceObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(label ? { labels: { 'gateway.networking.k8s.io/gateway-name': label } } : {}) },
    spec,
  });

  it('matches Services by namespace and the bounded gateway-name label', () => {
    const long = 'a'.repeat(70);
    const out = summariseGateways([gw('n', long), gw('n', 'short')], [svc('n', 's1', 'short'), svc('m', 's2', 'short'), svc('n', 's3', undefined), svc('n', 's4', long), svc('n', 's5', `${'a'.repeat(54)}-hashhash`)]);
    expect(out.map((g) => [g.name.slice(0, 5), g.services.map((s) => s.name)])).toEqual([
      ['aaaaa', []],
      ['short', ['s1']],
    ]);
  });

  it.each([
    [{ type: 'LoadBalancer' as const, loadBalancerIP: '10.0.0.9' }, undefined, ['10.0.0.9']],
    [{ type: 'LoadBalancer' as const, loadBalancerIP: '10.0.0.9' }, ' 10.0.0.1 , fd00::1', ['10.0.0.1', 'fd00::1']],
    [{}, undefined, []],
  ])('takes a Service address from the annotation, else spec.loadBalancerIP (%j, %j)', (spec, annotation, expected) => {
    const s = svc('n', 's', 'g', spec);
    if (annotation) s.metadata.annotations = { 'kube-vip.io/loadbalancerIPs': annotation };
    expect(summariseGateways([gw('n', 'g')], [s])[0]!.services[0]!.addresses).toEqual(expected);
  });

  it('lists the ListenerSets naming a Gateway with their conditions and listeners, and prints them', () => {
    const cond = (type: string, status: 'True' | 'False', reason: string) => ({ type, status, reason, message: '', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const set = (ns: string, name: string, parentNs?: string): ListenerSet => ({
      metadata: { name, namespace: ns },
      spec: { parentRef: { name: 'g', ...(parentNs ? { namespace: parentNs } : {}) }, listeners: [{ name: 'pg', protocol: 'TCP', port: 5432 }] },
      status: {
        conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
        listeners: [{ name: 'pg', supportedKinds: [], attachedRoutes: 2, conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'False', 'Pending')] }],
      },
    });
    const [summary] = summariseGateways([gw('n', 'g')], [], [set('team', 'db', 'n'), set('n', 'local'), set('team', 'elsewhere')]);
    expect(summary!.listenerSets?.map((l) => `${l.namespace}/${l.name}`)).toEqual(['n/local', 'team/db']);
    expect(summary!.listenerSets?.[1]?.listeners).toEqual([{ name: 'pg', protocol: 'TCP', port: 5432, attachedRoutes: 2, conditions: { Accepted: { status: 'True', reason: 'Accepted', message: '' }, Programmed: { status: 'False', reason: 'Pending', message: '' } } }]);
    const text = formatStatus([summary!], { paint: (_: string, t: string) => t } as unknown as Parameters<typeof formatStatus>[1]);
    expect(text).toMatch(/LISTENERSET\s+LISTENER\s+PROTOCOL\s+PORT\s+ROUTES\s+ACCEPTED\s+PROGRAMMED/);
    expect(text).toMatch(/team\/db\s+True\s+True/);
    expect(text).toMatch(/pg\s+TCP\s+5432\s+2\s+True\s+False \(Pending\)/);
    // Without ListenerSets the view is as before.
    expect(summariseGateways([gw('n', 'g')], [])[0]).not.toHaveProperty('listenerSets');
  });

  it('formats ports with their target only when it differs', () => {
    const s = svc('n', 's', 'g', { ports: [{ port: 80, targetPort: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] });
    expect(summariseGateways([gw('n', 'g')], [s])[0]!.services[0]!.ports).toEqual(['TCP/80', 'TCP/443->https', 'UDP/53']);
  });
});

describe('formatCondition', () => {
  const plain = new Styler({ write: () => undefined, isTTY: false }, {});
  it.each([
    [undefined, '-'],
    [{ status: 'True', reason: 'Programmed', message: '' }, 'True'],
    [{ status: 'False', reason: 'AddressNotAssigned', message: '' }, 'False (AddressNotAssigned)'],
    [{ status: 'Unknown', reason: 'Pending', message: '' }, 'Unknown (Pending)'],
    [{ status: 'Unknown', reason: '', message: '' }, 'Unknown'],
  ])('%j -> %s', (c, text) => {
    expect(formatCondition(c, plain)).toBe(text);
  });
});

describe('hasDefaultKubeconfig', () => {
  it.each([
    [{ KUBECONFIG: '/x' }, '/nonexistent-home', true],
    [{}, '/nonexistent-home', false],
    [{ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, '/nonexistent-home', existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')],
  ])('%j with home %s -> %s', (env, home, expected) => {
    expect(hasDefaultKubeconfig(env, home)).toBe(expected);
  });

  it('makes status fail with a hint instead of trying localhost:8080', async () => {
    const r = await status([], { connect: kubeClientConnector({}, '/nonexistent-home') });
    expect(r).toEqual({ code: 1, out: '', err: 'kvgw: find a cluster: no kubeconfig: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config (kvgw local-cluster --kubeconfig <file> writes one)\n' });
  });
});

// The demo's pieces (the whole flow runs against a real control plane in test/e2e/demo.e2e.test.ts).
import { Gateway as GatewayResource, Namespace, Service as ServiceResource } from '@kube-vip-gw/controller-runtime';
import { MemoryCluster } from '@kube-vip-gw/controller-runtime/memory';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyManifests, defaultControllerBundle, defaultExamplesDir, DEMO_FIELD_MANAGER, formatServices, notProgrammed } from './demo.js';
import { DemoFailedError } from './errors.js';
import { captureIo } from './internal/capture.js';
import { loadManifests, parseManifests } from './manifests.js';
import { runCli } from './program.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

describe('notProgrammed', () => {
  const gw = (name: string, conditions?: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string }[]): Gateway => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'n' },
    spec: { gatewayClassName: 'c', listeners: [] },
    ...(conditions ? { status: { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: '' })) } } : {}),
  });
  it.each([
    [[gw('a', [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: '' }])], []],
    [[gw('a')], ['n/a: no Programmed condition yet']],
    [[gw('a', [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' }])], ['n/a: no Programmed condition yet']],
    [[gw('a', [{ type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: 'pool exhausted' }])], ['n/a: False (AddressNotAssigned): pool exhausted']],
    [[gw('a', [{ type: 'Programmed', status: 'Unknown', reason: 'Pending', message: 'waiting' }]), gw('b', [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: '' }])], ['n/a: Unknown (Pending): waiting']],
  ])('%#', (gateways, expected) => {
    expect(notProgrammed(gateways)).toEqual(expected);
  });
});

describe('formatServices', () => {
  it('lists namespace, name, type, addresses, ports and selector, sorted', () => {
    const svc = (ns: string, name: string, extra: Partial<Service> = {}): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, ...extra });
    const text = formatServices([
      svc('b', 'z', { spec: { type: 'LoadBalancer', ports: [{ port: 53, protocol: 'UDP', targetPort: 'dns' }], selector: { app: 'dns', tier: 'x' } }, metadata: { name: 'z', namespace: 'b', annotations: { 'kube-vip.io/loadbalancerIPs': '10.0.0.1' } } }),
      svc('a', 'y', { spec: { ports: [{ port: 80 }] } }),
    ]);
    expect(text).toBe(
      [
        'NAMESPACE  SERVICE  TYPE          LOADBALANCER IPS  PORTS        SELECTOR',
        'a          y        ClusterIP     -                 TCP/80->80   <none>',
        'b          z        LoadBalancer  10.0.0.1          UDP/53->dns  app=dns,tier=x',
        '',
      ].join('\n'),
    );
  });
});

describe('applyManifests', () => {
  it('server-side applies every example (one patch each), Namespaces first', async () => {
    const cluster = new MemoryCluster();
    const manifests = await loadManifests(['examples'], { cwd: REPO });
    await applyManifests(cluster, manifests);
    expect(cluster.requestCounts()).toEqual({ patch: manifests.length });
    expect((await cluster.list(GatewayResource)).items.length).toBe(manifests.filter((m) => m.object.kind === 'Gateway').length);
    expect((await cluster.get(ServiceResource, { namespace: 'echo', name: 'echo' })).metadata.name).toBe('echo');
    expect(DEMO_FIELD_MANAGER).toBe('kvgw-demo');
  });

  it('names the file and document of an object the server refuses', async () => {
    const cluster = new MemoryCluster({ resources: [Namespace, ServiceResource] });
    const manifests = parseManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: k}\nspec: {controllerName: a.b/c}\n', 'x.yaml');
    const error = await applyManifests(cluster, manifests).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DemoFailedError);
    expect((error as Error).message).toMatch(/^demo: apply: x\.yaml document 2: /);
  });
});

describe('kvgw demo', () => {
  it('finds the controller bundle and the examples of the workspace', () => {
    expect(defaultControllerBundle()).toBe(path.join(REPO, 'apps/controller/dist/gateway-api-controller.js'));
    expect(defaultExamplesDir(REPO)).toBe(path.join(REPO, 'examples'));
    expect(defaultExamplesDir('/')).toBe(path.join(REPO, 'examples'));
  });

  it('fails with exit 1 before starting anything when the controller bundle is missing', async () => {
    const io = captureIo({ cwd: REPO });
    let started = false;
    const code = await runCli(['demo', '--controller', 'no/such/controller.js'], io, {
      runLocalCluster: async () => {
        started = true;
      },
    });
    expect(code).toBe(1);
    expect(started).toBe(false);
    expect(io.err()).toBe(`kvgw: demo: find the controller: ${path.join(REPO, 'no/such/controller.js')} does not exist; run "npm run build" first\n`);
  });

  it('fails with exit 1 on examples that do not load, before starting anything', async () => {
    const io = captureIo({ cwd: REPO });
    const controller = path.join(REPO, 'package.json'); // any existing file: the check is for existence
    expect(existsSync(controller)).toBe(true);
    const code = await runCli(['demo', '--controller', controller, '--examples', 'no-such-dir'], io, { runLocalCluster: async () => undefined });
    expect(code).toBe(1);
    expect(io.err()).toMatch(/^\[demo\] no data plane: --examples given: /);
    expect(io.err().split('\n').at(-2)).toBe(`kvgw: ${path.join(REPO, 'no-such-dir')}: no such file or directory`);
  });
});

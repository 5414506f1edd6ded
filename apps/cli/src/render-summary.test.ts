// The Gateway summary of `kvgw render` on input with problems, through the controller's real offline reconciler: a
// refused cross-namespace backend, a route naming a listener that does not exist, a listener of an unsupported
// protocol, a Gateway of a GatewayClass nobody serves, and a Gateway whose routes are all fine.
import { describe, expect, it } from 'vitest';
import { captureIo } from './internal/capture.js';
import { Styler } from './io.js';
import { parseManifests } from './manifests.js';
import { defaultRenderOffline, runCli } from './program.js';
import { renderManifests } from './render.js';
import { formatRenderSummary, formatRenderTable, summariseRender } from './render-summary.js';

const INPUT = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kube-vip}
spec: {controllerName: kube-vip.io/controller}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kubevip, namespace: kube-system}
data: {range-global: 10.0.0.10-10.0.0.19}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: backends}
spec: {ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: kube-vip
  listeners:
  - {name: web, protocol: TCP, port: 80}
  - {name: db, protocol: TCP, port: 5432}
  - {name: site, protocol: HTTP, port: 8080}
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: web, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: web}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: db, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: db}]
  rules: [{backendRefs: [{name: db, namespace: backends, port: 5432}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: lost, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: nosuch}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: fine, namespace: apps}
spec:
  gatewayClassName: kube-vip
  listeners: [{name: udp, protocol: UDP, port: 53}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: apps}
spec:
  gatewayClassName: someone-else
  listeners: [{name: t, protocol: TCP, port: 1}]
`;

describe('the render summary on problems', () => {
  it('names each condition not in its good state, where it is, and nothing about kube-vip.io/Announced', async () => {
    const out = await renderManifests(parseManifests(INPUT, 'in.yaml'), { format: 'yaml' }, defaultRenderOffline);
    const gateways = summariseRender(out.list.items);
    const text = formatRenderSummary(gateways, { objects: out.list.items.length, manifests: 10, passes: out.iterations });
    await expect(text).toMatchFileSnapshot('../test/snapshots/render-problems.summary.txt');
    await expect(formatRenderTable(gateways, new Styler({ write: () => undefined }, {}))).toMatchFileSnapshot('../test/snapshots/render-problems.table.txt');
    const gw = gateways.find((g) => g.name === 'gw')!;
    // db is attached (Accepted) though its backend is refused (ResolvedRefs False), as the Gateway API has it; lost is not.
    expect(gw.routes).toEqual(['TCPRoute apps/db', 'TCPRoute apps/web']);
    expect(gw.problems.some((p) => p.startsWith('TCPRoute apps/db (db): ResolvedRefs False (RefNotPermitted)'))).toBe(true);
    expect(gw.problems.some((p) => p.startsWith('TCPRoute apps/lost (nosuch): Accepted False'))).toBe(true);
    expect(gw.problems.some((p) => p.startsWith('listener site: '))).toBe(true);
    expect(gateways.find((g) => g.name === 'fine')!.problems).toEqual([]);
    // The Gateway of a class nobody serves here: never reconciled, so no conditions, no address.
    expect(gateways.find((g) => g.name === 'other')).toMatchObject({ className: 'someone-else', addresses: [], problems: [] });
    expect(text).not.toContain('Announced');
  });

  it('an empty render says there are no Gateways', async () => {
    const io = captureIo();
    expect(await runCli(['render', '-f', '-', '-o', 'table'], { ...io, readStdin: async () => 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' })).toBe(0);
    expect(io.out()).toBe('No Gateways in the rendered objects.\n');
  });
});

// Changes to Gateways and routes on a real data plane, and what kube-vip v1.0.0 does with them. Each test asserts
// traffic (an answer from the echo backend, or none) and where the address is (node interfaces, ARP/NDP answers).
// Tests named "kube-vip v1.0.0:" pin kube-vip's own behaviour, not the controller's: when one fails after a kube-vip
// upgrade, the finding (and the workaround in docs/dataplane.md) needs revisiting.
import { describe, expect, it } from 'vitest';
import type { Service } from '@kube-vip-gw/gateway-model';
import { CLIENT_V4 } from '@kube-vip-gw/dataplane';
import { R } from '../../e2e/support/kube-rest.js';
import { gateway, route, tcp } from '../../e2e/support/objects.js';
import { reads } from '../../e2e/support/reads.js';
import { eventually, waitFor } from '@kube-vip-gw/test-support';
import { describeProbe, type DataPlaneEnvironment } from '../support/environment.js';

export function lifecycleScenarios(env: () => DataPlaneEnvironment): void {
  describe('data plane: lifecycle', () => {
    const { servicesOf } = reads(() => env().e2e);

    /** Namespace + backend `be` (TCP 9000) + Gateway `gw` with listener `t` on `port` + TCPRoute `tr`; returns the address. */
    async function served(prefix: string, port: number, extra: { parameters?: Record<string, string>; annotations?: Record<string, string>; probe?: boolean } = {}) {
      const { admin, newNamespace, backend } = env();
      const ns = await newNamespace(prefix);
      await backend(ns.name, 'be', 9000, { protocols: ['TCP'] });
      if (extra.parameters) await admin.create(R.ConfigMap, { metadata: { namespace: ns.name, name: 'params' }, data: extra.parameters });
      const createGateway = () => admin.create(R.Gateway, gateway(ns.name, 'gw', [tcp('t', port)], extra.parameters ? { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } } } : {}));
      // The Gateway first, then its route, also with a per-route strategy (the Gateway Service of the route-less
      // listener hands over to the route's Service once kube-vip has written the status of both).
      await createGateway();
      await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be', port: 9000 }], extra.annotations ? { annotations: extra.annotations } : {}));
      const [address] = (await env().gatewayAddresses(ns.name, 'gw')) as [string];
      if (extra.probe !== false) {
        const first = await env().expectServes('tcp', address, port, 9000);
        expect(first.ok, `first connection: ${describeProbe(first)}`).toBe(true);
      }
      return { ns: ns.name, address };
    }

    it('externalTrafficPolicy Local: the backend sees the client\u2019s own address', async () => {
      const { address } = await served('etp-local', 80, { parameters: { externalTrafficPolicy: 'Local' } });
      const r = await env().dataPlane.probe('tcp', address, 80);
      expect(r.ok && r.reply.peer, describeProbe(r)).toBe(CLIENT_V4);
    });

    it('externalTrafficPolicy Cluster (the default): the backend sees the node, not the client', async () => {
      const { address } = await served('etp-cluster', 80);
      const r = await env().dataPlane.probe('tcp', address, 80);
      expect(r.ok && r.reply.peer, describeProbe(r)).toBe('10.78.0.11');
    });

    it('a listener\u2019s port changes: the new port serves, the old one is refused', async () => {
      const { ns, address } = await served('port-change', 80);
      await env().admin.patch(R.Gateway, { namespace: ns, name: 'gw' }, { spec: { listeners: [tcp('t', 81)] } });
      const now = await env().expectServes('tcp', address, 81, 9000);
      expect(now.ok, `new port 81: ${describeProbe(now)}`).toBe(true);
      const old = await env().expectRefused('tcp', address, 80, 15_000);
      expect(old.ok, `old port 80: ${describeProbe(old)}`).toBe(false);
      // Same address, same node: a port change never moves it.
      expect(env().dataPlane.vipHolders(address)).toEqual(['node1']);
    });

    it('kube-vip v1.0.0: status.loadBalancer.ingress[].ports stay at the old port after a port change (spec and kube-proxy follow)', async () => {
      const { ns, address } = await served('stale-ports', 82);
      const before = await waitFor('kube-vip to write ingress ports', async () => {
        const svc = (await servicesOf(ns, 'gw'))[0];
        return svc?.status?.loadBalancer?.ingress?.[0]?.ports?.length ? svc : undefined;
      });
      expect(before.status?.loadBalancer?.ingress?.[0]?.ports?.map((p) => p.port)).toEqual([82]);
      await env().admin.patch(R.Gateway, { namespace: ns, name: 'gw' }, { spec: { listeners: [tcp('t', 83)] } });
      const now = await env().expectServes('tcp', address, 83, 9000);
      expect(now.ok, describeProbe(now)).toBe(true);
      const after = (await servicesOf(ns, 'gw'))[0] as Service;
      expect(after.spec?.ports?.map((p) => p.port)).toEqual([83]);
      // The finding: kube-vip does not rewrite ingress when only ports change. Consumers must read spec.ports.
      expect(after.status?.loadBalancer?.ingress?.[0]?.ports?.map((p) => p.port)).toEqual([82]);
    });

    it('a route detaches: connections are refused', async () => {
      const { ns, address } = await served('detach', 80);
      await env().admin.patch(R.TCPRoute, { namespace: ns, name: 'tr' }, { spec: { parentRefs: [{ name: 'no-such-gateway' }] } });
      const r = await env().expectRefused('tcp', address, 80, 20_000);
      expect(r.ok, describeProbe(r)).toBe(false);
      for (let i = 0; i < 3; i += 1) {
        const again = await env().dataPlane.probe('tcp', address, 80, { timeoutMs: 800 });
        expect(again.ok, describeProbe(again)).toBe(false);
      }
    });

    it('the Gateway is deleted: the address leaves the node\u2019s interface and stops answering ARP', async () => {
      const { ns, address } = await served('delete', 80);
      expect(env().dataPlane.vipHolders(address)).toEqual(['node1']);
      expect(await env().dataPlane.arpAnswerer(address)).toBe('node1');
      await env().admin.delete(R.Gateway, { namespace: ns, name: 'gw' });
      await eventually(() => expect(env().dataPlane.vipHolders(address)).toEqual([]), 30_000);
      expect(await env().dataPlane.arpAnswerer(address)).toBeUndefined();
      const r = await env().dataPlane.probe('tcp', address, 80, { timeoutMs: 1_000 });
      expect(r.ok, describeProbe(r)).toBe(false);
    });

    describe('update give-back', () => {
      it('a detached update route: the address leaves the node\u2019s interface and stops answering, and the user\u2019s Service is exactly as before and works', async () => {
        // update for the whole Gateway, so the listener left without a route gets no Service of its own (the
        // default would put its port on the Gateway Service, which rightly keeps the address announced).
        const { admin, newNamespace, backend } = env();
        const ns = (await newNamespace('giveback')).name;
        await backend(ns, 'be', 9000, { protocols: ['TCP'] });
        const before = await admin.get<Service>(R.Service, { namespace: ns, name: 'be' });
        await admin.create(R.ConfigMap, { metadata: { namespace: ns, name: 'params' }, data: { serviceBehaviour: 'update' } });
        await admin.create(R.Gateway, gateway(ns, 'gw', [tcp('t', 80)], { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } } }));
        await admin.create(R.TCPRoute, route('TCPRoute', ns, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be', port: 9000 }]));
        const [address] = (await env().gatewayAddresses(ns, 'gw')) as [string];
        const adopted = await waitFor('the adopted Service to carry port 80 and be announced', async () => {
          const s = await env().admin.get<Service>(R.Service, { namespace: ns, name: 'be' });
          return s.spec?.type === 'LoadBalancer' && s.spec.ports?.some((p) => p.port === 80) && s.metadata.annotations?.['kube-vip.io/vipHost'] ? s : undefined;
        });
        await env().endpointsFor(adopted, 9000);
        const via = await env().expectServes('tcp', address, 80, 9000);
        expect(via.ok, describeProbe(via)).toBe(true);
        expect(env().dataPlane.vipHolders(address)).toEqual(['node1']);

        // Give back: the route goes away. The controller first empties kube-vip.io/loadbalancerIPs (kube-vip
        // withdraws the address), then restores the Service.
        await env().admin.delete(R.TCPRoute, { namespace: ns, name: 'tr' });
        const restored = await waitFor('the Service to be given back', async () => {
          const s = await env().admin.get<Service>(R.Service, { namespace: ns, name: 'be' });
          return s.metadata.annotations?.['gateway.kube-vip.io/update-record'] === undefined ? s : undefined;
        }, 30_000);
        // Exactly what the user had: no label, annotation (kube-vip.io/vipHost included) or port of ours is left.
        expect(restored.spec?.type).toBe(before.spec?.type);
        expect(restored.spec?.ports).toEqual(before.spec?.ports);
        expect(restored.metadata.labels).toEqual(before.metadata.labels);
        expect(restored.metadata.annotations).toEqual(before.metadata.annotations);
        expect(restored.spec?.allocateLoadBalancerNodePorts).toBe(before.spec?.allocateLoadBalancerNodePorts);

        // The address leaves node1 (no kube-vip restart) and nothing answers for it any more.
        await eventually(() => expect(env().dataPlane.vipHolders(address)).toEqual([]), 20_000);
        expect(await env().dataPlane.arpAnswerer(address)).toBeUndefined();
        const gone = await env().dataPlane.probe('tcp', address, 80, { timeoutMs: 1_000 });
        expect(gone.ok, describeProbe(gone)).toBe(false);
        // It stays gone (kube-vip saw the withdrawal before the type change, so nothing re-adds it).
        await new Promise((r) => setTimeout(r, 3_000));
        expect(env().dataPlane.vipHolders(address)).toEqual([]);
        expect(env().dataPlane.kubeVipRunning('node1')).toBe(true);

        // Works as before: its ClusterIP answers (the client reaches the Service CIDR through node1, as a Pod would).
        const clusterIp = restored.spec?.clusterIP as string;
        const own = await env().expectServes('tcp', clusterIp, 9000, 9000);
        expect(own.ok, `ClusterIP ${clusterIp}: ${describeProbe(own)}`).toBe(true);
      });

      /** A plain LoadBalancer Service `lb` (port 80 to the backend's 9000) on `address`, and proof that it serves. */
      async function servedPlainLoadBalancer(namespace: string, address: string): Promise<void> {
        const { admin } = env();
        await admin.create(R.Service, {
          metadata: { namespace, name: 'lb', annotations: { 'kube-vip.io/loadbalancerIPs': address } },
          spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ name: 'tcp', protocol: 'TCP', port: 80, targetPort: 9000 }] },
        } as Service);
        await env().endpointsFor(await admin.get<Service>(R.Service, { namespace, name: 'lb' }), 9000);
        const on = await env().expectServes('tcp', address, 80, 9000);
        expect(on.ok, describeProbe(on)).toBe(true);
      }

      it('kube-vip v1.0.0: a LoadBalancer Service turned straight into ClusterIP keeps its address on the node, answering ARP, until kube-vip restarts', async () => {
        const { admin, newNamespace, backend } = env();
        const ns = await newNamespace('to-clusterip');
        await backend(ns.name, 'be', 9000, { protocols: ['TCP'] });
        const address = ns.v4[0]!;
        await servedPlainLoadBalancer(ns.name, address);
        // What the give-back did before it withdrew first: one write, straight to ClusterIP.
        await admin.patch(R.Service, { namespace: ns.name, name: 'lb' }, { spec: { type: 'ClusterIP', allocateLoadBalancerNodePorts: null } });
        // The finding: kube-vip v1.0.0 ignores every event of a Service that is not type LoadBalancer, so the address
        // it announced stays on node1's interface and keeps answering ARP.
        await new Promise((r) => setTimeout(r, 3_000));
        expect(env().dataPlane.vipHolders(address), 'kube-vip v1.0.0 keeps the VIP of a Service turned ClusterIP').toEqual(['node1']);
        expect(await env().dataPlane.arpAnswerer(address)).toBe('node1');
        // What withdraws it then: the Service made a LoadBalancer again (kube-vip handles its events once more) and
        // deleted. A kube-vip restart also drops it, but not reliably: v1.0.0's SIGTERM cleanup races ("fatal error:
        // concurrent map writes" in arp.(*Manager).Remove, seen in this suite) and can exit leaving VIPs behind.
        await admin.patch(R.Service, { namespace: ns.name, name: 'lb' }, { spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false } });
        await new Promise((r) => setTimeout(r, 1_000));
        await admin.delete(R.Service, { namespace: ns.name, name: 'lb' });
        await eventually(() => expect(env().dataPlane.vipHolders(address)).toEqual([]), 20_000);
        expect(await env().dataPlane.arpAnswerer(address)).toBeUndefined();
      });

      it('kube-vip v1.0.0: emptying kube-vip.io/loadbalancerIPs while the Service is still a LoadBalancer withdraws the address', async () => {
        const { admin, newNamespace, backend } = env();
        const ns = await newNamespace('withdraw');
        await backend(ns.name, 'be', 9000, { protocols: ['TCP'] });
        const address = ns.v4[0]!;
        // A plain LoadBalancer Service, as the give-back's first step would leave it.
        await servedPlainLoadBalancer(ns.name, address);
        await admin.patch(R.Service, { namespace: ns.name, name: 'lb' }, { metadata: { annotations: { 'kube-vip.io/loadbalancerIPs': '' } } });
        await eventually(() => expect(env().dataPlane.vipHolders(address)).toEqual([]), 20_000);
        expect(await env().dataPlane.arpAnswerer(address)).toBeUndefined();
        // kube-vip keeps running (it logs "error adding service ...: lookup : no such host" for the empty address).
        expect(env().dataPlane.kubeVipRunning('node1')).toBe(true);
        await admin.delete(R.Service, { namespace: ns.name, name: 'lb' });
      });
    });
  });
}

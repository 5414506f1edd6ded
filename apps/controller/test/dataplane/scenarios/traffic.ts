// Traffic through Gateways on a real data plane: kube-vip announces each Gateway's address on the node namespace's
// `lan`, kube-proxy forwards it to the echo backend, and the client namespace (which has no route to the backends)
// gets the answer. Every assertion is an answer from the backend, or a refusal: none reads only status.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LAN_V4_PREFIX } from '@kube-vip-gw/dataplane';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { gatewayServiceName, kubeVipSettled } from '@kube-vip-gw/service-mapper';
import { R } from '../../e2e/support/kube-rest.js';
import { gateway, referenceGrant, route, tcp, udp } from '../../e2e/support/objects.js';
import { reads } from '../../e2e/support/reads.js';
import { waitFor } from '@kube-vip-gw/test-support';
import { describeProbe, familyParameters, type DataPlaneEnvironment } from '../support/environment.js';

/** The custom strategy module the controller must be started with (`--strategy-module`) for the custom-strategy test. */
export const STICKY_MODULE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sticky-strategy.mjs');

/** A watch of every Service: the DELETED events (each object as it was last), and a wait for one to be ADDED. */
async function watchServices(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const deleted: Service[] = [];
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  let failure: unknown;
  const abort = await new Watch(kc).watch(
    '/api/v1/services',
    {},
    (type: string, obj: Service) => {
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      if (type === 'ADDED') {
        seen.add(key);
        waiting.get(key)?.();
      }
      if (type === 'DELETED') deleted.push(obj);
    },
    (err: unknown) => {
      if (err && (err as { name?: string }).name !== 'AbortError') failure = err;
    },
  );
  await new Promise((r) => setTimeout(r, 300)); // the watch is established
  return {
    deleted,
    /** Resolves as soon as the watch shows `namespace/name` created (or rejects after `timeoutMs`). */
    added(namespace: string, name: string, timeoutMs = 20_000): Promise<void> {
      const key = `${namespace}/${name}`;
      if (seen.has(key)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Service ${key} was not created within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(key, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    stop(): void {
      abort.abort();
      if (failure) throw new Error(`the Service watch failed: ${String(failure)}`);
    },
  };
}

/** kube-vip's "synchronised in" figures (ms) in a piece of its log, by namespace/name of the Service. */
function kubeVipSyncTimes(log: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of log.split('\n')) {
    const ms = /synchronised in"?=(\d+)ms/.exec(line)?.[1];
    const name = /service=(\S+)/.exec(line)?.[1];
    const namespace = /namespace=(\S+)/.exec(line)?.[1];
    if (ms && name) out.set(`${namespace}/${name}`, Number(ms));
  }
  return out;
}

export function trafficScenarios(env: () => DataPlaneEnvironment): void {
  describe('data plane: traffic', () => {
    const { servicesOf } = reads(() => env().e2e);

    describe('through a Gateway (kube-vip + kube-proxy)', () => {

      /** A Gateway with the given families, a TCP listener on `tcpPort` and a UDP one on `udpPort`, each routed to its backend. */
      async function tcpAndUdpGateway(families: 'IPv4' | 'IPv6' | 'IPv4,IPv6', tcpPort: number, udpPort: number) {
        const { admin, newNamespace, backend } = env();
        const ns = await newNamespace('traffic');
        await admin.create(R.ConfigMap, familyParameters(ns.name, 'families', families));
        await backend(ns.name, 'be-tcp', 9000, { protocols: ['TCP'] });
        await backend(ns.name, 'be-udp', 9001, { protocols: ['UDP'] });
        const gw: Gateway = gateway(ns.name, 'gw', [tcp('t', tcpPort), udp('u', udpPort)], {
          infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'families' } },
        });
        await admin.create(R.Gateway, gw);
        await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be-tcp', port: 9000 }]));
        await admin.create(R.UDPRoute, route('UDPRoute', ns.name, 'ur', [{ name: 'gw', sectionName: 'u' }], [{ name: 'be-udp', port: 9001 }]));
        return { ns, addresses: await env().gatewayAddresses(ns.name, 'gw', families === 'IPv4,IPv6' ? 2 : 1) };
      }

      it('carries TCP and UDP on an IPv4 Gateway', async () => {
        const { ns, addresses } = await tcpAndUdpGateway('IPv4', 80, 53);
        expect(addresses).toHaveLength(1);
        const [v4] = addresses as [string];
        expect(ns.v4).toContain(v4);
        const t = await env().expectServes('tcp', v4, 80, 9000);
        expect(t.ok, describeProbe(t)).toBe(true);
        const u = await env().expectServes('udp', v4, 53, 9001);
        expect(u.ok, describeProbe(u)).toBe(true);
        // Cluster traffic policy: kube-proxy masquerades, so the backend sees node1's backend-side address.
        if (t.ok) expect(t.reply.peer).toBe('10.78.0.11');
        expect(env().dataPlane.vipHolders(v4)).toEqual(['node1']);
        expect(await env().dataPlane.arpAnswerer(v4)).toBe('node1');
      });

      it('carries TCP and UDP on an IPv6 Gateway (NDP)', async () => {
        const { ns, addresses } = await tcpAndUdpGateway('IPv6', 80, 53);
        const [v6] = addresses as [string];
        expect(ns.v6).toContain(v6);
        const t = await env().expectServes('tcp', v6, 80, 9000);
        expect(t.ok, describeProbe(t)).toBe(true);
        const u = await env().expectServes('udp', v6, 53, 9001);
        expect(u.ok, describeProbe(u)).toBe(true);
        expect(env().dataPlane.vipHolders(v6)).toEqual(['node1']);
        expect(await env().dataPlane.arpAnswerer(v6)).toBe('node1');
      });

      it('carries TCP and UDP on both addresses of a dual-stack Gateway', async () => {
        const { ns, addresses } = await tcpAndUdpGateway('IPv4,IPv6', 80, 53);
        expect(addresses).toHaveLength(2);
        const [v4, v6] = addresses as [string, string];
        expect(ns.v4).toContain(v4);
        expect(ns.v6).toContain(v6);
        for (const address of [v4, v6]) {
          const t = await env().expectServes('tcp', address, 80, 9000);
          expect(t.ok, `tcp ${address}: ${describeProbe(t)}`).toBe(true);
          const u = await env().expectServes('udp', address, 53, 9001);
          expect(u.ok, `udp ${address}: ${describeProbe(u)}`).toBe(true);
        }
      });

      it('carries TCP and UDP on the same port to different backends', async () => {
        const { admin, newNamespace, backend } = env();
        const ns = await newNamespace('sameport');
        await backend(ns.name, 'be-tcp', 9002, { protocols: ['TCP'] });
        await backend(ns.name, 'be-udp', 9003, { protocols: ['UDP'] });
        await admin.create(R.Gateway, gateway(ns.name, 'gw', [tcp('t', 5353), udp('u', 5353)]));
        await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be-tcp', port: 9002 }]));
        await admin.create(R.UDPRoute, route('UDPRoute', ns.name, 'ur', [{ name: 'gw', sectionName: 'u' }], [{ name: 'be-udp', port: 9003 }]));
        const [address] = (await env().gatewayAddresses(ns.name, 'gw')) as [string];
        const t = await env().expectServes('tcp', address, 5353, 9002);
        expect(t.ok && t.reply, describeProbe(t)).toMatchObject({ proto: 'tcp', port: 9002 });
        const u = await env().expectServes('udp', address, 5353, 9003);
        expect(u.ok && u.reply, describeProbe(u)).toMatchObject({ proto: 'udp', port: 9003 });
      });
    });

    describe('every Service strategy carries traffic', () => {
      /** The one Service the controller made (or adopted) for Gateway `gw` of `namespace`, once it exists. */
      // The Gateway's one Service once the hand-over is over: the Gateway Service for the default; for a per-route
      // strategy its own Service, and only once the Gateway Service that carried the route-less listener before the
      // route attached is gone (picking that one, and giving it the endpoints, would test the wrong Service).
      const serviceOf = (namespace: string, gw = 'gw', { gatewayService = false } = {}): Promise<Service> =>
        waitFor(`the ${gatewayService ? 'Gateway Service' : 'per-route Service'} of Gateway ${namespace}/${gw}`, async () => {
          const all = await servicesOf(namespace, gw);
          const [only] = all;
          if (all.length !== 1 || only === undefined) return undefined;
          return (only.metadata.name === gatewayServiceName(namespace, gw)) === gatewayService ? only : undefined;
        }, 30_000);

      /** A Gateway with one TCP listener on 7000, then at once a TCPRoute to `backendName:port` with `annotations`. */
      async function routedGateway(namespace: string, backendName: string, port: number, annotations: Record<string, string>, backendNamespace?: string) {
        const { admin } = env();
        // The Gateway first, the route right after: with a per-route strategy the Gateway Service made for the route-less
        // listener hands over to the route's Service (it goes once kube-vip has written the status of both).
        await admin.create(R.Gateway, gateway(namespace, 'gw', [tcp('t', 7000)]));
        await admin.create(R.TCPRoute, route('TCPRoute', namespace, 'tr', [{ name: 'gw' }], [{ name: backendName, port, ...(backendNamespace ? { namespace: backendNamespace } : {}) }], { annotations }));
        return (await env().gatewayAddresses(namespace, 'gw'))[0]!;
      }

      it('default (auto -> endpoints for a selector-less backend)', async () => {
        const ns = await env().newNamespace('auto');
        await env().backend(ns.name, 'be', 9004, { protocols: ['TCP'] });
        const address = await routedGateway(ns.name, 'be', 9004, {});
        const r = await env().expectServes('tcp', address, 7000, 9004);
        expect(r.ok, describeProbe(r)).toBe(true);
        expect((await serviceOf(ns.name, 'gw', { gatewayService: true })).spec?.selector).toBeUndefined();
      });

      it('endpoints', async () => {
        const ns = await env().newNamespace('endpoints');
        await env().backend(ns.name, 'be', 9004, { protocols: ['TCP'] });
        const address = await routedGateway(ns.name, 'be', 9004, { 'kube-vip.io/service-behaviour': 'endpoints' });
        const r = await env().expectServes('tcp', address, 7000, 9004);
        expect(r.ok, describeProbe(r)).toBe(true);
      });

      // duplicate, create and the custom strategy make a Service with a selector: kube-controller-manager (which does not
      // run here) would write its EndpointSlice from the Pods; the test writes it, pointing at the echo backend.
      it('duplicate', async () => {
        const ns = await env().newNamespace('duplicate');
        await env().backend(ns.name, 'be', 9005, { protocols: ['TCP'], selector: { app: 'echo' } });
        const address = await routedGateway(ns.name, 'be', 9005, { 'kube-vip.io/service-behaviour': 'duplicate' });
        const svc = await serviceOf(ns.name);
        expect(svc.spec?.selector).toEqual({ app: 'echo' });
        await env().endpointsFor(svc, 9005);
        const r = await env().expectServes('tcp', address, 7000, 9005);
        expect(r.ok, describeProbe(r)).toBe(true);
      });

      it('create (selector from the route)', async () => {
        const ns = await env().newNamespace('create');
        await env().backend(ns.name, 'be', 9005, { protocols: ['TCP'], selector: { app: 'echo' } });
        const address = await routedGateway(ns.name, 'be', 9005, { 'kube-vip.io/service-behaviour': 'create', 'kube-vip.io/route-selector': 'app=echo-create' });
        const svc = await serviceOf(ns.name);
        expect(svc.spec?.selector).toEqual({ app: 'echo-create' });
        await env().endpointsFor(svc, 9005);
        const r = await env().expectServes('tcp', address, 7000, 9005);
        expect(r.ok, describeProbe(r)).toBe(true);
      });

      it('update (the user\u2019s Service becomes the LoadBalancer)', async () => {
        const ns = await env().newNamespace('update');
        await env().backend(ns.name, 'be', 9006, { protocols: ['TCP'] });
        const address = await routedGateway(ns.name, 'be', 9006, { 'kube-vip.io/service-behaviour': 'update' });
        const svc = await waitFor('the listener port on the adopted Service', async () => {
          const s = (await servicesOf(ns.name, 'gw'))[0];
          return s?.spec?.type === 'LoadBalancer' && s.spec.ports?.some((p) => p.port === 7000) ? s : undefined;
        }, 30_000);
        expect(svc.metadata.name).toBe('be');
        // The backend is selector-less: its owner (here the test) keeps its EndpointSlices' ports in line with the Service's.
        await env().endpointsFor(svc, 9006);
        const r = await env().expectServes('tcp', address, 7000, 9006);
        // The user's own port still works as before (from the client, through the same address: it is a LoadBalancer now).
        const own = await env().expectServes('tcp', address, 9006, 9006);
        expect(own.ok, describeProbe(own)).toBe(true);
        expect(r.ok, describeProbe(r)).toBe(true);
      });

      it('a custom strategy from --strategy-module', async () => {
        const ns = await env().newNamespace('custom');
        await env().backend(ns.name, 'be', 9007, { protocols: ['TCP'], selector: { app: 'echo' } });
        const address = await routedGateway(ns.name, 'be', 9007, { 'kube-vip.io/service-behaviour': 'sticky' });
        const svc = await serviceOf(ns.name);
        expect(svc.spec?.sessionAffinity).toBe('ClientIP');
        await env().endpointsFor(svc, 9007);
        const r = await env().expectServes('tcp', address, 7000, 9007);
        expect(r.ok, describeProbe(r)).toBe(true);
      });

      // kube-vip v1.0.0 writes a new Service's status in Processor.updateStatus (pkg/services/services.go), inside its one
      // Service watch loop, and retries every error there 3,000 times 10 ms apart: a Service deleted under it (409
      // "StorageError: invalid object", then NotFound) stalled it about 70 s, announcing nothing else. A per-route
      // route attaching right after its Gateway used to do just that to the Gateway Service of the route-less listener
      // (deleted ~0.3 s after it was made). Three Gateways in a row, each routed at once: every Service of theirs that
      // goes has had its status written by kube-vip first, kube-vip logs no failed update, and each route serves within
      // seconds, not after a stall.
      /** Plain LoadBalancer Services on 10.77.0.240-245 (no namespace's pool) for kube-vip to take up; removed once it has. */
      async function busyKubeVip(namespace: string, count = 6) {
        const { admin } = env();
        const names = Array.from({ length: count }, (_, i) => `busy-${i}`);
        for (const [i, name] of names.entries())
          await admin.create(R.Service, {
            metadata: { namespace, name, annotations: { 'kube-vip.io/loadbalancerIPs': `${LAN_V4_PREFIX}.${240 + i}` } },
            spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ name: 'p', protocol: 'TCP', port: 1 }] },
          } as Service);
        return {
          async remove() {
            // Deleted only once kube-vip wrote their status, or the test would stall kube-vip itself.
            for (const name of names) {
              await waitFor(`kube-vip's status on ${namespace}/${name}`, async () => kubeVipSettled(await admin.get<Service>(R.Service, { namespace, name })), 60_000);
              await admin.delete(R.Service, { namespace, name });
            }
          },
        };
      }

      it('routes with a per-route strategy attaching right after their Gateways: served within seconds, and no Service is deleted before kube-vip wrote its status', async () => {
        const { admin, newNamespace, backend, dataPlane } = env();
        const logFrom = dataPlane.kubeVipLog('node1').length;
        const namespaces: string[] = [];
        const served: string[] = [];
        const watch = await watchServices(env().e2e.plane.kubeconfig);
        try {
          for (const prefix of ['late-a', 'late-b', 'late-c']) {
            const ns = await newNamespace(prefix);
            namespaces.push(ns.name);
            await backend(ns.name, 'be', 9004, { protocols: ['TCP'] });
            // kube-vip takes Services up one at a time (~0.1-0.6 s each here): with a few plain LoadBalancer Services
            // ahead of it, the Gateway Service waits in its queue while the route attaches, as on a busy cluster.
            const busy = await busyKubeVip(ns.name);
            await admin.create(R.Gateway, gateway(ns.name, 'gw', [tcp('t', 7000)]));
            // The route the moment the Gateway Service of the route-less listener exists: kube-vip is taking it up now.
            await watch.added(ns.name, gatewayServiceName(ns.name, 'gw'));
            const at = Date.now();
            await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw' }], [{ name: 'be', port: 9004 }], { annotations: { 'kube-vip.io/service-behaviour': 'endpoints' } }));
            const [address] = (await env().gatewayAddresses(ns.name, 'gw')) as [string];
            const r = await env().expectServes('tcp', address, 7000, 9004, 20_000);
            expect(r.ok, `${ns.name}: ${describeProbe(r)}`).toBe(true);
            served.push(`${Date.now() - at} ms`);
            // The hand-over's end: only the route's Service is left.
            await serviceOf(ns.name);
            await busy.remove();
          }
        } finally {
          watch.stop();
        }
        const ours = watch.deleted.filter((d) => namespaces.includes(d.metadata.namespace ?? '') && !d.metadata.name.startsWith('busy-'));
        const log = dataPlane.kubeVipLog('node1').slice(logFrom);
        const syncs = new Map([...kubeVipSyncTimes(log)].filter(([n]) => !n.includes('/busy-')));
        console.error(`[dataplane] late routes: served ${served.join(', ')} after the route; deleted ${ours.map((d) => `${d.metadata.name} (status ${kubeVipSettled(d) ? 'written' : 'NOT written'})`).join(', ')}; kube-vip synchronised in ${[...syncs].map(([n, ms]) => `${n} ${ms} ms`).join(', ')}`);
        // Each Gateway Service of a route-less listener was handed over and deleted, and only after kube-vip wrote its status.
        expect(ours.map((d) => d.metadata.name).sort()).toEqual(namespaces.map((ns) => gatewayServiceName(ns, 'gw')).sort());
        expect(ours.filter((d) => !kubeVipSettled(d)).map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual([]);
        // kube-vip's trace of the stall: a Service it never finishes ("synchronised in" missing: a deleted Service's Get
        // fails silently at every retry), or a failed update ("updating Spec" / "updating Service" errors).
        expect([...syncs.keys()].sort()).toEqual(namespaces.flatMap((ns) => [`${ns}/${gatewayServiceName(ns, 'gw')}`, `${ns}/kvgw-gw-t`]).sort());
        for (const [name, ms] of syncs) expect(ms, `kube-vip synchronised ${name} in ${ms} ms`).toBeLessThan(5_000);
        expect(log.split('\n').filter((l) => /updating (Spec|Service)/.test(l))).toEqual([]);
      });

      it('a backend in another namespace: served with a ReferenceGrant, refused without', async () => {
        const { admin, newNamespace, backend } = env();
        const granted = await newNamespace('xns-gw');
        const backends = await newNamespace('xns-be');
        await backend(backends.name, 'be', 9008, { protocols: ['TCP'] });
        await admin.create(R.ReferenceGrant, referenceGrant(backends.name, 'grant', granted.name));
        const address = await routedGateway(granted.name, 'be', 9008, {}, backends.name);
        const r = await env().expectServes('tcp', address, 7000, 9008);
        expect(r.ok, describeProbe(r)).toBe(true);

        const refusedNs = await newNamespace('xns-nogrant');
        const refusedAddress = await routedGateway(refusedNs.name, 'be', 9008, {}, backends.name);
        // Without the grant the listener has no usable backend: the address is announced but nothing answers.
        const refused = await env().expectRefused('tcp', refusedAddress, 7000, 10_000);
        expect(refused.ok, describeProbe(refused)).toBe(false);
        // And it stays refused: a few more probes, none answered.
        for (let i = 0; i < 3; i += 1) {
          const again = await env().dataPlane.probe('tcp', refusedAddress, 7000, { timeoutMs: 800 });
          expect(again.ok, describeProbe(again)).toBe(false);
        }
      });
    });
  });
}

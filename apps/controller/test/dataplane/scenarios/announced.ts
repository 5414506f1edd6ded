// The Gateway's kube-vip.io/Announced condition against what a real kube-vip v1.0.0 and kube-proxy do: each test
// changes the data plane (kube-vip killed, the backend's endpoint moved to another node) and checks that the
// condition follows, cross-checked by where the address really is (vipHolders) and by traffic. Run by
// two-nodes.dataplane.test.ts with kube-vip's default single election and 5 s leases (the split case, which needs
// svc_election=true, is in the election scenario). docs/reference.md "kube-vip.io/Announced".
import { describe, expect, it } from 'vitest';
import { BACKEND_V4, BACKEND_V6 } from '@kube-vip-gw/dataplane';
import type { Condition, EndpointSlice, Gateway } from '@kube-vip-gw/gateway-model';
import { R } from '../../e2e/support/kube-rest.js';
import { condition, gateway, route, tcp } from '../../e2e/support/objects.js';
import { reads } from '../../e2e/support/reads.js';
import { eventually } from '@kube-vip-gw/test-support';
import { describeProbe, type DataPlaneEnvironment } from '../support/environment.js';

export const ANNOUNCED = 'kube-vip.io/Announced';

/** The Gateway's kube-vip.io/Announced condition once `check` passes on it (polled). */
export async function announcedUntil(env: () => DataPlaneEnvironment, namespace: string, name: string, check: (c: Condition) => void, timeoutMs = 20_000): Promise<Condition> {
  const gw = await reads(() => env().e2e).gatewayUntil(namespace, name, (g: Gateway) => {
    const c = condition(g.status?.conditions, ANNOUNCED);
    expect(c, JSON.stringify(g.status?.conditions)).toBeDefined();
    check(c!);
  }, timeoutMs);
  return condition(gw.status?.conditions, ANNOUNCED)!;
}

// The lease the environment runs kube-vip with (5 s): the condition must turn within it plus the controller's
// reaction (timer at expiry + reconcile + status write) and the polling.
const LEASE_MS = 5_000;
const MARGIN_MS = 5_000;

export function announcedScenarios(env: () => DataPlaneEnvironment): void {
  describe('data plane: kube-vip.io/Announced tells what kube-vip really does', () => {
    const other = (node: string): string => (node === 'node1' ? 'node2' : 'node1');

    /** Namespace + backend `be` (TCP 9000, endpoint on node1) + Gateway `gw` (listener 80, parameters) + TCPRoute. */
    async function served(prefix: string, parameters?: Record<string, string>) {
      const { admin, newNamespace, backend } = env();
      const ns = await newNamespace(prefix);
      await backend(ns.name, 'be', 9000, { protocols: ['TCP'] });
      if (parameters) await admin.create(R.ConfigMap, { metadata: { namespace: ns.name, name: 'params' }, data: parameters });
      await admin.create(R.Gateway, gateway(ns.name, 'gw', [tcp('t', 80)], parameters ? { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } } } : {}));
      await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be', port: 9000 }]));
      const [address] = (await env().gatewayAddresses(ns.name, 'gw')) as [string];
      const [holder] = await eventually(() => {
        const h = env().dataPlane.vipHolders(address);
        expect(h).toHaveLength(1);
        return h;
      }, 30_000);
      return { ns: ns.name, address, holder: holder! };
    }

    /** Rewrites the backend's EndpointSlices with its one endpoint on `node` (as if its Pod moved there). */
    async function endpointOn(namespace: string, node: string) {
      for (const [family, address] of [['IPv4', BACKEND_V4], ['IPv6', BACKEND_V6]] as const) {
        await env().admin.apply(R.EndpointSlice, {
          metadata: { namespace, name: `be-${family.toLowerCase()}`, labels: { 'kubernetes.io/service-name': 'be' } },
          addressType: family,
          ports: [{ name: 'tcp', protocol: 'TCP', port: 9000 }],
          endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false }, nodeName: node }],
        } as EndpointSlice);
      }
    }

    it('externalTrafficPolicy Local: False/NoLocalEndpoints while the only endpoint is on another node than the announcing one (kube-proxy drops the traffic); True once it is local', async () => {
      const { ns, address, holder } = await served('ann-local', { externalTrafficPolicy: 'Local' });
      await endpointOn(ns, holder);
      const local = await announcedUntil(env, ns, 'gw', (c) => expect(`${c.status}/${c.reason}`).toBe('True/Announced'));
      expect(local.message).toBe(`kube-vip announces ${address} from node ${holder}`);
      const before = await env().expectServes('tcp', address, 80, 9000);
      expect(before.ok, describeProbe(before)).toBe(true);

      await endpointOn(ns, other(holder));
      const missing = await announcedUntil(env, ns, 'gw', (c) => expect(`${c.status}/${c.reason}`).toBe('False/NoLocalEndpoints'));
      expect(missing.message).toContain(`no ready endpoint on ${holder}`);
      // The condition tells the truth: the announcing node's kube-proxy drops the connection. A timeout, not a
      // refusal: kube-proxy rejects (ECONNREFUSED) only a Service with no endpoints at all.
      const dropped = await env().expectRefused('tcp', address, 80, 15_000);
      expect(dropped.ok ? 'answered' : dropped.error, describeProbe(dropped)).toBe('ETIMEDOUT');
      for (let i = 0; i < 2; i += 1) {
        const again = await env().dataPlane.probe('tcp', address, 80, { timeoutMs: 800 });
        expect(again.ok ? 'answered' : again.error, describeProbe(again)).toBe('ETIMEDOUT');
      }
      expect(env().dataPlane.vipHolders(address)).toEqual([holder]);

      await endpointOn(ns, holder);
      const back = await announcedUntil(env, ns, 'gw', (c) => expect(`${c.status}/${c.reason}`).toBe('True/Announced'));
      expect(back.message).toBe(`kube-vip announces ${address} from node ${holder}`);
      const flows = await env().expectServes('tcp', address, 80, 9000);
      expect(flows.ok, describeProbe(flows)).toBe(true);
    });

    // Last: it kills both kube-vips (each would take over the other's lease) and starts them again for fail-over.
    it('default strategy: True naming the announcing node; kube-vip killed: False/LeaseExpired within the lease (its ingress stays behind); kube-vip back: True', async () => {
      const { dataPlane } = env();
      const { ns, address, holder } = await served('ann-stop');
      const first = await env().expectServes('tcp', address, 80, 9000);
      expect(first.ok, describeProbe(first)).toBe(true);
      const up = await announcedUntil(env, ns, 'gw', (c) => expect(`${c.status}/${c.reason}`).toBe('True/Announced'));
      expect(up.message).toBe(`kube-vip announces ${address} from node ${holder}`);

      // SIGKILL: no clean-up, no lease release, the address stays on the interface: a hung or crashed kube-vip.
      const killedAt = Date.now();
      await dataPlane.signalKubeVip(holder, 'SIGKILL');
      await dataPlane.signalKubeVip(other(holder), 'SIGKILL');
      const expired = await announcedUntil(env, ns, 'gw', (c) => expect(`${c.status}/${c.reason}`).toBe('False/LeaseExpired'), LEASE_MS + MARGIN_MS);
      const turnedMs = Date.now() - killedAt;
      process.stderr.write(`[dataplane] announced: kube-vip killed -> Announced=False/LeaseExpired after ${turnedMs} ms (lease ${LEASE_MS} ms)\n`);
      expect(expired.message).toContain(holder);
      // What fooled the old condition: kube-vip left its ingress and vipHost behind.
      const [svc] = await reads(() => env().e2e).servicesOf(ns, 'gw');
      expect(svc?.status?.loadBalancer?.ingress?.map((i) => i.ip)).toContain(address);
      expect(svc?.metadata.annotations?.['kube-vip.io/vipHost']).toBe(holder);

      // The holder first, so it takes the lease again and the address stays where it was.
      await dataPlane.restartKubeVip(holder);
      await dataPlane.restartKubeVip(other(holder));
      const again = await announcedUntil(env, ns, 'gw', (c) => expect(`${c.status}/${c.reason}`).toBe('True/Announced'), 20_000);
      expect(again.message).toBe(`kube-vip announces ${address} from node ${holder}`);
      expect(dataPlane.vipHolders(address)).toEqual([holder]);
      const flows = await env().expectServes('tcp', address, 80, 9000);
      expect(flows.ok, describeProbe(flows)).toBe(true);
    });
  });
}

// The upgrade to the Gateway Service under traffic: a Gateway whose listeners are realised by per-route Services (one per
// listener, as before the Gateway Service) switches to the default. The hand-over creates the Gateway Service first and
// deletes the old Services only once it carries their ports (service-mapper README, "hand-over"); kube-vip keeps an
// address while any Service still carries it. So no connection may fail and the address may not move.
import { describe, expect, it } from 'vitest';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { gatewayServiceName } from '@kube-vip-gw/service-mapper';
import { R } from '../../e2e/support/kube-rest.js';
import { gateway, route, statusAddresses, tcp, udp } from '../../e2e/support/objects.js';
import { reads } from '../../e2e/support/reads.js';
import { eventually } from '@kube-vip-gw/test-support';
import { describeProbe, trafficWhile, type DataPlaneEnvironment } from '../support/environment.js';

const BEHAVIOUR = 'kube-vip.io/service-behaviour';

export function upgradeScenarios(env: () => DataPlaneEnvironment): void {
  describe('data plane: upgrade from per-listener Services to the Gateway Service', () => {
    const { servicesOf } = reads(() => env().e2e);

    it('per-listener Services hand over to the Gateway Service under TCP and UDP traffic: zero failed connections, the address stays', async () => {
      const { admin, newNamespace, backend } = env();
      const ns = await newNamespace('upgrade');
      await backend(ns.name, 'be', 9000);
      await admin.create(R.Gateway, gateway(ns.name, 'gw', [tcp('t', 80), udp('u', 53)]));
      // `endpoints`: one selector-less Service per listener, what the controller made before the Gateway Service.
      const perRoute = { annotations: { [BEHAVIOUR]: 'endpoints' } };
      await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be', port: 9000 }], perRoute));
      await admin.create(R.UDPRoute, route('UDPRoute', ns.name, 'ur', [{ name: 'gw', sectionName: 'u' }], [{ name: 'be', port: 9000 }], perRoute));
      const [address] = (await env().gatewayAddresses(ns.name, 'gw')) as [string];
      const names = async () => (await servicesOf(ns.name, 'gw')).map((s: Service) => s.metadata.name).sort();
      await eventually(async () => expect(await names()).toEqual(['kvgw-gw-t', 'kvgw-gw-u']), 30_000);
      for (const proto of ['tcp', 'udp'] as const) {
        const r = await env().expectServes(proto, address, proto === 'tcp' ? 80 : 53, 9000);
        expect(r.ok, describeProbe(r)).toBe(true);
      }

      const record = await trafficWhile(env(), () => [
        { proto: 'tcp', address, port: 80, targetPort: 9000 },
        { proto: 'udp', address, port: 53, targetPort: 9000 },
      ], async () => {
        for (const [kind, name] of [[R.TCPRoute, 'tr'], [R.UDPRoute, 'ur']] as const) {
          await admin.patch(kind, { namespace: ns.name, name }, { metadata: { annotations: { [BEHAVIOUR]: null } } });
        }
        await eventually(async () => expect(await names()).toEqual([gatewayServiceName(ns.name, 'gw')]), 30_000);
      }, { settleMs: 3_000 });
      process.stderr.write(`[dataplane] upgrade: ${record.total} connections, ${record.failed} failed, address on ${[...new Set(record.holders.map((h) => h.nodes.join('+')))].join(', ')}\n`);

      expect(record.failures, `${record.failed} of ${record.total} connections failed`).toEqual([]);
      expect(record.total).toBeGreaterThan(10);
      expect(record.holders.every((h) => h.nodes.length === 1 && h.nodes[0] === 'node1')).toBe(true);
      const [svc] = await servicesOf(ns.name, 'gw');
      expect(svc?.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(address);
      expect(svc?.spec?.ports?.map((p) => `${p.port}/${p.protocol}`).sort()).toEqual(['53/UDP', '80/TCP']);
      const gw = await admin.get<Gateway>(R.Gateway, { namespace: ns.name, name: 'gw' });
      expect(statusAddresses(gw)).toEqual([address]);
    });
  });
}

// Traffic through Gateways on a real data plane: kube-vip announces each Gateway's address on the node namespace's
// `lan`, kube-proxy forwards it to the echo backend, and the client namespace (which has no route to the backends)
// gets the answer. Every assertion is an answer from the backend, or a refusal: none reads only status.
import { describe, expect, it } from 'vitest';
import type { Gateway } from '@kube-vip-gw/gateway-model';
import { R } from '../e2e/support/kube-rest.js';
import { gateway, route, tcp, udp } from '../e2e/support/objects.js';
import { DATAPLANE_SKIP_REASON, describeProbe, familyParameters, useDataPlaneEnvironment } from './support/environment.js';

describe.skipIf(DATAPLANE_SKIP_REASON)('traffic through a Gateway (kube-vip + kube-proxy)', () => {
  const env = useDataPlaneEnvironment();

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
});

// Fail-over on a real data plane: two node namespaces on one L2 segment, each with kube-vip and kube-proxy, kube-vip
// with its default single election (svc_election=false: one lease, plndr-svcs-lock, whose holder announces every
// Service). The announcing node is lost; the other takes the lease and the address, and traffic resumes.
import { describe, expect, it } from 'vitest';
import { R } from '../../e2e/support/kube-rest.js';
import { gateway, route, tcp, udp } from '../../e2e/support/objects.js';
import { eventually } from '@kube-vip-gw/test-support';
import { describeProbe, trafficWhile, type DataPlaneEnvironment } from '../support/environment.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function failoverScenarios(env: () => DataPlaneEnvironment): void {
  describe('data plane: fail-over between two kube-vip nodes', () => {

    it('the announcing node is lost: the address moves to the other node and traffic resumes (gap measured)', async () => {
      const { admin, newNamespace, backend, dataPlane } = env();
      const ns = await newNamespace('failover');
      await backend(ns.name, 'be', 9000);
      await admin.create(R.Gateway, gateway(ns.name, 'gw', [tcp('t', 80), udp('u', 53)]));
      await admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'tr', [{ name: 'gw', sectionName: 't' }], [{ name: 'be', port: 9000 }]));
      await admin.create(R.UDPRoute, route('UDPRoute', ns.name, 'ur', [{ name: 'gw', sectionName: 'u' }], [{ name: 'be', port: 9000 }]));
      const [address] = (await env().gatewayAddresses(ns.name, 'gw')) as [string];
      const first = await env().expectServes('tcp', address, 80, 9000);
      expect(first.ok, describeProbe(first)).toBe(true);
      const holders = await eventually(() => {
        const h = dataPlane.vipHolders(address);
        expect(h).toHaveLength(1);
        return h;
      });
      const lost = holders[0]!;
      const survivor = lost === 'node1' ? 'node2' : 'node1';

      let lostAt = 0;
      const record = await trafficWhile(env(), () => [{ proto: 'tcp', address, port: 80, targetPort: 9000 }, { proto: 'udp', address, port: 53, targetPort: 9000 }], async () => {
        await sleep(1_500);
        // A lost node: kube-vip dies without cleaning up and the node drops off the segment.
        lostAt = Date.now();
        await dataPlane.signalKubeVip(lost, 'SIGKILL');
        dataPlane.setLanLink(lost, false);
        await eventually(() => expect(dataPlane.vipHolders(address)).toContain(survivor), 30_000);
        const back = await env().expectServes('tcp', address, 80, 9000, 30_000);
        expect(back.ok, describeProbe(back)).toBe(true);
      }, { settleMs: 3_000, probeTimeoutMs: 500 });

      const failedAfterLoss = record.failures.filter((f) => f.at > 0);
      const lastFailure = failedAfterLoss.at(-1);
      process.stderr.write(
        `[dataplane] fail-over: ${lost} lost, ${survivor} took ${address}; ${record.failed}/${record.total} probes failed, longest gap ${record.longestGapMs} ms` +
          `${lastFailure ? `, last failure ${lastFailure.target} ${lastFailure.error}` : ''}\n`,
      );
      expect(lostAt).toBeGreaterThan(0);
      // Traffic resumed: the last probes of the run (the settle period) all answered.
      const tail = record.failures.filter((f) => f.at > record.holders.at(-1)!.at - 2_500);
      expect(tail, JSON.stringify(tail)).toEqual([]);
      // The lease is 5 s (renew deadline 3 s, retry 1 s): the gap is bounded by it plus a few retries.
      expect(record.longestGapMs).toBeLessThan(15_000);
      expect(await dataPlane.arpAnswerer(address)).toBe(survivor);
    });
  });
}

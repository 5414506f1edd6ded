// kube-vip-cloud-provider (the real binary) allocates plain LoadBalancer Services from the same ConfigMap pool the
// controller uses, while Gateways come and go. Collisions (one address handed to both) are counted for
// docs/reliability.md; each must end with the Gateway yielding an address it never announced (then traffic reaches
// both), or, when kube-vip may have announced it, keeping it on its Service, reporting the conflict and not Programmed
// (then traffic reaches the plain Service).
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import {
  KUBE_VIP_CLOUD_PROVIDER_IDENTITY,
  ensureDataPlaneBinaries,
  kubeVipCloudProviderRbac,
  startKubeVipCloudProvider,
} from '@kube-vip-gw/dataplane';
import type { ManagedProcess } from '@kube-vip-gw/controller-runtime/envtest';
import type { KubeObject } from '@kube-vip-gw/gateway-model';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { R } from '../../e2e/support/kube-rest.js';
import { condition, gateway, route, tcp } from '../../e2e/support/objects.js';
import { eventually, waitFor } from '@kube-vip-gw/test-support';
import { describeProbe, type DataPlaneEnvironment } from '../support/environment.js';

const ROUNDS = 10;
// 5 addresses, as in the measurements of docs/reliability.md; outside the 4-address blocks of newNamespace (100-239).
const POOL = '10.77.0.240-10.77.0.244';

export function cloudProviderScenarios(env: () => DataPlaneEnvironment): void {
  describe('data plane: kube-vip-cloud-provider beside the controller', () => {
    let kvcp: ManagedProcess | undefined;
    let previousAttempt: string | undefined;
    afterAll(async () => {
      await kvcp?.stop(3_000);
    });

    it(`${ROUNDS} rounds of a Gateway and a plain Service created together from a pool of 5: collisions counted, each reported, traffic reaches every address holder the controller decides`, async () => {
      const { admin, e2e, backend } = env();
      await kvcp?.stop(3_000); // a retry (CI retries data-plane tests once) starts its own
      for (const o of kubeVipCloudProviderRbac()) await admin.apply(o['kind'] === 'ClusterRole' ? R.ClusterRole : R.ClusterRoleBinding, o as unknown as KubeObject);
      const binary = (await ensureDataPlaneBinaries(['kube-vip-cloud-provider']))['kube-vip-cloud-provider']!;
      const kubeconfig = await e2e.plane.kubeconfigFileFor(KUBE_VIP_CLOUD_PROVIDER_IDENTITY.user, [...KUBE_VIP_CLOUD_PROVIDER_IDENTITY.groups]);
      kvcp = await startKubeVipCloudProvider({ binary, kubeconfig, workDir: mkdtempSync(path.join(os.tmpdir(), 'kvgw-kvcp-')) });

      await removeRounds(admin, previousAttempt); // a retry must not share the pool with a failed attempt's objects
      const ns = (await env().newNamespace('kvcp')).name;
      previousAttempt = ns;
      await e2e.setIpamKey(`range-${ns}`, POOL);
      await backend(ns, 'be', 9000, { protocols: ['TCP'] });
      let collisions = 0;
      let yielded = 0;
      const slow: string[] = [];
      const rounds: string[] = [];
      const keptUnserved: string[] = [];
      for (let i = 0; i < ROUNDS; i += 1) {
        const [gwName, svcName] = [`g${i}`, `s${i}`];
        await Promise.all([
          (async () => {
            await admin.create(R.Gateway, gateway(ns, gwName, [tcp('t', 80)]));
            await admin.create(R.TCPRoute, route('TCPRoute', ns, `r${i}`, [{ name: gwName }], [{ name: 'be', port: 9000 }]));
          })(),
          admin.create(R.Service, {
            metadata: { namespace: ns, name: svcName },
            spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ name: 'tcp', protocol: 'TCP', port: 8080, targetPort: 9000 }] },
          } as Service),
        ]);
        const [gwAddress] = (await env().gatewayAddresses(ns, gwName)) as [string];
        const svc = await waitFor(`kube-vip-cloud-provider to give ${svcName} an address`, async () => {
          const s = await admin.get<Service>(R.Service, { namespace: ns, name: svcName });
          return s.metadata.annotations?.['kube-vip.io/loadbalancerIPs'] ? s : undefined;
        }, 30_000);
        const svcAddress = svc.metadata.annotations!['kube-vip.io/loadbalancerIPs']!;
        const collided = svcAddress === gwAddress;
        let served = gwAddress;
        if (collided) {
          collisions += 1;
          // The controller cannot stop kube-vip-cloud-provider. A Gateway that never announced the address gives it up
          // (AddressYielded) and takes another; one already announced keeps it, says so (AddressConflict) and is not
          // Programmed. Either way it must not stay Programmed on the other holder's address.
          served = await eventually(async () => {
            const gw = await admin.get<Gateway>(R.Gateway, { namespace: ns, name: gwName });
            const now = gw.status?.addresses?.[0]?.value ?? '';
            if (now !== svcAddress) {
              expect(condition(gw.status?.conditions, 'Programmed')?.status).toBe('True');
              return now;
            }
            expect(condition(gw.status?.conditions, 'kube-vip.io/AddressConflict')?.status).toBe('True');
            expect(condition(gw.status?.conditions, 'Programmed')?.status).toBe('False');
            return now;
          }, 20_000);
          if (served !== svcAddress) yielded += 1;
        }
        rounds.push(`${i}:${gwAddress}/${svcAddress}${collided ? ` COLLISION${served !== svcAddress ? ` yielded->${served}` : ' kept'}` : ''}`);
        await env().endpointsFor(svc, 9000);
        // Up to 90 s: kube-vip v1.0.0 handles Service events one at a time, and once (with kube-vip-cloud-provider
        // updating the same Services) it spent 59 s retrying a status update of a Service being deleted, announcing
        // nothing else meanwhile. Slow rounds are counted and printed.
        const t0 = Date.now();
        if (served !== svcAddress) {
          const g = await env().expectServes('tcp', served, 80, 9000, 90_000);
          expect(g.ok, `round ${i} Gateway ${served}:80: ${describeProbe(g)}`).toBe(true);
        } else {
          // Kept: kube-vip may already announce it for the Gateway's Service (it adds the VIP before it writes the
          // Service's status), so the address stays on that Service, unmoved; the Gateway is not Programmed and gets no
          // plan meanwhile (a route attached after the conflict is not realised), so only the plain Service is probed.
          const own = await admin.list<Service>(R.Service, ns, `gateway.networking.k8s.io/gateway-name=${gwName}`);
          expect(own.map((o) => o.metadata.annotations?.['kube-vip.io/loadbalancerIPs']), `round ${i}: the Gateway's Service keeps ${svcAddress}`).toContain(svcAddress);
        }
        if (served !== svcAddress) {
          // The plain Service has its address to itself: it must work.
          const s = await env().expectServes('tcp', svcAddress, 8080, 9000, 90_000);
          if (Date.now() - t0 > 10_000) slow.push(`${i}:${Math.round((Date.now() - t0) / 1000)}s`);
          expect(s.ok, `round ${i} Service ${svcAddress}:8080: ${describeProbe(s)}`).toBe(true);
        } else {
          // Kept: kube-vip-cloud-provider handed out an address our Service already carried, and two Services now share
          // it. Whether kube-vip v1.0.0 then serves the plain Service's port too is its choice, not the controller's:
          // the clean-clone CI run saw it refuse 8080 for 90 s in 1 of 10 rounds (the helper's 3 runs saw it served).
          // It is counted and printed, not asserted; what the controller owes is asserted above (address unmoved,
          // AddressConflict, not Programmed).
          const s = await env().expectServes('tcp', svcAddress, 8080, 9000, 30_000);
          if (!s.ok) keptUnserved.push(`${i}:${describeProbe(s)}`);
        }
        // Gateways come and go, but not before kube-vip has written both Services' status: kube-vip v1.0.0 retries
        // that write 3,000 times on any error (services.go updateStatus, 10 ms apart), NotFound included, and handles
        // Service events one at a time, so a Service deleted while kube-vip takes it up stalls it for ~70 s (the
        // clean-clone CI runs of 2026-12-02: s1, s2, s3 and two Gateway Services at 70-75 s each, back to back, until
        // a round's Gateway timed out). A user who deletes a Service that early meets the same; docs/dataplane.md.
        await waitFor(`kube-vip to write the status of ${svcName} and of ${gwName}'s Service`, async () => {
          const services = [
            await admin.find<Service>(R.Service, { namespace: ns, name: svcName }),
            ...(await admin.list<Service>(R.Service, ns, `gateway.networking.k8s.io/gateway-name=${gwName}`)),
          ];
          return services.every((s) => s?.status?.loadBalancer?.ingress?.length);
        }, 90_000);
        await admin.delete(R.Gateway, { namespace: ns, name: gwName });
        await admin.delete(R.Service, { namespace: ns, name: svcName });
        await waitFor(`${gwName} and ${svcName} to be gone`, async () =>
          !(await admin.find(R.Gateway, { namespace: ns, name: gwName })) && !(await admin.find(R.Service, { namespace: ns, name: svcName })), 30_000);
      }
      process.stderr.write(`[dataplane] kube-vip-cloud-provider: ${collisions}/${ROUNDS} rounds collided (pool of 5), ${yielded} resolved by the Gateway yielding a never-announced address: ${rounds.join(', ')}; rounds slower than 10 s to serve: ${slow.join(', ') || 'none'}; kept rounds whose plain Service kube-vip did not serve: ${keptUnserved.join(', ') || 'none'}\n`);
      expect(rounds).toHaveLength(ROUNDS);
      expect(kvcp.running).toBe(true);
    }, 600_000);
  });
}

/** The rounds' plain Services (`s<i>`), not the backend or the Gateways' own. */
const isRoundService = (s: Service): boolean => /^s\d+$/.test(s.metadata.name);

/** Deletes the Gateways and plain Services a failed attempt left in `namespace` and waits until they are gone. */
async function removeRounds(admin: DataPlaneEnvironment['admin'], namespace: string | undefined): Promise<void> {
  if (!namespace) return;
  const gateways = await admin.list<Gateway>(R.Gateway, namespace);
  const services = (await admin.list<Service>(R.Service, namespace)).filter(isRoundService);
  for (const g of gateways) await admin.delete(R.Gateway, { namespace, name: g.metadata.name });
  for (const s of services) await admin.delete(R.Service, { namespace, name: s.metadata.name });
  await waitFor(`the failed attempt's objects in ${namespace} to be gone`, async () =>
    (await admin.list(R.Gateway, namespace)).length === 0 && !(await admin.list<Service>(R.Service, namespace)).some(isRoundService), 60_000);
}

// Shared pool: our controller and a kube-vip-cloud-provider stand-in allocate from the same ConfigMap at the same time.
// The cloud provider only counts addresses that labelled Services announce; it never reads Gateways. Two windows
// follow (docs/reliability.md): a race window (each side decides before the other's write is visible) and what was a
// blind spot (a Gateway without routes had an address but no Service, so the cloud provider could not see it; now its
// Gateway Service carries the address from the start). Both are measured here; every collision must be reported on the Gateway (condition kube-vip.io/AddressConflict and an Event naming
// the other Service), the report must clear once the user removes the other Service, and no Gateway's address may
// move because of it.
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import type { Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { GATEWAY_CLASS, IPAM_CONFIGMAP } from '../e2e/support/environment.js';
import { R } from '../e2e/support/kube-rest.js';
import { condition, gateway, route, service, statusAddresses, tcp } from '../e2e/support/objects.js';
import { eventually, sleep, waitFor } from '../e2e/support/wait.js';
import { holdings, sharedAddresses } from './support/addresses.js';
import { CloudProviderStandIn } from './support/cloud-provider.js';
import { useReliabilityEnv } from './support/env.js';
import { InvariantObserver } from './support/observer.js';
import { report } from './support/report.js';

const SEED = Number(process.env['KVGW_RELIABILITY_SEED'] ?? 20261129);
const POOL = '10.63.0.1-10.63.0.80';
const RACING = 20;
const BLIND = 5;

const env = useReliabilityEnv({ ipam: { 'range-global': POOL } });
let standIn: CloudProviderStandIn | undefined;
afterAll(async () => standIn?.stop());

function lbService(namespace: string, name: string): Service {
  return { metadata: { namespace, name }, spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }] } };
}

async function collisions(admin: ReturnType<typeof env>['admin']) {
  const gateways = await admin.list<Gateway>(R.Gateway);
  const services = await admin.list<Service>(R.Service);
  return sharedAddresses(holdings(gateways, services));
}

it('measures collisions with a kube-vip-cloud-provider allocator on one ConfigMap and reports each one', async () => {
  const { admin, adminClient } = env();
  for (const ns of ['gw', 'apps']) await env().createNamespace(ns);
  await env().startController();
  const observer = new InvariantObserver(admin, adminClient, { track: (g) => g.metadata.namespace === 'gw' });
  await observer.start();
  standIn = new CloudProviderStandIn(admin, IPAM_CONFIGMAP);
  standIn.start();

  // 1. Race: Gateways with routes and plain LoadBalancer Services created interleaved, a few ms apart.
  const order = fc.sample(fc.shuffledSubarray([...Array(2 * RACING).keys()], { minLength: 2 * RACING }), { seed: SEED, numRuns: 1 })[0]!;
  const gaps = fc.sample(fc.integer({ min: 0, max: 60 }), { seed: SEED + 1, numRuns: 2 * RACING });
  for (const [k, i] of order.entries()) {
    if (i < RACING) {
      await admin.create(R.Service, service('gw', `be-${i}`, { app: `be-${i}` }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]));
      await admin.create(R.TCPRoute, route('TCPRoute', 'gw', `race-${i}`, [{ name: `race-${i}` }], [{ name: `be-${i}`, port: 80 }], { annotations: { 'kube-vip.io/service-behaviour': 'duplicate' } }));
      await admin.create(R.Gateway, gateway('gw', `race-${i}`, [tcp('tcp', 80)]));
    } else {
      await admin.create(R.Service, lbService('apps', `race-${i - RACING}`));
    }
    await sleep(gaps[k]!);
  }
  const settle = async (what: string) =>
    waitFor(what, async () => {
      const gws = await admin.list<Gateway>(R.Gateway, 'gw');
      const svcs = await admin.list<Service>(R.Service, 'apps');
      return gws.every((g) => statusAddresses(g).length > 0) && svcs.every((s) => s.metadata.annotations?.['kube-vip.io/loadbalancerIPs']);
    }, 60_000);
  await settle('every Gateway and Service of the race to have an address');
  const raceCollisions = await collisions(admin);

  // 2. The former blind spot: Gateways without routes, then the cloud provider allocates. Their Gateway Services carry
  //    their addresses (labelled implementation=kube-vip), so the cloud provider sees them.
  for (let i = 0; i < BLIND; i++) await admin.create(R.Gateway, gateway('gw', `blind-${i}`, [tcp('tcp', 80)]));
  await settle('the route-less Gateways to have addresses');
  for (let i = 0; i < BLIND; i++) await admin.create(R.Service, lbService('apps', `blind-${i}`));
  await settle('the cloud provider to allocate for the new Services');
  // Routes now attach (per-route Services beside the Gateway Services, on the same addresses).
  for (let i = 0; i < BLIND; i++) {
    await admin.create(R.Service, service('gw', `blind-be-${i}`, { app: `blind-${i}` }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]));
    await admin.create(R.TCPRoute, route('TCPRoute', 'gw', `blind-${i}`, [{ name: `blind-${i}` }], [{ name: `blind-be-${i}`, port: 80 }], { annotations: { 'kube-vip.io/service-behaviour': 'duplicate' } }));
  }
  await sleep(2_000);
  const allCollisions = await collisions(admin);
  const allocations = standIn.allocations.length;
  await standIn.stop();
  standIn = undefined;

  // Every collision is reported on its Gateway, naming the other Service and the address.
  const reported = await eventually(async () => {
    const gws = new Map((await admin.list<Gateway>(R.Gateway, 'gw')).map((g) => [g.metadata.uid, g]));
    const missing: string[] = [];
    for (const c of allCollisions) {
      const gw = gws.get(c.holders.find((h) => h.kind === 'Gateway')?.id);
      const service = c.holders.find((h) => h.kind === 'Service');
      const conflict = condition(gw?.status?.conditions, 'kube-vip.io/AddressConflict');
      const named = service && conflict?.status === 'True' && conflict.message.includes(`address ${c.address} is also announced by ${service.label}`);
      if (!named) missing.push(`${c.address}: ${conflict ? conflict.message : 'no AddressConflict condition'}`);
    }
    expect(missing).toEqual([]);
    const events = await admin.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(R.Event, 'gw');
    return new Set(events.filter((e) => e.reason === 'AddressConflict').map((e) => e.regarding?.name)).size;
  }, 30_000);

  // The user resolves them by removing the other Services: the reports clear, and no Gateway's address moved.
  const colliding = new Set(allCollisions.flatMap((c) => c.holders.filter((h) => h.kind === 'Service').map((h) => h.label.replace(/^Service /, ''))));
  for (const key of colliding) {
    const [namespace, name] = key.split('/') as [string, string];
    await admin.delete(R.Service, { namespace, name });
  }
  await eventually(async () => {
    const gws = await admin.list<Gateway>(R.Gateway, 'gw');
    expect(gws.filter((g) => condition(g.status?.conditions, 'kube-vip.io/AddressConflict')).map((g) => g.metadata.name)).toEqual([]);
  }, 30_000);
  await observer.stop();

  const describe = (c: { address: string; holders: { label: string }[] }) => `${c.address}: ${c.holders.map((h) => h.label).join(' + ')}`;
  const blind = allCollisions.filter((c) => c.holders.some((h) => h.label.includes('blind-'))).length;
  report('shared pool', {
    seed: SEED,
    'Gateways with routes racing plain LoadBalancer Services': `${RACING} + ${RACING}`,
    'collisions in the race window': raceCollisions.length,
    'route-less Gateways, then cloud-provider Services': `${BLIND} + ${BLIND}`,
    'collisions in the blind spot (route-less Gateways)': blind,
    'cloud-provider allocations': allocations,
    collisions: allCollisions.map(describe),
    'collisions reported on their Gateway (condition + Event)': `${allCollisions.length} (Events on ${reported} Gateways)`,
    'reports cleared after the other Services were removed': true,
    'addresses moved / lost': [observer.violations.filter((v) => v.kind === 'moved').length, observer.violations.filter((v) => v.kind === 'lost').length],
  });
  expect(observer.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  // No blind spot left: every route-less Gateway's address was on its Gateway Service before the cloud provider ran.
  expect(blind).toBe(0);
  // Only Gateway-versus-Service collisions: our controller never gave one address to two Gateways.
  for (const c of allCollisions) expect(c.holders.filter((h) => h.kind === 'Gateway'), describe(c)).toHaveLength(1);
});

// Shared pool: our controller and a kube-vip-cloud-provider stand-in allocate from the same ConfigMap at the same time.
// The cloud provider only counts addresses that labelled Services carry; it never reads Gateways. Each side may decide
// before the other's write is visible (the race window), and a Gateway's address is invisible to the cloud provider
// until its Service carries it. Measured here: collisions seen once both sides settled, and what the controller does
// about them. No kube-vip runs, so no address is ever announced: a Gateway that collides gives its address up
// (AddressYielded) and takes another, and no collision may remain. A Gateway never moves an address it announced
// (the observer's "moved" invariant, relaxed only for never-announced ones) and never holds one another Gateway has.
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import type { Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { IPAM_CONFIGMAP } from '../e2e/support/environment.js';
import { R } from '../e2e/support/kube-rest.js';
import { condition, gateway, route, service, statusAddresses, tcp } from '../e2e/support/objects.js';
import { eventually, sleep, waitFor } from '@kube-vip-gw/test-support';
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

it('measures collisions with a kube-vip-cloud-provider allocator on one ConfigMap; every one ends with the never-announced Gateway giving its address up', async () => {
  const { admin, adminClient } = env();
  for (const ns of ['gw', 'apps']) await env().createNamespace(ns);
  await env().startController();
  const observer = new InvariantObserver(admin, adminClient, { track: (g) => g.metadata.namespace === 'gw', allowYieldOfNeverAnnounced: true });
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

  // 2. Route-less Gateways, then plain Services: each Gateway's Service carries its address from the start (one Service
  // per Gateway, routes or not), so the cloud provider can see it once that Service exists.
  for (let i = 0; i < BLIND; i++) await admin.create(R.Gateway, gateway('gw', `blind-${i}`, [tcp('tcp', 80)]));
  await settle('the route-less Gateways to have addresses');
  for (let i = 0; i < BLIND; i++) await admin.create(R.Service, lbService('apps', `blind-${i}`));
  await settle('the cloud provider to allocate for the new Services');
  const blindCollisions = (await collisions(admin)).filter((c) => c.holders.some((h) => h.label.includes('blind-')));
  const allocations = standIn.allocations.length;
  await standIn.stop();
  standIn = undefined;

  // Every collision ends with the Gateway giving up the address it never announced: none remains, every Gateway has an
  // address of its own and is Programmed, and no AddressConflict is left.
  await eventually(async () => expect((await collisions(admin)).map((c) => c.address)).toEqual([]), 30_000);
  const settled = await eventually(async () => {
    const gws = await admin.list<Gateway>(R.Gateway, 'gw');
    for (const g of gws) expect(condition(g.status?.conditions, 'Programmed')?.status, `${g.metadata.name}: ${JSON.stringify(g.status?.conditions)}`).toBe('True');
    expect(gws.filter((g) => condition(g.status?.conditions, 'kube-vip.io/AddressConflict')).map((g) => g.metadata.name)).toEqual([]);
    return gws;
  }, 30_000);
  const events = await admin.list<KubeObject & { reason?: string; note?: string }>(R.Event, 'gw');
  const yielded = events.filter((e) => e.reason === 'AddressYielded');
  await observer.stop();

  const describe = (c: { address: string; holders: { label: string }[] }) => `${c.address}: ${c.holders.map((h) => h.label).join(' + ')}`;
  report('shared pool', {
    seed: SEED,
    'Gateways with routes racing plain LoadBalancer Services': `${RACING} + ${RACING}`,
    'collisions seen once the race settled': raceCollisions.map(describe),
    'route-less Gateways, then cloud-provider Services': `${BLIND} + ${BLIND}`,
    'collisions seen after the route-less round': blindCollisions.map(describe),
    'cloud-provider allocations': allocations,
    'addresses given up by never-announced Gateways (AddressYielded Events)': yielded.length,
    'address changes of never-announced Gateways seen by the observer': observer.counts.yields,
    'collisions left': 0,
    'Gateways Programmed at the end': `${settled.length}/${settled.length}`,
    'addresses moved / lost': [observer.violations.filter((v) => v.kind === 'moved').length, observer.violations.filter((v) => v.kind === 'lost').length],
  });
  expect(observer.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  // Only Gateway-versus-Service collisions: our controller never gave one address to two Gateways.
  for (const c of [...raceCollisions, ...blindCollisions]) expect(c.holders.filter((h) => h.kind === 'Gateway'), describe(c)).toHaveLength(1);
});

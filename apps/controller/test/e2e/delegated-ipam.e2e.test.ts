// ipamMode delegated beside the REAL kube-vip-cloud-provider (v0.0.12, built by tools/dataplane/build.sh from the Go
// module proxy): it is the one allocator, the controller makes each Gateway's Service without an address and adopts
// what kube-vip-cloud-provider writes on it. Many rounds, each creating at the same moment a Gateway with a route, a
// route-less Gateway and a plain LoadBalancer Service on a pool of 5: no address may be handed out twice. (The
// controller's own allocator measured 16-17 collisions in 20 such rounds with a route, 20 of 20 without.)
// kube-vip-cloud-provider runs with its default single worker: with 4 it handed 20 Services 8 distinct addresses.
// Binary: tools/dataplane/build.sh (KVGW_DATAPLANE_ASSETS=/dir holding kube-vip-cloud-provider skips the build); it
// runs as @kube-vip-gw/dataplane starts it for the data-plane suite (startKubeVipCloudProvider).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '@kube-vip-gw/controller-runtime/envtest';
import { DATAPLANE_BUILD_SCRIPT, ensureDataPlaneBinaries, startKubeVipCloudProvider } from '@kube-vip-gw/dataplane';
import type { Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { eventually } from '@kube-vip-gw/test-support';
import { IPAM_CONFIGMAP, useControllerEnvironment } from './support/environment.js';
import { R } from './support/kube-rest.js';
import { gateway, route, service, states, statusAddresses, tcp } from './support/objects.js';

const ROUNDS = 20;

// A failing build fails the file; only a checkout without the build script skips it.
const binary = existsSync(DATAPLANE_BUILD_SCRIPT)
  ? (await ensureDataPlaneBinaries(['kube-vip-cloud-provider'], { onProgress: (line) => console.warn(line) }))['kube-vip-cloud-provider']
  : undefined;
if (!binary) console.warn(`[e2e] delegated-ipam skipped: no ${DATAPLANE_BUILD_SCRIPT}`);

// KVGW_E2E_IPAM_MODE=controller runs the same rounds with the controller's own allocator (its fresh read and yielding
// are what keep the final addresses distinct there; the yields are counted), for comparison.
const MODE = process.env.KVGW_E2E_IPAM_MODE === 'controller' ? 'controller' : 'delegated';
const env = useControllerEnvironment({ extraArgs: ['--ipam-mode', MODE] });
let kvcp: ManagedProcess | undefined;
let work = '';

describe.skipIf(!binary)('ipamMode delegated with the real kube-vip-cloud-provider', () => {
  beforeAll(async () => {
    const e = env();
    work = mkdtempSync(path.join(os.tmpdir(), 'kvgw-kvcp-e2e-'));
    const kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, e.plane.kubeconfig);
    await e.admin.create(R.Node, { metadata: { name: 'node1' } } as KubeObject);
    kvcp = await startKubeVipCloudProvider({ binary: binary!, kubeconfig, workDir: work, configMap: IPAM_CONFIGMAP });
  }, 60_000);

  afterAll(async () => {
    await kvcp?.stop(5_000);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds of a Gateway with a route, a route-less Gateway and a plain Service created at once on a pool of 5: every address distinct, both Gateways Programmed`, async () => {
    const e = env();
    const collisions: string[] = [];
    let yields = 0;
    const transient = new Set<string>();
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const ns = await e.newNamespace(`kvcp-${round}`, 5);
      await e.admin.create(R.Service, service(ns.name, 'echo', { app: 'echo' }, [{ name: 'tcp', port: 8080, targetPort: 9090, protocol: 'TCP' }]));
      await Promise.all([
        e.admin.create(R.Gateway, gateway(ns.name, 'routed', [tcp('tcp', 7000)])),
        e.admin.create(R.TCPRoute, route('TCPRoute', ns.name, 'r', [{ name: 'routed' }], [{ name: 'echo', port: 8080 }])),
        e.admin.create(R.Gateway, gateway(ns.name, 'bare', [tcp('tcp', 7001)])),
        e.admin.create(R.Service, { metadata: { namespace: ns.name, name: 'plain' }, spec: { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }] } } as Service),
      ]);
      const addresses = await eventually(async () => {
        const gws = await Promise.all(['routed', 'bare'].map((n) => e.admin.get<Gateway>(R.Gateway, { namespace: ns.name, name: n })));
        for (const g of gws) expect(states(g.status?.conditions, 'Programmed'), `${g.metadata.name}: ${JSON.stringify(g.status?.conditions)}`).toEqual(['Programmed=True/Programmed']);
        const plain = await e.admin.get<Service>(R.Service, { namespace: ns.name, name: 'plain' });
        const plainAddress = plain.metadata.annotations?.['kube-vip.io/loadbalancerIPs'];
        expect(plainAddress).toBeTruthy();
        const seen = { routed: statusAddresses(gws[0]!), bare: statusAddresses(gws[1]!), plain: [plainAddress!] };
        const flat = [...seen.routed, ...seen.bare, ...seen.plain];
        if (new Set(flat).size !== flat.length) {
          // Only the controller's allocator can get here (kube-vip-cloud-provider chose after the Gateway was
          // Programmed): it must then give the address up, so wait for that; delegated mode is judged at once.
          transient.add(`round ${round}: ${JSON.stringify(seen)}`);
          if (MODE === 'controller') expect(new Set(flat).size, 'the Gateway yields the address it never announced').toBe(flat.length);
        }
        return seen;
      }, 30_000);
      const all = [...addresses.routed, ...addresses.bare, ...addresses.plain];
      for (const a of all) expect(ns.addresses).toContain(a);
      if (new Set(all).size !== all.length) collisions.push(`round ${round}: ${JSON.stringify(addresses)}`);
      yields += (await e.admin.list<KubeObject & { reason?: string }>(R.Event, ns.name)).filter((ev) => ev.reason === 'AddressYielded').length;
      // Each Gateway's Service carries exactly its Gateway's address (the one kube-vip-cloud-provider wrote there).
      for (const name of ['routed', 'bare']) {
        const [svc] = await e.admin.list<Service>(R.Service, ns.name, `gateway.networking.k8s.io/gateway-name=${name}`);
        expect(svc?.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe(addresses[name as 'routed' | 'bare'][0]);
      }
    }
    if (MODE === 'controller') {
      // The cost of the fresh read: how many lists the controller made (the informer's own list is the one without a
      // label selector, not told apart by the audit log: subtract it), and what one costs with the plain Services of
      // the rounds present (what kube-vip-cloud-provider labelled).
      const lists = e.auditedRequests().filter((r) => r.resource === 'services' && r.verb === 'list').length - 1;
      const { FOREIGN_SERVICES_SELECTOR } = await import('@kube-vip-gw/controller');
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t = performance.now();
        await e.admin.list<Service>(R.Service, undefined, FOREIGN_SERVICES_SELECTOR);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const foreign = (await e.admin.list<Service>(R.Service, undefined, FOREIGN_SERVICES_SELECTOR)).length;
      console.info(
        `[e2e] fresh read: ${lists} lists for ${2 * ROUNDS + yields} allocations; one list with ${foreign} matching Services: median ${times[25]!.toFixed(1)} ms, p95 ${times[47]!.toFixed(1)} ms`,
      );
    }
    console.info(`[e2e] ipamMode ${MODE}: ${ROUNDS} rounds, ${collisions.length} collisions at the end, ${transient.size} rounds with one seen while both Gateways were Programmed, ${yields} addresses yielded, ${((Date.now() - started) / ROUNDS / 1000).toFixed(2)} s per round`);
    expect(collisions).toEqual([]);
    if (MODE === 'delegated') expect([...transient]).toEqual([]);
  }, 600_000);
});

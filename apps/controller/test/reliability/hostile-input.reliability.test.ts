// Hostile input against the live controller: generated objects the CRD schema accepts but that are semantically wrong,
// 253-character names, unicode in annotations and strategy names, malformed IPAM ConfigMaps and huge pools (a /8 and an
// IPv6 /48). The controller must never crash or stall, must report every problem as a condition or an Event that names
// the input, and must leave unrelated Gateways (the canary) exactly as they were. The IPAM ConfigMap parser itself is
// fuzzed by the ipam package's unit tests ("parseIpamConfig fuzz" in packages/ipam/src/config.test.ts).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Gateway, Service } from '@kube-vip-gw/gateway-model';
import type { ControllerProcess } from '../e2e/support/controller-process.js';
import { KubeRestError, R, type KubeRest } from '../e2e/support/kube-rest.js';
import { condition, gateway, route, service, statusAddresses, tcp } from '../e2e/support/objects.js';
import { eventually, waitFor } from '@kube-vip-gw/test-support';
import { useReliabilityEnv } from './support/env.js';
import { hostileCases, readHostileState, type HostileCase } from './support/hostile.js';
import { report } from './support/report.js';

const SEED = Number(process.env['KVGW_RELIABILITY_SEED'] ?? 20261130);
const PER_KIND = Number(process.env['KVGW_RELIABILITY_HOSTILE_PER_KIND'] ?? 6);
const IPAM = { 'range-canary': '10.64.1.1-10.64.1.20', 'range-hostile': '10.64.2.1-10.64.2.250' };

const env = useReliabilityEnv({ ipam: IPAM });
let controller: ControllerProcess;
let canary: { address: string; services: Map<string, string> };

async function panics(c: ControllerProcess): Promise<number> {
  const text = await c.metrics();
  return [...text.matchAll(/^controller_runtime_reconcile_panics_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** The canary Gateway's address and its Services' resourceVersions: what "unaffected" is measured against. */
async function canaryState(admin: KubeRest): Promise<{ address: string; services: Map<string, string>; programmed: string }> {
  const gw = await admin.get<Gateway>(R.Gateway, { namespace: 'canary', name: 'canary' });
  const services = (await admin.list<Service>(R.Service, 'canary')).filter((s) => s.metadata.ownerReferences?.some((o) => o.uid === gw.metadata.uid));
  const p = condition(gw.status?.conditions, 'Programmed');
  return { address: statusAddresses(gw).join(','), services: new Map(services.map((s) => [s.metadata.name, s.metadata.resourceVersion ?? ''])), programmed: `${p?.status}/${p?.reason}` };
}

/** A new Gateway in the canary namespace gets an address within the bound: the controller is not stalled. */
async function freshGatewayMs(admin: KubeRest, name: string): Promise<number> {
  const t0 = Date.now();
  await admin.create(R.Gateway, gateway('canary', name, [tcp('tcp', 80)]));
  await waitFor(`fresh Gateway canary/${name} to be programmed`, async () => {
    const gw = await admin.get<Gateway>(R.Gateway, { namespace: 'canary', name });
    return condition(gw.status?.conditions, 'Programmed')?.status === 'True';
  }, 20_000);
  return Date.now() - t0;
}

beforeAll(async () => {
  const { admin } = env();
  for (const ns of ['canary', 'hostile', 'hostile-other']) await env().createNamespace(ns);
  controller = await env().startController();
  await admin.create(R.Service, service('canary', 'web', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]));
  await admin.create(R.TCPRoute, route('TCPRoute', 'canary', 'web', [{ name: 'canary' }], [{ name: 'web', port: 80 }], { annotations: { 'kube-vip.io/service-behaviour': 'duplicate' } }));
  await admin.create(R.Gateway, gateway('canary', 'canary', [tcp('tcp', 80)]));
  canary = await eventually(async () => {
    const c = await canaryState(admin);
    expect(c.programmed).toBe('True/Programmed');
    expect(c.services.size).toBe(1);
    return c;
  });
});

describe('hostile input', () => {
  it(`reports every generated semantically-wrong object by name, never crashes or stalls, leaves the canary alone (seed ${SEED})`, async () => {
    const { admin } = env();
    const cases = hostileCases(SEED, PER_KIND, 'hostile', 'hostile-other', canary.address);
    const accepted: HostileCase[] = [];
    const refused: string[] = [];
    for (const c of cases) {
      try {
        for (const { res, obj } of c.objects) await admin.create(res, obj);
        accepted.push(c);
      } catch (error) {
        if (!(error instanceof KubeRestError && (error.code === 422 || error.code === 400))) throw error;
        refused.push(`${c.kind} ${c.input}: ${error.message.slice(0, 160)}`);
      }
    }
    const t0 = Date.now();
    await eventually(async () => {
      const state = await readHostileState(admin, 'hostile');
      const missing = accepted.map((c) => c.evidence(state)).filter((m): m is string => m !== undefined);
      expect(missing).toEqual([]);
    }, 60_000);
    const reportedMs = Date.now() - t0;

    expect(controller.running).toBe(true);
    expect(await panics(controller)).toBe(0);
    expect(await canaryState(admin)).toEqual({ ...canary, programmed: 'True/Programmed' });
    const freshMs = await freshGatewayMs(admin, 'after-hostile');
    const kinds = new Map<string, number>();
    for (const c of accepted) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    report('hostile objects', {
      seed: SEED,
      'cases generated / accepted by the API server / refused by the schema': [cases.length, accepted.length, refused.length],
      'accepted cases by kind': Object.fromEntries(kinds),
      'refused (schema)': refused,
      'all problems reported within, ms': reportedMs,
      'fresh Gateway programmed afterwards in, ms': freshMs,
      'controller restarts / reconcile panics': [0, 0],
      'canary address moved': 0,
    });
    // Every kind must have been exercised at least once, or the test proved nothing about it.
    expect([...new Set(cases.map((c) => c.kind))].filter((k) => !kinds.has(k))).toEqual([]);
  });

  it('survives a stream of malformed IPAM ConfigMaps, reports each by key and entry, and never moves an address', async () => {
    const { admin } = env();
    await env().createNamespace('cm-probe');
    // Pool values the schema cannot stop (a ConfigMap is free text): each must come back as a condition naming the
    // key and the entry, while the canary's own key stays valid (and, when a value drops it, its address stays).
    const malformed = fc.oneof(
      fc.tuple(fc.ipV4(), fc.ipV4()).filter(([a, b]) => a !== b).map(([a, b]) => { const [lo, hi] = [a, b].sort((x, y) => ipv4Number(x) - ipv4Number(y)); return `${hi}-${lo}`; }),
      fc.tuple(fc.ipV4(), fc.integer({ min: 33, max: 99 })).map(([a, n]) => `${a}/${n}`),
      fc.stringMatching(/^[a-z]{1,12}$/),
      fc.tuple(fc.ipV6(), fc.ipV4()).map(([a, b]) => `${a}-${b}`),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((t) => t.trim() !== '' && !t.includes(',') && !/^[\d.:/-]+$/.test(t)),
    );
    const junkKeys = fc.dictionary(fc.stringMatching(/^[a-z][-a-z0-9.]{0,20}$/), fc.string({ maxLength: 30 }), { maxKeys: 4 });
    const samples = fc.sample(fc.tuple(malformed, junkKeys), { seed: SEED + 100, numRuns: 20 });
    const seen: string[] = [];
    for (const [i, [value, junk]] of samples.entries()) {
      const dropCanary = i % 4 === 3; // now and then the canary's pool key disappears altogether
      await env().setIpam({ ...junk, ...(dropCanary ? {} : { 'range-canary': IPAM['range-canary'] }), 'range-hostile': IPAM['range-hostile'], 'range-cm-probe': value });
      const name = `probe-${i}`;
      await admin.create(R.Gateway, gateway('cm-probe', name, [tcp('tcp', 80)]));
      const message = await waitFor(`Gateway cm-probe/${name} to report range-cm-probe ${JSON.stringify(value)}`, async () => {
        const gw = await admin.get<Gateway>(R.Gateway, { namespace: 'cm-probe', name });
        const p = condition(gw.status?.conditions, 'Programmed');
        return p?.status === 'False' && p.reason === 'AddressNotAssigned' && p.message.includes('range-cm-probe') && (p.message.includes(value.trim()) || p.message.includes(JSON.stringify(value.trim()))) ? p.message : undefined;
      }, 20_000);
      seen.push(`${JSON.stringify(value)} -> ${message}`);
      await admin.delete(R.Gateway, { namespace: 'cm-probe', name });
      expect(controller.running).toBe(true);
      expect((await canaryState(admin)).address).toBe(canary.address);
    }
    await env().setIpam(IPAM);
    expect(await panics(controller)).toBe(0);
    expect(await canaryState(admin)).toEqual({ ...canary, programmed: 'True/Programmed' });
    report('malformed IPAM ConfigMaps', { seed: SEED, 'ConfigMaps applied': samples.length, 'each reported as': seen, 'canary address moved': 0 });
  });

  it('hands out addresses from a /8 and an IPv6 /48 at once, and /metrics reports their exact sizes', async () => {
    const { admin } = env();
    for (const ns of ['huge4', 'huge6']) await env().createNamespace(ns);
    await admin.create(R.ConfigMap, { metadata: { namespace: 'huge6', name: 'v6' }, data: { ipFamilyPolicy: 'SingleStack', ipFamilies: 'IPv6' } } as ConfigMap);
    await env().setIpam({ ...IPAM, 'cidr-huge4': '10.0.0.0/8', 'cidr-huge6': 'fd00:1::/48' });
    const t0 = Date.now();
    const count = 20;
    for (let i = 0; i < count; i++) {
      await admin.create(R.Gateway, gateway('huge4', `g${i}`, [tcp('tcp', 80)]));
      await admin.create(R.Gateway, gateway('huge6', `g${i}`, [tcp('tcp', 80)], { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'v6' } } }));
    }
    const addresses = await waitFor('all 40 Gateways in the huge pools to get an address', async () => {
      const all = [...(await admin.list<Gateway>(R.Gateway, 'huge4')), ...(await admin.list<Gateway>(R.Gateway, 'huge6'))];
      return all.every((g) => statusAddresses(g).length === 1) ? all.map((g) => statusAddresses(g)[0]!) : undefined;
    }, 30_000);
    const elapsedMs = Date.now() - t0;
    expect(new Set(addresses).size).toBe(2 * count);
    expect(addresses.filter((a) => a.startsWith('10.')).length).toBe(count);
    expect(addresses.filter((a) => a.startsWith('fd00:1:')).length).toBe(count);
    const t1 = Date.now();
    const metrics = await controller.metrics();
    const scrapeMs = Date.now() - t1;
    const size = (pool: string, family: string) => Number(new RegExp(`^kvgw_ipam_pool_addresses\\{pool="${pool}",family="${family}",state="size"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    // A /8 less the .0 and .255 of each of its 65,536 /24s; a /48 has 2^80 addresses (a power of two: exact as a float).
    expect(size('cidr-huge4', 'IPv4')).toBe(2 ** 24 - 2 * 65_536);
    expect(size('cidr-huge6', 'IPv6')).toBe(2 ** 80);
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]) / 2 ** 20;
    expect(controller.running).toBe(true);
    expect(await panics(controller)).toBe(0);
    report('huge pools', { 'Gateways addressed (/8 + /48)': 2 * count, 'all addressed in, ms': elapsedMs, '/metrics scrape, ms': scrapeMs, 'controller RSS, MiB': Math.round(rss) });
  });
});

function ipv4Number(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

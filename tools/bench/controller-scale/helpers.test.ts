import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { bucketDiff, buckets, diff, histogramQuantile, MetricsFormatError, parseMetrics, sum, sumBy } from './prom.js';
import { cpuSecondsFromStat, statusFieldMiB } from './procstat.js';
import { imageNodeArgs } from './controller-process.js';
import { strategyOf } from './strategy.mjs';
import { buildWorkload, InvalidWorkloadError } from './workload.js';
import { forCreate, replayGatewayWork } from './ceiling.js';
import type { KubeObject } from '@kube-vip-gw/controller-runtime';

const SCRAPE = `# HELP rest_client_requests_total Number of HTTP requests
# TYPE rest_client_requests_total counter
rest_client_requests_total{code="200",method="GET",host="127.0.0.1:6443"} 12
rest_client_requests_total{code="201",method="POST",host="127.0.0.1:6443"} 5
rest_client_requests_total{code="409",method="PUT",host="127.0.0.1:6443"} 2
rest_client_requests_total{code="200",method="PUT",host="127.0.0.1:6443"} 7
controller_runtime_reconcile_time_seconds_bucket{le="0.01",controller="gateway"} 4
controller_runtime_reconcile_time_seconds_bucket{le="0.1",controller="gateway"} 8
controller_runtime_reconcile_time_seconds_bucket{le="+Inf",controller="gateway"} 10
nodejs_eventloop_lag_mean_seconds Nan
label_with_escapes{path="a\\"b\\\\c"} 1
`;

describe('parseMetrics', () => {
  const samples = parseMetrics(SCRAPE);
  it('reads samples, sums and groups them by a label', () => {
    expect(sum(samples, 'rest_client_requests_total')).toBe(26);
    expect(sum(samples, 'rest_client_requests_total', { method: 'PUT' })).toBe(9);
    expect(sumBy(samples, 'rest_client_requests_total', 'method')).toEqual({ GET: 12, POST: 5, PUT: 9 });
    expect(sumBy(samples, 'rest_client_requests_total', 'code', { method: 'PUT' })).toEqual({ '409': 2, '200': 7 });
  });
  it("accepts prom-client's Nan and escaped label values", () => {
    expect(Number.isNaN(samples.find((s) => s.name === 'nodejs_eventloop_lag_mean_seconds')!.value)).toBe(true);
    expect(samples.find((s) => s.name === 'label_with_escapes')!.labels.path).toBe('a"b\\c');
  });
  it.each(['metric{unterminated="x} 1', 'not a sample', 'metric 12abc'])('refuses %j, naming the line', (line) => {
    expect(() => parseMetrics(line)).toThrow(MetricsFormatError);
    expect(() => parseMetrics(line)).toThrow(JSON.stringify(line));
  });
  it('diffs counters between scrapes, keeping only what changed', () => {
    expect(diff({ GET: 5, PUT: 3 }, { GET: 5, PUT: 1, DELETE: 2 })).toEqual({ PUT: 2, DELETE: -2 });
  });
});

describe('histogramQuantile', () => {
  const h = buckets(parseMetrics(SCRAPE), 'controller_runtime_reconcile_time_seconds', { controller: 'gateway' });
  it.each([
    [0.2, 0.005], // rank 2 of the 4 in [0, 0.01]
    [0.5, 0.0325], // rank 5: one of the 4 in (0.01, 0.1]
    [0.8, 0.1], // rank 8: the top of the second bucket
    [0.99, 0.1], // in +Inf: the highest finite bound
  ])('q=%s -> %s', (q, expected) => {
    expect(histogramQuantile(q, h)).toBeCloseTo(expected, 6);
  });
  it('is undefined for an empty histogram and works on differences of scrapes', () => {
    expect(histogramQuantile(0.5, new Map())).toBeUndefined();
    const before = new Map([[0.01, 4], [0.1, 4], [Infinity, 4]]);
    expect(histogramQuantile(0.5, bucketDiff(h, before))).toBeCloseTo(0.01 + 0.09 * (3 / 4), 6);
  });
  test.prop([fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'stays within the bucket bounds and grows with q',
    (counts, q) => {
      let cumulative = 0;
      const h2 = new Map<number, number>();
      counts.forEach((c, i) => h2.set(10 ** (i - 3), (cumulative += c)));
      h2.set(Infinity, cumulative);
      const v = histogramQuantile(q, h2);
      if (cumulative === 0) {
        expect(v).toBeUndefined();
        return;
      }
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(10 ** (counts.length - 4));
      expect(histogramQuantile(Math.min(1, q + 0.1), h2)!).toBeGreaterThanOrEqual(v!);
    },
  );
});

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (my app)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 1000 1000000 5000';
    expect(cpuSecondsFromStat(stat)).toBeCloseTo(3.25, 6);
  });
  it('refuses a line it cannot read', () => {
    expect(() => cpuSecondsFromStat('garbage')).toThrow('unexpected /proc stat line');
  });
  it('reads Vm fields in MiB, 0 when absent', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(statusFieldMiB(status, 'VmHWM')).toBe(200);
    expect(statusFieldMiB(status, 'VmRSS')).toBe(100);
    expect(statusFieldMiB(status, 'VmSwap')).toBe(0);
  });
});

describe('buildWorkload', () => {
  test.prop([fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 12 })], { numRuns: 40 })(
    'every route names an existing listener of its protocol, has its own backend, and attachments add up',
    (gateways, routesWanted, namespaces) => {
      const routes = Math.min(routesWanted, gateways * 64);
      const w = buildWorkload({ gateways, routes, namespaces });
      const allRoutes = w.batches.flatMap((b) => b.routes.map((r) => ({ ...r, batch: b })));
      expect(allRoutes).toHaveLength(routes);
      expect(w.expectedServices).toBe(gateways);
      expect(buildWorkload({ gateways, routes, namespaces }, { perRouteServices: true }).expectedServices).toBe(routes);
      const backends = new Set(w.batches.flatMap((b) => b.backends.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)));
      expect(backends.size).toBe(routes);
      // Each backend has the EndpointSlice kube-controller-manager would write, with a distinct endpoint address.
      const slices = w.batches.flatMap((b) => b.endpointSlices);
      expect(new Set(slices.map((s) => `${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name']}`))).toEqual(backends);
      expect(new Set(slices.map((s) => (s as unknown as { endpoints: { addresses: string[] }[] }).endpoints[0]!.addresses[0])).size).toBe(routes);
      for (const { kind, object, batch } of allRoutes) {
        const spec = object.spec as { parentRefs: { name: string; sectionName: string }[]; rules: { backendRefs: { name: string }[] }[] };
        const gw = batch.gateway;
        expect(spec.parentRefs[0]!.name).toBe(gw.metadata.name);
        expect(object.metadata.namespace).toBe(gw.metadata.namespace);
        const listener = (gw.spec as { listeners: { name: string; protocol: string }[] }).listeners.find((l) => l.name === spec.parentRefs[0]!.sectionName);
        expect(listener?.protocol).toBe(kind === 'TCPRoute' ? 'TCP' : 'UDP');
        expect(backends.has(`${object.metadata.namespace}/${spec.rules[0]!.backendRefs[0]!.name}`)).toBe(true);
      }
      const attached = w.batches.reduce((n, b) => n + Object.values(b.attached).reduce((a, x) => a + x, 0), 0);
      expect(attached).toBe(routes);
      for (const b of w.batches) for (const n of Object.values(b.attached)) expect(n).toBeLessThanOrEqual(1);
    },
    // Up to 25,600 objects per case: generous for a shared, loaded machine.
    60_000,
  );
  it.each([
    [{ gateways: 0, routes: 1, namespaces: 1 }, 'gateways 0'],
    [{ gateways: 1, routes: -1, namespaces: 1 }, 'routes -1'],
    [{ gateways: 1, routes: 65, namespaces: 1 }, 'a Gateway has at most 64'],
    [{ gateways: 2, routes: 2, namespaces: 0.5 }, 'namespaces 0.5'],
  ])('refuses %j', (size, message) => {
    expect(() => buildWorkload(size)).toThrow(InvalidWorkloadError);
    expect(() => buildWorkload(size)).toThrow(message);
  });
});

describe('imageNodeArgs', () => {
  it("reads the node flags between node and the script of the image's exec-form ENTRYPOINT", () => {
    expect(imageNodeArgs('FROM x\nENTRYPOINT ["node", "--optimize-for-size", "--max-semi-space-size=2", "/app/c.js"]\n')).toEqual([
      '--optimize-for-size',
      '--max-semi-space-size=2',
    ]);
    expect(imageNodeArgs('ENTRYPOINT ["node", "/app/c.js"]')).toEqual([]);
  });

  it('refuses a shell-form ENTRYPOINT, a missing one, or one that does not run node', () => {
    expect(() => imageNodeArgs('ENTRYPOINT node /app/c.js')).toThrow(/exec form/);
    expect(() => imageNodeArgs('FROM x')).toThrow(/no ENTRYPOINT/);
    expect(() => imageNodeArgs('ENTRYPOINT ["/bin/sh", "-c", "x"]')).toThrow(/must be \["node"/);
  });

  it("matches the repository's Dockerfile (the flags the benchmark runs with are the image's)", () => {
    const flags = imageNodeArgs();
    expect(flags.every((f) => f.startsWith('--'))).toBe(true);
    expect(flags).toContain('--optimize-for-size');
  });
});

describe('strategyOf', () => {
  it("names a run's Service strategy from its last --service-behaviour flag, else the controller's default", () => {
    expect(strategyOf({ controllerArgs: [] })).toBe('auto');
    expect(strategyOf({})).toBe('auto');
    expect(strategyOf({ controllerArgs: ['--concurrency=8', '--service-behaviour=create', '--service-behaviour=update'] })).toBe('update');
  });
});

describe('ceiling replay', () => {
  it('creates without server-set fields and lets the new API server allocate ClusterIPs', () => {
    const svc = forCreate({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'n', uid: 'u', resourceVersion: '9', creationTimestamp: 'x', managedFields: [], labels: { a: 'b' } },
      spec: { type: 'LoadBalancer', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ports: [{ port: 80 }] },
      status: { loadBalancer: {} },
    } as unknown as KubeObject);
    expect(svc).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n', labels: { a: 'b' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  });

  it('replays a Gateway\u2019s writes in the controller\u2019s order and counts each, owners pointed at the new Gateway', async () => {
    const log: string[] = [];
    const writer = {
      create: async (res: { kind: string }, obj: KubeObject) => {
        log.push(`create ${res.kind} ${obj.metadata.name} owner ${obj.metadata.ownerReferences?.[0]?.uid ?? '-'}`);
        return obj;
      },
      patch: async (res: { kind: string }, _ns: string, name: string) => void log.push(`patch ${res.kind} ${name}`),
      patchStatus: async (res: { kind: string }, _ns: string, name: string, status: Record<string, unknown>) => void log.push(`status ${res.kind} ${name} ${Object.keys(status).join(',')}`),
    };
    const owner = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'g', uid: 'old', controller: true }];
    const writes = await replayGatewayWork(writer as unknown as Parameters<typeof replayGatewayWork>[0], {
      namespace: 'n',
      name: 'g',
      finalizers: ['f'],
      status: { addresses: [{ value: '10.0.0.1' }], conditions: [] },
      services: [{ metadata: { name: 'svc', namespace: 'n', ownerReferences: owner } }],
      endpointSlices: [{ metadata: { name: 'svc-1', namespace: 'n', ownerReferences: owner } }],
      events: [{ metadata: { name: 'e', namespace: 'n' } }],
      routes: [{ kind: 'TCPRoute', name: 'r', status: { parents: [] } }],
    }, 'new');
    expect(log).toEqual([
      'patch Gateway g',
      'status Gateway g addresses',
      'create Service svc owner new',
      'create EndpointSlice svc-1 owner new',
      'status Gateway g addresses,conditions',
      'status TCPRoute r parents',
      'create Event e owner -',
    ]);
    expect(writes).toBe(7);
  });
});

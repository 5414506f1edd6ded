// Security: the controller, run with exactly deploy/'s RBAC through a scenario that takes every code path that talks to
// the API server, is recorded by the API server's audit log; the verbs and resources it used must be exactly what the
// ClusterRole and Role grant (nothing missing: no 403; nothing more: no grant unused). It never touches Secrets. The
// Deployment runs it non-root on a read-only root filesystem; /metrics and the probes expose nothing sensitive; its
// production dependencies are few, exactly pinned and locked; `npm audit --omit=dev` is recorded (the registry may
// not answer it).
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ConfigMap, EndpointSlice, Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { REPO_ROOT, type ControllerProcess } from '../e2e/support/controller-process.js';
import { R } from '../e2e/support/kube-rest.js';
import { condition, endpointSlice, gateway, route, service, tcp, udp } from '../e2e/support/objects.js';
import { eventually, readAuditLog, sleep, waitFor, type AuditedRequest } from '@kube-vip-gw/test-support';
import { CONTROLLER_AUDIT, LEASE, useReliabilityEnv } from './support/env.js';
import { report } from './support/report.js';

const run = promisify(execFile);
const env = useReliabilityEnv({ audit: 'all', ipam: { 'range-global': '10.65.0.1-10.65.0.50' } });
/** A name that must never appear on /metrics or the probes. */
const MARKER = 'topsecret';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

/** The Lease verbs of the ClusterRole: kube-vip's Leases are watched in every namespace. */
const LEASE_READS = new Set(['coordination.k8s.io leases list', 'coordination.k8s.io leases watch']);

function manifests(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'deploy', file), 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** `group resource verb` for every combination a rule list grants. */
function granted(rules: readonly Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs ?? []) out.add(`${g || 'core'} ${res} ${v}`);
  return out;
}

function used(requests: readonly AuditedRequest[]): Set<string> {
  return new Set(requests.filter((r) => r.resource !== '').map((r) => `${r.apiGroup || 'core'} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.verb}`));
}

async function get(url: string, method = 'GET'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: 5_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

let controller: ControllerProcess;
let requests: AuditedRequest[] = [];
const endpoints: Record<string, { status: number; text: string }> = {};
let secrets: string[] = [];

beforeAll(async () => {
  const { admin } = env();
  for (const ns of [`${MARKER}-a`, `${MARKER}-b`]) await env().createNamespace(ns);
  const [a, b] = [`${MARKER}-a`, `${MARKER}-b`];
  controller = await env().startController({ leaderElect: true, waitLeading: true });

  // Backends for every strategy, one of them in another namespace behind a ReferenceGrant.
  await admin.create(R.Service, service(a, 'web', { app: 'web' }, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]));
  await admin.create(R.Service, service(a, 'dns', { app: 'dns' }, [{ port: 53, protocol: 'UDP', targetPort: 5353 }]));
  await admin.create(R.Service, service(a, 'api', { app: 'api' }, [{ port: 8082, protocol: 'TCP', targetPort: 3000 }]));
  await admin.create(R.Service, service(b, 'remote', { app: 'remote' }, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]));
  await admin.create(R.EndpointSlice, endpointSlice(b, 'remote', ['10.244.1.1'], { name: 'http', port: 8080 }));
  await admin.create(R.ReferenceGrant, { metadata: { namespace: b, name: 'from-a' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute', namespace: a }], to: [{ group: '', kind: 'Service' }] } });
  await admin.create(R.ConfigMap, { metadata: { namespace: a, name: 'params' }, data: { serviceBehaviour: 'duplicate' } } as ConfigMap);
  await admin.create(R.Gateway, gateway(a, `${MARKER}-gw`, [tcp('web', 80), udp('dns', 53), tcp('api', 8082), tcp('remote', 9090), tcp('sel', 7070)], {
    infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'params' } },
  }));
  const parent = (sectionName: string) => [{ name: `${MARKER}-gw`, sectionName }];
  const strategy = (s: string, extra: Record<string, string> = {}) => ({ annotations: { 'kube-vip.io/service-behaviour': s, ...extra } });
  await admin.create(R.TCPRoute, route('TCPRoute', a, 'web', parent('web'), [{ name: 'web', port: 80 }]));
  await admin.create(R.UDPRoute, route('UDPRoute', a, 'dns', parent('dns'), [{ name: 'dns', port: 53 }]));
  await admin.create(R.TCPRoute, route('TCPRoute', a, 'api', parent('api'), [{ name: 'api', port: 8082 }], strategy('update')));
  await admin.create(R.TCPRoute, route('TCPRoute', a, 'remote', parent('remote'), [{ name: 'remote', namespace: b, port: 80 }], strategy('endpoints')));
  await admin.create(R.TCPRoute, route('TCPRoute', a, 'sel', parent('sel'), [{ name: 'web', port: 80 }], strategy('create', { 'kube-vip.io/route-selector': 'app=web' })));
  // A ListenerSet naming the Gateway (which takes none): its status is written (listenersets/status update).
  await admin.create(R.ListenerSet, { metadata: { namespace: a, name: 'extra' }, spec: { parentRef: { name: `${MARKER}-gw` }, listeners: [tcp('extra', 7071)] } } as KubeObject);
  const made = () => admin.list<Service>(R.Service, a, 'app.kubernetes.io/managed-by=kube-vip-gateway-api');
  await waitFor('the Gateway to be programmed with every strategy', async () => {
    const gw = await admin.get<Gateway>(R.Gateway, { namespace: a, name: `${MARKER}-gw` });
    return condition(gw.status?.conditions, 'Programmed')?.status === 'True' && (await made()).length === 5 && (await admin.list<EndpointSlice>(R.EndpointSlice, a)).length > 0;
  }, 30_000);

  await waitFor('the ListenerSet status to be written', async () => {
    const ls = await admin.get<KubeObject & { status?: { conditions?: { type: string; reason: string }[] } }>(R.ListenerSet, { namespace: a, name: 'extra' });
    return ls.status?.conditions?.some((c) => c.type === 'Accepted' && c.reason === 'NotAllowed') === true;
  }, 20_000);

  // Changes: a backend's endpoints (the mirrored EndpointSlice is patched), a listener's port (its Service patched).
  const slice = (await admin.list<EndpointSlice>(R.EndpointSlice, b))[0]!;
  await admin.patch(R.EndpointSlice, slice.metadata, { endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: true } }] }, 'merge');
  const gw = await admin.get<Gateway>(R.Gateway, { namespace: a, name: `${MARKER}-gw` });
  await admin.patch(R.Gateway, gw.metadata, { spec: { listeners: gw.spec.listeners.map((l) => (l.name === 'web' ? { ...l, port: 81 } : l)) } }, 'merge');
  await waitFor('the web Service to follow the listener to port 81', async () => (await made()).some((s) => s.spec?.ports?.some((p) => p.port === 81)), 20_000);
  await waitFor('the mirrored EndpointSlice to follow the backend', async () => (await admin.list<EndpointSlice>(R.EndpointSlice, a)).some((s) => s.endpoints.some((e) => e.addresses.includes('10.244.1.2'))), 20_000);

  // A warning that repeats (an infrastructure label the controller owns): the Event series is patched after 5 s. The
  // controller reports a mapping warning with a change it makes, so each repeat moves the listener (its Service is
  // patched); a change that leaves the objects as they are would not report it again.
  await admin.create(R.Gateway, gateway(a, `${MARKER}-warn`, [tcp('web', 80)], { infrastructure: { labels: { implementation: 'other' } } }));
  await admin.create(R.TCPRoute, route('TCPRoute', a, 'warn', [{ name: `${MARKER}-warn` }], [{ name: 'web', port: 80 }]));
  for (let i = 0; i < 4; i++) {
    await sleep(1_500);
    await admin.patch(R.Gateway, { namespace: a, name: `${MARKER}-warn` }, { spec: { listeners: [tcp('web', 81 + i)] } }, 'merge');
  }
  await waitFor('the repeated warning to be counted on its Event', async () => {
    const events = await admin.list<KubeObject & { reason?: string; series?: { count: number } }>(R.Event, a);
    return events.some((e) => e.reason === 'ReservedKeyIgnored' && (e.series?.count ?? 0) > 1);
  }, 20_000);

  // Endpoints of the probes, while it runs.
  for (const [name, url] of [
    ['/metrics', `${controller.metricsUrl}/metrics`],
    ['/healthz', `${controller.probeUrl}/healthz?verbose`],
    ['/readyz', `${controller.probeUrl}/readyz?verbose`],
    ['/debug/pprof/ (metrics port)', `${controller.metricsUrl}/debug/pprof/`],
    ['/debug/pprof/ (probe port)', `${controller.probeUrl}/debug/pprof/`],
    ['/debug/vars', `${controller.metricsUrl}/debug/vars`],
    ['/env', `${controller.probeUrl}/env`],
  ] as const) {
    endpoints[name] = await get(url);
  }
  endpoints['POST /metrics'] = await get(`${controller.metricsUrl}/metrics`, 'POST');

  // Teardown paths: a route detached (the adopted Service restored), the Gateways deleted (released), then SIGTERM
  // (the Lease released).
  await admin.delete(R.TCPRoute, { namespace: a, name: 'api' });
  await waitFor('the adopted Service to be restored', async () => (await admin.get<Service>(R.Service, { namespace: a, name: 'api' })).spec?.type === 'ClusterIP', 20_000);
  await admin.delete(R.Gateway, { namespace: a, name: `${MARKER}-gw` });
  await admin.delete(R.Gateway, { namespace: a, name: `${MARKER}-warn` });
  await waitFor('both Gateways to be released', async () => (await admin.list<Gateway>(R.Gateway, a)).length === 0 && (await made()).length === 0, 30_000);
  await controller.kill('SIGTERM');
  const kubeconfig = readFileSync(controller.options.kubeconfig, 'utf8');
  secrets = [...kubeconfig.matchAll(/(client-key-data|client-certificate-data|certificate-authority-data): (\S+)/g)].map((m) => m[2]!.slice(0, 48));
  requests = await eventually(() => {
    const r = readAuditLog(env().auditLog!, CONTROLLER_AUDIT);
    expect(r.some((x) => x.resource === 'leases' && x.verb === 'update' && x.leaseHolder === '')).toBe(true);
    return r;
  });
}, 240_000);

afterAll(() => {
  report('security', {
    'API requests audited': requests.length,
    'verbs and resources used': [...used(requests)].sort(),
    'non-resource requests (discovery)': [...new Set(requests.filter((r) => r.nonResourcePath).map((r) => r.nonResourcePath!.replace(/\?.*$/, '')))].sort(),
    'Secrets read': requests.filter((r) => r.resource === 'secrets').length,
    'requests refused (403)': requests.filter((r) => r.code === 403).length,
    'probe and metrics endpoints': Object.fromEntries(Object.entries(endpoints).map(([k, v]) => [k, v.status])),
  });
});

describe('RBAC', () => {
  it('the ClusterRole grants exactly the verbs and resources the controller used across the scenario, and no wildcard', () => {
    const clusterRole = manifests('01-rbac.yaml').find((o) => o.kind === 'ClusterRole')!;
    const rules = clusterRole['rules'] as Rule[];
    for (const r of rules) for (const field of [r.apiGroups, r.resources, r.verbs]) expect(field).not.toContain('*');
    // Leases: read (list, watch) cluster-wide for kube-vip's; written only for leader election (the Role).
    const usedCluster = new Set([...used(requests)].filter((u) => !u.startsWith('coordination.k8s.io leases ') || LEASE_READS.has(u)));
    expect([...usedCluster].sort()).toEqual([...granted(rules)].sort());
  });

  it('the Role grants exactly the Lease verbs used, only in the controller namespace', () => {
    const role = manifests('01-rbac.yaml').find((o) => o.kind === 'Role')!;
    expect(role.metadata.namespace).toBe(LEASE.namespace);
    const leases = requests.filter((r) => r.resource === 'leases' && !LEASE_READS.has(`coordination.k8s.io leases ${r.verb}`));
    expect(new Set(leases.map((r) => r.namespace))).toEqual(new Set([LEASE.namespace]));
    expect([...used(leases)].sort()).toEqual([...granted(role['rules'] as Rule[])].sort());
  });

  it('nothing was refused and no Secret was read or is grantable', () => {
    expect(requests.filter((r) => r.code === 403).map((r) => `${r.verb} ${r.resource} ${r.namespace}/${r.name}`)).toEqual([]);
    expect(requests.filter((r) => r.resource === 'secrets')).toEqual([]);
    for (const o of manifests('01-rbac.yaml')) for (const r of (o['rules'] as Rule[] | undefined) ?? []) expect(r.resources).not.toContain('secrets');
  });
});

describe('endpoints', () => {
  it('/metrics and the probes carry no credentials, object names or Gateway addresses; nothing else is served', () => {
    for (const [name, { text }] of Object.entries(endpoints)) {
      expect(text, name).not.toContain('-----BEGIN');
      expect(text, name).not.toMatch(/token|password|kubeconfig/i);
      expect(text, name).not.toContain(MARKER);
      expect(text, name).not.toMatch(/10\.65\.0\.\d+/);
      for (const s of secrets) expect(text, name).not.toContain(s);
    }
    expect(endpoints['/metrics']?.status).toBe(200);
    expect(endpoints['/healthz']?.status).toBe(200);
    expect(endpoints['/readyz']?.status).toBe(200);
    for (const p of ['/debug/pprof/ (metrics port)', '/debug/pprof/ (probe port)', '/debug/vars', '/env']) expect(endpoints[p]?.status, p).toBe(404);
    expect(endpoints['POST /metrics']?.status).toBe(405);
  });
});

describe('deployment', () => {
  it('runs non-root, read-only root filesystem, no privilege escalation, no capabilities, no Secrets mounted', () => {
    const deployment = manifests('02-deployment.yaml').find((o) => o.kind === 'Deployment') as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
    const pod = deployment.spec.template.spec as {
      serviceAccountName?: string;
      securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
      hostNetwork?: boolean;
      hostPID?: boolean;
      volumes?: { secret?: unknown }[];
      containers: { args?: string[]; env?: { valueFrom?: { secretKeyRef?: unknown } }[]; securityContext?: Record<string, unknown>; resources?: { limits?: { memory?: string } } }[];
    };
    expect(pod.serviceAccountName).toBe('kube-vip-gateway-api');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect((pod.volumes ?? []).filter((v) => v.secret)).toEqual([]);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext?.['privileged'] ?? false).toBe(false);
      expect((c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef)).toEqual([]);
      expect(c.resources?.limits?.memory).toBeDefined();
      expect(c.args).toContain('--leader-elect');
    }
    const namespace = manifests('00-namespace.yaml')[0]!;
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'apps/controller/Dockerfile'), 'utf8');
    const user = /^USER\s+(\d+)(?::(\d+))?\s*$/m.exec(dockerfile);
    expect(Number(user?.[1])).toBeGreaterThan(0);
  });

  it('writes no files: no code the binary is built from imports node:fs (so a read-only root filesystem is enough)', () => {
    const offenders: string[] = [];
    const scan = (dir: string, skip: RegExp) => {
      for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (skip.test(rel)) continue;
        if (entry.isDirectory()) scan(rel, skip);
        else if (rel.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(rel)) {
          if (/from ['"](node:)?fs(\/promises)?['"]|require\(['"](node:)?fs/.test(readFileSync(path.join(REPO_ROOT, rel), 'utf8'))) offenders.push(rel);
        }
      }
    };
    // The envtest directory and the testing helpers of controller-runtime are not part of the binary.
    scan('packages/controller-runtime/src', /envtest|testing/);
    for (const p of ['apps/controller/src', 'packages/controller/src', 'packages/kube-core/src', 'packages/ipam/src', 'packages/gateway-model/src', 'packages/service-mapper/src']) scan(p, /^$/);
    expect(offenders).toEqual([]);
  });
});

describe('dependencies', () => {
  const workspace = ['apps/controller', 'packages/controller', 'packages/controller-runtime', 'packages/kube-core', 'packages/ipam', 'packages/gateway-model', 'packages/service-mapper'];
  const deps = workspace.flatMap((p) =>
    Object.entries((JSON.parse(readFileSync(path.join(REPO_ROOT, p, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}).map(
      ([name, version]) => ({ workspace: p, name, version }),
    ),
  );
  const thirdParty = deps.filter((d) => !d.name.startsWith('@kube-vip-gw/'));

  it('few third-party production dependencies, each pinned to one exact version and locked with an integrity hash', async () => {
    expect([...new Set(thirdParty.map((d) => d.name))].sort()).toEqual(['@kubernetes/client-node', 'commander', 'ipaddr.js', 'pino', 'prom-client', 'yaml']);
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> };
    for (const d of thirdParty) {
      expect(d.version, `${d.workspace}: ${d.name}`).toMatch(/^\d+\.\d+\.\d+$/);
      // Resolved as Node does: the workspace's own node_modules first, then the root's.
      const locked = lock.packages[`${d.workspace}/node_modules/${d.name}`] ?? lock.packages[`node_modules/${d.name}`];
      expect(locked?.version, `${d.workspace}: ${d.name}`).toBe(d.version);
    }
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable', '--workspace', '@kube-vip-gw/controller-app'], { cwd: REPO_ROOT, timeout: 60_000 });
    // Every package of the production tree but our own workspace links (which the bundle compiles in from source).
    const tree = [...new Set(stdout.split('\n').filter((l) => l.includes('node_modules/') && !l.includes('node_modules/@kube-vip-gw/')).map((l) => path.relative(REPO_ROOT, l)))];
    const unlocked = tree.filter((p) => !lock.packages[p]?.integrity);
    expect(unlocked).toEqual([]);
    report('dependencies', {
      'third-party direct (exact versions)': Object.fromEntries(thirdParty.map((d) => [d.name, d.version])),
      'production packages in the tree, all with lockfile integrity': tree.length,
    });
  });

  it('records npm audit --omit=dev, and has no high or critical advisory when the registry answers', async () => {
    let out: string;
    try {
      out = (await run('npm', ['audit', '--omit=dev', '--json'], { cwd: REPO_ROOT, timeout: 90_000 })).stdout;
    } catch (error) {
      // npm exits non-zero both for findings and for an audit endpoint that does not answer.
      out = (error as { stdout?: string }).stdout ?? '';
    }
    let parsed: { metadata?: { vulnerabilities?: Record<string, number> }; message?: string; statusCode?: number; error?: unknown } = {};
    try {
      parsed = JSON.parse(out) as typeof parsed;
    } catch {
      parsed = { message: `unparsable npm audit output: ${out.slice(0, 200)}` };
    }
    const counts = parsed.metadata?.vulnerabilities;
    report('npm audit --omit=dev', counts ? { answered: true, vulnerabilities: counts } : { answered: false, why: parsed.message ?? 'no answer' });
    if (counts) expect((counts['high'] ?? 0) + (counts['critical'] ?? 0)).toBe(0);
  });
});

// Runs the upstream Gateway API conformance suite (tools/conformance/suite, unmodified tests) against the controller on
// a local cluster: etcd + kube-apiserver (envtest), kube-controller-manager (namespace, deployment, replicaset,
// endpointslice, garbage collector, service accounts), kube-scheduler, and kwok faking one Node and making every Pod
// Running and Ready. The controller is the built bundle, run with the ServiceAccount identity of deploy/.
//
//   npm run test:conformance                          # --phases status: the tests that send no traffic
//   npm run test:conformance -- --phases status,traffic   # then the traffic tests, on a real data plane
//   npm run test:conformance -- --phases full         # the whole suite in one go test run (what docs/ publishes)
//   npm run test:conformance -- --phases auto --skip-not-applicable --skip-weighted # what .ci/run runs
//   npm run test:conformance -- --phases auto    # status, plus traffic when the data plane can run here
//   npm run test:conformance -- --keep-logs           # keep the control plane's logs of a passing run too
//
// Results go to --results (default .conformance-results/): conformance-<phase>.jsonl (the go test -json stream),
// conformance-<phase>.md (per-test table), report-full.yaml (the suite's own report, full runs only),
// conformance-summary.json (read by tools/ci/summarize.mjs) and logs/.
//
// Network rule: the traffic tests dial Gateway addresses, so they run only with a data plane (@kube-vip-gw/dataplane:
// kube-vip and kube-proxy in a node network namespace) and with the go test process itself inside the data plane's
// client namespace, which reaches the API server through a unix-socket relay. Without a data plane only the status
// phase runs (from the host namespace, which then sends nothing but loopback traffic: the phase selects, by name,
// only tests that send no packet; results.ts TRAFFIC_TESTS lists the others).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalControlPlane, freePort } from '@kube-vip-gw/controller-runtime/envtest';
import { ManagedProcess } from '../../packages/controller-runtime/src/envtest/process.js';
import { ControllerProcess, REPO_ROOT, ensureControllerBundle } from '../../apps/controller/test/e2e/support/controller-process.js';
import { KubeRest, R } from '../../apps/controller/test/e2e/support/kube-rest.js';
import { sleep } from '@kube-vip-gw/test-support';
import {
  DataPlane,
  KUBE_PROXY_IDENTITY,
  KUBE_VIP_IDENTITY,
  POOL_V4,
  POOL_V4_RANGE,
  assertDataPlaneSupported,
  dataPlaneUnsupportedReason,
  ensureDataPlaneBinaries,
  kubeVipRbac,
  nodeAddresses,
  nodeName,
  nodeObject,
  nodeStatus,
  startApiRelay,
  type ApiRelay,
} from '@kube-vip-gw/dataplane';
import { PodBackends } from './pod-backends.js';
import { NOT_APPLICABLE_L4, ROOT_TEST, TRAFFIC_TESTS, WEIGHTED_TESTS, combine, parseTestEvents, renderTable, summarize, verdictsFrom, type ConformanceSummary } from './results.js';

const HERE = path.join(REPO_ROOT, 'tools/conformance');
/** The ServiceAccount of deploy/01-rbac.yaml, as a client-certificate identity (as the e2e suite runs it). */
const CONTROLLER_IDENTITY = {
  user: 'system:serviceaccount:kube-vip-gateway-api:kube-vip-gateway-api',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-vip-gateway-api', 'system:authenticated'],
} as const;
const GATEWAY_CLASS = 'kube-vip';
/**
 * Without a data plane: a pool of documentation addresses (RFC 5737) that nothing ever sends a packet to. With one:
 * the data plane's pool on the client's segment. GatewayStaticAddresses takes the last address of the pool as its
 * usable address (the allocator hands out the lowest free one, so nothing else takes it first) and an address in no
 * pool as its unusable one (it never dials either).
 */
const STATUS_ONLY_NET = { pool: '192.0.2.10-192.0.2.200', usable: '192.0.2.200', unusable: '198.51.100.1' } as const;
const DATAPLANE_NET = { pool: POOL_V4_RANGE, usable: POOL_V4.last, unusable: '198.51.100.1' } as const;
const NODE_NAME = 'kwok-node-1';
/**
 * kwok gives Pods addresses from this block: with a data plane it is the upper half of the backend segment
 * (10.78.0.0/24, whose low addresses are the backend bridge and the nodes), where PodBackends serves them.
 */
const POD_CIDR_STATUS_ONLY = '10.244.0.0/24';
const POD_CIDR_DATAPLANE = '10.78.0.128/25';

type Phase = 'status' | 'traffic' | 'full';
const PHASES: readonly Phase[] = ['status', 'traffic', 'full'];

class ConformanceHarnessError extends Error {
  readonly _tag = 'ConformanceHarnessError';
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceHarnessError';
  }
}

const { values } = parseArgs({
  options: {
    phases: { type: 'string', default: 'status' },
    results: { type: 'string', default: path.join(REPO_ROOT, '.conformance-results') },
    'keep-logs': { type: 'boolean', default: false },
    'go-timeout': { type: 'string', default: '40m' },
    // CI's budget: the tests that need HTTP/HTTPS/TLS listeners each wait out the suite's timeouts (up to 300 s per
    // subtest, several in sequence), so CI skips them with the suite's own -skip-tests; docs/ publishes a full run.
    'skip-not-applicable': { type: 'boolean', default: false },
    // CI's stability: the two weighted tests cannot pass here (kube-proxy splits evenly; they are "weights
    // approximated" at best), and in 1 of 4 CI-style runs the weight-0 backend received 1 of 500 requests in one
    // attempt (a failure, rightly: docs/conformance.md). Skipped in CI until that is understood; full runs keep them.
    'skip-weighted': { type: 'boolean', default: false },
  },
});
// auto: the traffic tests too when this machine can run the data plane (root, ip netns), else the status tests only.
const autoReason = values.phases === 'auto' ? dataPlaneUnsupportedReason() : undefined;
if (values.phases === 'auto') {
  process.stderr.write(`[conformance] --phases auto: ${autoReason === undefined ? 'status,traffic (the data plane can run here)' : `status only (${autoReason})`}\n`);
}
const skipTests = [...(values['skip-not-applicable'] ? Object.keys(NOT_APPLICABLE_L4) : []), ...(values['skip-weighted'] ? WEIGHTED_TESTS : [])];
const phaseList = values.phases === 'auto' ? (autoReason === undefined ? 'status,traffic' : 'status') : (values.phases ?? '');
const phases = phaseList.split(',').map((p) => p.trim()).filter(Boolean) as Phase[];
const badPhase = phases.find((p) => !PHASES.includes(p));
if (phases.length === 0 || badPhase !== undefined) {
  process.stderr.write(`--phases ${JSON.stringify(values.phases)}: expected a comma-separated list of ${PHASES.join(', ')}\n`);
  process.exit(2);
}
const needsDataPlane = phases.some((p) => p !== 'status');
const resultsDir = path.resolve(values.results);
const logDir = path.join(resultsDir, 'logs');
// The directory is emptied first: only when it is missing, empty, or an earlier run's results.
if (existsSync(resultsDir) && readdirSync(resultsDir).length > 0 && !existsSync(path.join(resultsDir, 'conformance-summary.json')) && !existsSync(logDir)) {
  process.stderr.write(`--results ${resultsDir}: not empty and not an earlier run's results; refusing to delete it\n`);
  process.exit(2);
}
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
const log = (message: string) => process.stderr.write(`[conformance ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const goEnv = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };

function writeSummary(summary: ConformanceSummary): void {
  writeFileSync(path.join(resultsDir, 'conformance-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}

/** The -test.run pattern of a phase: status = every test that sends no traffic, traffic = the others, full = all. */
function runPattern(phase: Phase, allTests: readonly string[]): string {
  if (phase === 'full') return `^${ROOT_TEST}$`;
  const traffic = new Set(TRAFFIC_TESTS);
  const names = allTests.filter((n) => (phase === 'traffic') === traffic.has(n));
  return `^${ROOT_TEST}$/^(${names.join('|')})$`;
}

/** ShortNames of every conformance test the suite defines, from its source (conformance/tests/*.go). */
function suiteTestNames(goModuleDir: string): string[] {
  const dir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/gateway-api/conformance'], { cwd: goModuleDir, env: goEnv, encoding: 'utf8' }).trim();
  const names: string[] = [];
  const testsDir = path.join(dir, 'tests');
  for (const file of execFileSync('ls', [testsDir], { encoding: 'utf8' }).split('\n')) {
    if (!file.endsWith('.go') || file.endsWith('_test.go')) continue;
    const source = readFileSync(path.join(testsDir, file), 'utf8');
    for (const m of source.matchAll(/ShortName:\s*"([^"]+)"/g)) if (m[1]) names.push(m[1]);
  }
  return [...new Set(names)].sort();
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new ConformanceHarnessError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}

async function main(): Promise<ConformanceSummary> {
  const t0 = performance.now();
  const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
  if (needsDataPlane) assertDataPlaneSupported();
  const net4 = needsDataPlane ? DATAPLANE_NET : STATUS_ONLY_NET;

  log('building the conformance binaries (kube-controller-manager, kube-scheduler, kwok, echo-basic, dns-responder) if missing');
  const binDir = execFileSync(path.join(HERE, 'build.sh'), { env: goEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop() ?? '';
  if (!existsSync(path.join(binDir, 'kwok'))) throw new ConformanceHarnessError(`tools/conformance/build.sh printed "${binDir}", which holds no kwok`);
  const testBinary = path.join(resultsDir, 'conformance.test');
  log('compiling the conformance test binary (go test -c ./suite)');
  execFileSync('go', ['test', '-c', '-o', testBinary, './suite'], { cwd: HERE, env: goEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  // test2json as a binary of its own: `go tool test2json` builds it on demand, which needs no network but must not
  // run inside the client namespace with the Go cache, so it is built here once (cached by the Go build cache).
  const test2json = path.join(resultsDir, 'test2json');
  execFileSync('go', ['build', '-o', test2json, 'cmd/test2json'], { cwd: HERE, env: goEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const bundle = ensureControllerBundle();
  const dataPlaneBinaries = needsDataPlane ? await ensureDataPlaneBinaries(['kube-vip', 'kube-proxy']) : undefined;
  const allTests = suiteTestNames(HERE);
  log(`${allTests.length} conformance tests in the suite; binaries ready (${seconds()} s)`);

  const plane = await LocalControlPlane.start({ gatewayApiCrds: 'standard', serviceClusterIpRange: '10.96.0.0/12', logDirRoot: logDir });
  const processes: ManagedProcess[] = [];
  let controller: ControllerProcess | undefined;
  let dataPlane: DataPlane | undefined;
  let backends: PodBackends | undefined;
  let relayServer: ApiRelay | undefined;
  let kubeVipSupervisor: NodeJS.Timeout | undefined;
  let restartingKubeVip = false;
  let kubeVipRestarts = 0;
  try {
    log(`control plane up (${seconds()} s): ${plane.kubeconfigPath}`);
    const admin = await KubeRest.fromKubeconfig(plane.kubeconfig);
    const apiServerPort = Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(plane.kubeconfig)?.[1]);
    const caFile = path.join(plane.workDir, 'serving-ca.crt');
    const caData = /certificate-authority-data:\s*(\S+)/.exec(plane.kubeconfig)?.[1];
    if (!caData || !apiServerPort) throw new ConformanceHarnessError('the admin kubeconfig has no certificate-authority-data or no https://127.0.0.1:<port> server');
    writeFileSync(caFile, Buffer.from(caData, 'base64'));
    const saKey = path.join(plane.workDir, 'pki', 'sa.key');
    if (!existsSync(saKey)) throw new ConformanceHarnessError(`no ServiceAccount signing key at ${saKey}`);

    const start = async (name: string, args: string[]) => {
      const p = await ManagedProcess.start({ name, command: path.join(binDir, name), args, logFile: path.join(logDir, `${name}.log`) });
      processes.push(p);
      return p;
    };
    await start('kube-controller-manager', [
      `--kubeconfig=${plane.kubeconfigPath}`,
      `--authentication-kubeconfig=${plane.kubeconfigPath}`,
      `--authorization-kubeconfig=${plane.kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      // What the suite relies on: namespaces that finish deleting, Deployments that make Pods, EndpointSlices of the
      // backend Services, garbage collection of owned objects, default ServiceAccounts and their tokens.
      '--controllers=namespace,deployment,replicaset,endpointslice,endpointslicemirroring,garbagecollector,serviceaccount,serviceaccount-token',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${caFile}`,
      '--concurrent-deployment-syncs=10',
    ]);
    await start('kube-scheduler', [
      `--kubeconfig=${plane.kubeconfigPath}`,
      `--authentication-kubeconfig=${plane.kubeconfigPath}`,
      `--authorization-kubeconfig=${plane.kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
    ]);
    const podCidr = needsDataPlane ? POD_CIDR_DATAPLANE : POD_CIDR_STATUS_ONLY;
    const stages = ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', 'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];
    await start('kwok', [
      `--kubeconfig=${plane.kubeconfigPath}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--cidr=${podCidr}`,
      '--node-ip=127.0.0.1',
      `--server-address=127.0.0.1:${await freePort()}`,
      ...stages.map((s) => `--config=${path.join(binDir, 'stages', s)}`),
    ]);
    await admin.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE_NAME, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': NODE_NAME, type: 'kwok' } },
      spec: { podCIDR: podCidr },
    });
    await waitUntil(`Node ${NODE_NAME} Ready (kwok)`, 60_000, async () => {
      const node = await admin.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/api/v1/nodes/${NODE_NAME}`);
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    // The API server's TaintNodesByCondition admission taints every new Node not-ready:NoSchedule; the node lifecycle
    // controller would lift it once Ready, but it would also mark the data-plane nodes (no kubelet) unreachable.
    await admin.request('PATCH', `/api/v1/nodes/${NODE_NAME}`, { spec: { taints: null } }, 'application/merge-patch+json');
    log(`kube-controller-manager, kube-scheduler and kwok up; Node ${NODE_NAME} Ready (${seconds()} s)`);

    if (dataPlaneBinaries) {
      for (const object of kubeVipRbac()) await admin.apply(object['kind'] === 'ClusterRole' ? R.ClusterRole : R.ClusterRoleBinding, object as never);
      // The data-plane node runs kube-proxy and kube-vip only: unschedulable, so every Pod goes to the kwok node.
      await admin.request('POST', '/api/v1/nodes', { ...nodeObject(1), spec: { unschedulable: true } });
      await admin.request('PATCH', `/api/v1/nodes/${nodeName(1)}/status`, nodeStatus(1), 'application/merge-patch+json');
      const kubeVipKubeconfig = await plane.kubeconfigFileFor(KUBE_VIP_IDENTITY.user, [...KUBE_VIP_IDENTITY.groups]);
      const kubeProxyKubeconfig = await plane.kubeconfigFileFor(KUBE_PROXY_IDENTITY.user, [...KUBE_PROXY_IDENTITY.groups]);
      dataPlane = await DataPlane.start({
        nodes: 1,
        binaries: { kubeVip: dataPlaneBinaries['kube-vip'] as string, kubeProxy: dataPlaneBinaries['kube-proxy'] as string },
        apiServerPort,
        kubeVipKubeconfig,
        kubeProxyKubeconfig,
        // The data plane's own echo backend is not used: PodBackends serves the suite's Pods.
        backendPorts: [9],
        // kube-vip exits when it misses a lease renewal (it expects the kubelet to restart it). With its 5/3/1 s lease
        // it did, once the API server answered slowly on the loaded machine, 16 s into a full run; longer times keep
        // the one node's lease through such stalls (it has no peer to fail over to).
        kubeVipEnv: { vip_leaseduration: '30', vip_renewdeadline: '20', vip_retryperiod: '2' },
        logDir: path.join(logDir, 'dataplane'),
        onProgress: (m) => log(`dataplane: ${m}`),
      });
      backends = new PodBackends(admin, {
        runId: dataPlane.runId,
        backendNetns: dataPlane.backendNetns,
        bridge: 'be',
        prefixLength: 24,
        gateway: nodeAddresses(1).backendV4,
        nodeNetns: dataPlane.nodes.map((n) => n.netns),
        nodeBackendDevice: 'be',
        binDir,
        logDir: path.join(logDir, 'pods'),
        log,
      });
      mkdirSync(path.join(logDir, 'pods'), { recursive: true });
      backends.start();
      // The host end of the API relay into the client namespace.
      relayServer = await startApiRelay(path.join(plane.workDir, 'client-api.sock'), apiServerPort);
      const relay = await ManagedProcess.start({
        name: 'api-relay-client',
        command: 'ip',
        args: ['netns', 'exec', dataPlane.clientNetns, process.execPath, path.join(REPO_ROOT, 'packages/dataplane/src/agents/api-relay.mjs'), String(apiServerPort), path.join(plane.workDir, 'client-api.sock')],
        logFile: path.join(logDir, 'api-relay-client.log'),
      });
      processes.push(relay);
      await waitUntil('the API relay in the client namespace', 15_000, async () => readFileSync(path.join(logDir, 'api-relay-client.log'), 'utf8').includes('ready '));
      log(`data plane up: kube-vip and kube-proxy on ${nodeName(1)}, the suite runs in ${dataPlane.clientNetns} (${seconds()} s)`);
      // What the kubelet does for kube-vip's container: start it again when it exits (it exits 0 on lost leadership).
      const dp = dataPlane;
      kubeVipSupervisor = setInterval(() => {
        if (dp.kubeVipRunning(nodeName(1)) || restartingKubeVip) return;
        restartingKubeVip = true;
        kubeVipRestarts += 1;
        log(`kube-vip on ${nodeName(1)} exited; starting it again (restart ${kubeVipRestarts}), as the kubelet would`);
        void dp.restartKubeVip(nodeName(1)).catch((e: unknown) => log(`kube-vip restart failed: ${e instanceof Error ? e.message : String(e)}`)).finally(() => (restartingKubeVip = false));
      }, 1_000);
    }

    for (const file of ['00-namespace.yaml', '01-rbac.yaml', '03-gatewayclass.yaml']) {
      await admin.applyYaml(readFileSync(path.join(REPO_ROOT, 'deploy', file), 'utf8'));
    }
    await admin.apply(R.ConfigMap, { metadata: { namespace: 'kube-system', name: 'kubevip' }, data: { 'range-global': net4.pool } } as never);
    const controllerKubeconfig = await plane.kubeconfigFileFor(CONTROLLER_IDENTITY.user, [...CONTROLLER_IDENTITY.groups]);
    controller = await ControllerProcess.start({ bundle, kubeconfig: controllerKubeconfig, logFile: path.join(logDir, 'controller.log') });
    log(`controller up (pid ${controller.pid}, ${seconds()} s)`);

    const summaries: ConformanceSummary[] = [];
    for (const phase of phases) {
      const tPhase = performance.now();
      log(`phase ${phase}: running`);
      const jsonl = path.join(resultsDir, `conformance-${phase}.jsonl`);
      const suiteArgs = [
        testBinary,
        '-test.v=test2json',
        `-test.timeout=${values['go-timeout']}`,
        // The suite's Parallel tests mostly wait out timeouts; go test runs GOMAXPROCS (here 2) of them at once.
        '-test.parallel=16',
        `-test.run=${runPattern(phase, allTests)}`,
        `-gateway-class=${GATEWAY_CLASS}`,
        '-cleanup-base-resources=false',
        `-usable-address=${net4.usable}`,
        `-unusable-address=${net4.unusable}`,
        ...(skipTests.length > 0 && phase !== 'full' ? [`-skip-tests=${skipTests.join(',')}`] : []),
        ...(phase === 'full'
          ? [
              '-conformance-profiles=GATEWAY-TCP,GATEWAY-UDP',
              `-report-output=${path.join(resultsDir, 'report-full.yaml')}`,
              '-organization=kube-vip',
              '-project=kube-vip-gateway-api',
              '-url=https://github.com/kube-vip/kube-vip-gateway-api',
              `-version=${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()}`,
              '-contact=https://github.com/kube-vip/kube-vip-gateway-api/issues',
            ]
          : []),
      ];
      // With a data plane the suite runs inside the client namespace (its dials must never leave from the host's).
      const [command, args] = dataPlane
        ? ['ip', ['netns', 'exec', dataPlane.clientNetns, test2json, '-t', '-p', 'conformance', ...suiteArgs]]
        : [test2json, ['-t', '-p', 'conformance', ...suiteArgs]];
      const goExit = await new Promise<number | null>((resolve, reject) => {
        const out = createWriteStream(jsonl);
        const child = spawn(command as string, args as string[], { cwd: HERE, env: { ...goEnv, KUBECONFIG: plane.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.pipe(out);
        child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
        // Progress: one line per conformance test that ends.
        let pending = '';
        child.stdout.on('data', (d: Buffer) => {
          pending += d.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const e of parseTestEvents(lines.join('\n'))) {
            const depth = e.Test?.split('/').length ?? 0;
            if (depth === 2 && (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip')) log(`${e.Action.toUpperCase()} ${e.Test} (${e.Elapsed ?? '?'} s)`);
          }
        });
        child.once('error', reject);
        child.once('close', (code) => out.end(() => resolve(code)));
      });
      const run = verdictsFrom(parseTestEvents(readFileSync(jsonl, 'utf8')));
      const summary = summarize(phase, run);
      summaries.push(summary);
      const scope =
        phase === 'full'
          ? 'full run: every test of the suite, unfiltered'
          : phase === 'status'
            ? `filtered: the ${TRAFFIC_TESTS.length} traffic tests are not run${values['skip-not-applicable'] ? `, the ${Object.keys(NOT_APPLICABLE_L4).length} tests that need HTTP/HTTPS/TLS listeners are skipped` : ''}; not a full run`
            : `filtered: only the ${TRAFFIC_TESTS.length} traffic tests; not a full run`;
      const header =
        `Phase ${phase} (${scope}${dataPlane ? `; data plane: kube-vip + kube-proxy, suite in the client namespace` : '; no data plane'}). ` +
        `go test exit ${goExit}; ${summary.passed} passed, ${summary.failed} failed, ${summary.notApplicable} not applicable to an L4-only implementation, ` +
        `${summary.weightsApproximated} with weights approximated, ${summary.skipped} skipped (features not claimed${values['skip-not-applicable'] ? ' or not applicable' : ''})` +
        `${summary.harnessError ? `; harness error: ${summary.harnessError}` : ''}` +
        `${kubeVipRestarts > 0 ? `; kube-vip restarted ${kubeVipRestarts} time(s) so far` : ''}. Phase took ${((performance.now() - tPhase) / 1000).toFixed(0)} s.`;
      const table = renderTable(run.verdicts);
      writeFileSync(path.join(resultsDir, `conformance-${phase}.md`), `${header}\n\n${table}\n`);
      process.stdout.write(`${header}\n\n${table}\n\n`);
    }
    log(`done in ${seconds()} s`);
    return combine(summaries);
  } finally {
    if (kubeVipSupervisor) clearInterval(kubeVipSupervisor);
    if (kubeVipRestarts > 0) log(`kube-vip was restarted ${kubeVipRestarts} time(s) during the run (see logs/dataplane)`);
    if (controller) await controller.kill('SIGTERM');
    await backends?.stop();
    for (const p of processes.reverse()) await p.stop();
    relayServer?.close();
    await dataPlane?.stop({ keepLogs: true });
    await plane.stop({ keepLogs: values['keep-logs'] });
  }
}

let summary: ConformanceSummary;
try {
  summary = await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  log(`harness failure: ${message}`);
  summary = { kind: 'gateway-api-conformance', phase: phases.join(','), passed: 0, failed: 0, notApplicable: 0, weightsApproximated: 0, skipped: 0, harnessError: message, tests: [] };
}
writeSummary(summary);
log(`results in ${resultsDir}`);
process.exitCode = summary.failed > 0 || summary.harnessError !== undefined ? 1 : 0;

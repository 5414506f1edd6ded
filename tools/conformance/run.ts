// Runs the upstream Gateway API conformance suite (tools/conformance/suite, unmodified tests) against the controller on
// a local cluster: etcd + kube-apiserver (envtest), kube-controller-manager (namespace, deployment, replicaset,
// endpointslice, garbage collector, service accounts), kube-scheduler, and kwok faking one Node and making every Pod
// Running and Ready. The controller is the built bundle, run with the ServiceAccount identity of deploy/.
//
//   npm run test:conformance                       # the status tests (no traffic): what CI runs
//   npm run test:conformance -- --phase status     # the same
//   npm run test:conformance -- --keep-logs        # keep the logs of a passing run too
//
// Results go to --results (default .conformance-results/): conformance-<phase>.jsonl (the go test -json stream),
// conformance-<phase>.md (per-test table), conformance-summary.json (read by tools/ci/summarize.mjs) and logs/.
//
// Network rule: the traffic tests dial Gateway addresses, so they may only run inside a client network namespace
// with a data plane behind it. This runner never runs them from the host namespace: the status phase selects, by
// name, only tests that send no packet (results.ts TRAFFIC_TESTS lists the others).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalControlPlane, freePort } from '@kube-vip-gw/controller-runtime/envtest';
import { ManagedProcess } from '../../packages/controller-runtime/src/envtest/process.js';
import { ControllerProcess, REPO_ROOT, ensureControllerBundle } from '../../apps/controller/test/e2e/support/controller-process.js';
import { KubeRest, R } from '../../apps/controller/test/e2e/support/kube-rest.js';
import { sleep } from '../../apps/controller/test/e2e/support/wait.js';
import { ROOT_TEST, TRAFFIC_TESTS, parseTestEvents, renderTable, summarize, verdictsFrom, type ConformanceSummary } from './results.js';

const HERE = path.join(REPO_ROOT, 'tools/conformance');
/** The ServiceAccount of deploy/01-rbac.yaml, as a client-certificate identity (as the e2e suite runs it). */
const CONTROLLER_IDENTITY = {
  user: 'system:serviceaccount:kube-vip-gateway-api:kube-vip-gateway-api',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-vip-gateway-api', 'system:authenticated'],
} as const;
const GATEWAY_CLASS = 'kube-vip';
/** Pool of the IPAM ConfigMap. Documentation addresses (RFC 5737): nothing here ever sends a packet to them. */
const POOL = '192.0.2.10-192.0.2.200';
/** GatewayStaticAddresses: an address inside the pool (usable) and one outside every pool (unusable). */
const USABLE_ADDRESS = '192.0.2.200';
const UNUSABLE_ADDRESS = '198.51.100.1';
/** kwok gives Pods addresses from this range (only ever written into Pod status). */
const POD_CIDR = '10.244.0.0/16';
const NODE_NAME = 'kwok-node-1';
/** Tests the status phase runs: every conformance test that sends no traffic. */
const STATUS_PHASE_EXCLUDES = new Set(TRAFFIC_TESTS);

class ConformanceHarnessError extends Error {
  readonly _tag = 'ConformanceHarnessError';
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceHarnessError';
  }
}

const { values } = parseArgs({
  options: {
    phase: { type: 'string', default: 'status' },
    results: { type: 'string', default: path.join(REPO_ROOT, '.conformance-results') },
    'keep-logs': { type: 'boolean', default: false },
    'go-timeout': { type: 'string', default: '25m' },
  },
});
const phase = values.phase;
if (phase !== 'status') {
  process.stderr.write(
    `--phase ${JSON.stringify(phase)}: only "status" runs from the host namespace; the traffic tests need the client ` +
      'network namespace of the data plane (see docs/conformance.md)\n',
  );
  process.exit(2);
}
const resultsDir = path.resolve(values.results);
const logDir = path.join(resultsDir, 'logs');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
const log = (message: string) => process.stderr.write(`[conformance ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const goEnv = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };

function writeSummary(summary: ConformanceSummary): void {
  writeFileSync(path.join(resultsDir, 'conformance-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}

/** The status-phase test names: every test of the suite (from its source list) that is not a traffic test. */
function statusPhaseRunPattern(allTests: readonly string[]): string {
  const names = allTests.filter((n) => !STATUS_PHASE_EXCLUDES.has(n));
  return `^${ROOT_TEST}$/^(${names.join('|')})$`;
}

/** ShortNames of every conformance test the suite defines, read from `-test.list`-style registration in its source. */
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

  log('building the conformance binaries (kube-controller-manager, kube-scheduler, kwok, echo-basic) if missing');
  const binDir = execFileSync(path.join(HERE, 'build.sh'), { env: goEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop() ?? '';
  if (!existsSync(path.join(binDir, 'kwok'))) throw new ConformanceHarnessError(`tools/conformance/build.sh printed "${binDir}", which holds no kwok`);
  const testBinary = path.join(resultsDir, 'conformance.test');
  log('compiling the conformance test binary (go test -c ./suite)');
  execFileSync('go', ['test', '-c', '-o', testBinary, './suite'], { cwd: HERE, env: goEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const bundle = ensureControllerBundle();
  const allTests = suiteTestNames(HERE);
  log(`${allTests.length} conformance tests in the suite; binaries ready (${seconds()} s)`);

  const plane = await LocalControlPlane.start({ gatewayApiCrds: 'standard', serviceClusterIpRange: '10.96.0.0/12', logDirRoot: logDir });
  const processes: ManagedProcess[] = [];
  let controller: ControllerProcess | undefined;
  try {
    log(`control plane up (${seconds()} s): ${plane.kubeconfigPath}`);
    const admin = await KubeRest.fromKubeconfig(plane.kubeconfig);
    const caFile = path.join(plane.workDir, 'serving-ca.crt');
    const caData = /certificate-authority-data:\s*(\S+)/.exec(plane.kubeconfig)?.[1];
    if (!caData) throw new ConformanceHarnessError('the admin kubeconfig has no certificate-authority-data');
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
    const stages = ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', 'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];
    await start('kwok', [
      `--kubeconfig=${plane.kubeconfigPath}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--cidr=${POD_CIDR}`,
      '--node-ip=127.0.0.1',
      `--server-address=127.0.0.1:${await freePort()}`,
      ...stages.map((s) => `--config=${path.join(binDir, 'stages', s)}`),
    ]);
    await admin.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE_NAME, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': NODE_NAME, type: 'kwok' } },
      spec: { podCIDR: '10.244.0.0/24' },
    });
    await waitUntil(`Node ${NODE_NAME} Ready (kwok)`, 60_000, async () => {
      const node = await admin.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/api/v1/nodes/${NODE_NAME}`);
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    log(`kube-controller-manager, kube-scheduler and kwok up; Node ${NODE_NAME} Ready (${seconds()} s)`);

    for (const file of ['00-namespace.yaml', '01-rbac.yaml', '03-gatewayclass.yaml']) {
      await admin.applyYaml(readFileSync(path.join(REPO_ROOT, 'deploy', file), 'utf8'));
    }
    await admin.apply(R.ConfigMap, { metadata: { namespace: 'kube-system', name: 'kubevip' }, data: { 'range-global': POOL } } as never);
    const controllerKubeconfig = await plane.kubeconfigFileFor(CONTROLLER_IDENTITY.user, [...CONTROLLER_IDENTITY.groups]);
    controller = await ControllerProcess.start({ bundle, kubeconfig: controllerKubeconfig, logFile: path.join(logDir, 'controller.log') });
    log(`controller up (pid ${controller.pid}, ${seconds()} s); running the ${phase} phase`);

    const jsonl = path.join(resultsDir, `conformance-${phase}.jsonl`);
    const args = [
      'tool', 'test2json', '-t', '-p', 'conformance', testBinary,
      '-test.v=test2json',
      `-test.timeout=${values['go-timeout']}`,
      `-test.run=${statusPhaseRunPattern(allTests)}`,
      `-gateway-class=${GATEWAY_CLASS}`,
      '-cleanup-base-resources=false',
      `-usable-address=${USABLE_ADDRESS}`,
      `-unusable-address=${UNUSABLE_ADDRESS}`,
    ];
    const goExit = await new Promise<number | null>((resolve, reject) => {
      const out = createWriteStream(jsonl);
      const child = spawn('go', args, { cwd: HERE, env: { ...goEnv, KUBECONFIG: plane.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const table = renderTable(run.verdicts);
    const header =
      `Phase: ${phase} (filtered: the ${TRAFFIC_TESTS.length} traffic tests are not run; this is not a full run). ` +
      `go test exit ${goExit}; ${summary.passed} passed, ${summary.failed} failed, ${summary.notApplicable} not applicable to an L4-only implementation` +
      `${summary.harnessError ? `; harness error: ${summary.harnessError}` : ''}. Run took ${seconds()} s.`;
    writeFileSync(path.join(resultsDir, `conformance-${phase}.md`), `${header}\n\n${table}\n`);
    process.stdout.write(`${header}\n\n${table}\n`);
    return summary;
  } finally {
    if (controller) await controller.kill('SIGTERM');
    for (const p of processes.reverse()) await p.stop();
    await plane.stop({ keepLogs: values['keep-logs'] });
  }
}

let summary: ConformanceSummary;
try {
  summary = await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  log(`harness failure: ${message}`);
  summary = { kind: 'gateway-api-conformance', phase, passed: 0, failed: 0, notApplicable: 0, skipped: 0, harnessError: message, tests: [] };
}
writeSummary(summary);
log(`results in ${resultsDir}`);
process.exitCode = summary.failed > 0 || summary.harnessError !== undefined ? 1 : 0;

// API-server faults under churn: kube-apiserver restarted gracefully and killed (same etcd), and every resourceVersion
// the controller holds made too old (etcd compacted, then the watch cache restarted: informers get 410 Gone and must
// re-list). The controller process must ride it all out (same pid, never restarted), reconcile a fresh Gateway soon
// after each fault, and settle with every invariant intact.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { Gateway } from '@kube-vip-gw/gateway-model';
import { CONTROLLER_NAME, GATEWAY_CLASS } from '../e2e/support/environment.js';
import { R } from '../e2e/support/kube-rest.js';
import { gateway, statusAddresses, tcp } from '../e2e/support/objects.js';
import { eventually, sleep, waitFor } from '@kube-vip-gw/test-support';
import { settledProblems } from './support/checks.js';
import { Churn } from './support/churn.js';
import { useReliabilityEnv } from './support/env.js';
import { InvariantObserver } from './support/observer.js';
import { rangeAddresses, report } from './support/report.js';

const SEED = Number(process.env['KVGW_RELIABILITY_SEED'] ?? 20261128);
const POOL = '10.62.0.1-10.62.0.40';
const NAMESPACES = ['faults-a', 'faults-b'];
const PROBES = 'faults-probe';

const env = useReliabilityEnv({ ipam: { 'range-global': POOL } });

it('rides out kube-apiserver restarts, a SIGKILLed kube-apiserver and 410 Gone without restarting, and converges', async () => {
  const { admin, adminClient, plane } = env();
  for (const ns of [...NAMESPACES, PROBES]) await env().createNamespace(ns);
  const observer = new InvariantObserver(admin, adminClient);
  await observer.start();
  const controller = await env().startController({ leaderElect: true, waitLeading: true });
  const pid = controller.pid;
  const churn = new Churn(admin, { seed: SEED, namespaces: NAMESPACES, gatewaysPerNamespace: 7, gatewayClassName: GATEWAY_CLASS });
  const stop = new AbortController();
  const running = churn.run(stop.signal, () => 150);

  const faults: [string, () => Promise<unknown>][] = [
    ['graceful restart', () => plane.restartApiServer()],
    ['SIGKILL and start', () => plane.restartApiServer({ graceful: false })],
    ['etcd compacted + watch cache restarted (410 Gone)', () => plane.expireResourceVersions()],
    ['etcd compacted (watch cache kept)', () => plane.compactEtcd()],
  ];
  const recovery: Record<string, { faultMs: number; freshGatewayProgrammedMs: number }> = {};
  for (const [i, [name, fault]] of faults.entries()) {
    await sleep(4_000);
    const t0 = Date.now();
    await fault();
    const up = Date.now();
    // A Gateway created right after the fault: reconciled only if the controller's watches came back.
    const probe = `probe-${i}`;
    await admin.create(R.Gateway, gateway(PROBES, probe, [tcp('tcp', 80)]));
    await waitFor(`Gateway ${PROBES}/${probe} to get an address after "${name}"`, async () => {
      const gw = await admin.get<Gateway>(R.Gateway, { namespace: PROBES, name: probe });
      return statusAddresses(gw).length > 0;
    }, 60_000);
    recovery[name] = { faultMs: up - t0, freshGatewayProgrammedMs: Date.now() - up };
    expect(controller.running, `the controller ended after "${name}"`).toBe(true);
  }

  stop.abort();
  await running;
  await churn.resync(); // writes whose answers were lost during the restarts may or may not have happened
  const settled = await eventually(async () => {
    const r = await settledProblems(admin, { namespaces: NAMESPACES, controllerName: CONTROLLER_NAME, poolAddresses: rangeAddresses(POOL), backends: churn.backends.values() });
    expect(r.problems).toEqual([]);
    return r;
  }, 90_000);
  await observer.stop();

  const log = readFileSync(controller.logFile, 'utf8');
  const relists = (log.match(/resourceVersion expired; re-listing/g) ?? []).length;
  expect(controller.running).toBe(true);
  expect(controller.pid).toBe(pid);
  expect(await controller.leading()).toBe(true);
  // The compaction fault must really have made the informers re-list (otherwise the test proved nothing about 410).
  expect(relists).toBeGreaterThan(0);
  report('API-server faults', {
    seed: SEED,
    faults: recovery,
    'controller restarts': 0,
    'informer re-lists after 410 Gone': relists,
    'churn operations / refused / unanswered': [Object.values(churn.stats.ops).reduce((x, y) => x + y, 0), churn.stats.refused, churn.stats.unanswered],
    'settled state': settled.summary,
    'observer snapshots / failed while the API server was down': [observer.counts.snapshots, observer.counts.snapshotErrors],
    'addresses on two holders / moved / lost': [observer.collisions.size, observer.violations.filter((v) => v.kind === 'moved').length, observer.violations.filter((v) => v.kind === 'lost').length],
  });
  expect(observer.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  expect([...observer.collisions.values()].map((c) => c.address)).toEqual([]);
});

// Fail-over: two replicas with --leader-elect on deploy/'s Lease, as the Deployment runs them, under churn. The leader
// is taken away three ways: SIGKILL (the follower must wait out the 15 s lease), SIGTERM (it releases the Lease on
// its way out) and SIGSTOP (a leader that freezes, its lease expires, a new leader takes over, and then it wakes up
// believing it still leads: kube-vip's split-brain). Take-over times are measured; that no two replicas reconcile at
// once is checked two ways: from /metrics (a replica's write counter grows only while it leads) and, exactly, from the
// API server's audit log (every write attributed to its replica, judged against the Lease holder at that moment).
import { afterAll, expect, it } from 'vitest';
import type { ControllerProcess } from '../e2e/support/controller-process.js';
import { CONTROLLER_NAME, GATEWAY_CLASS } from '../e2e/support/environment.js';
import { eventually, isWrite, readAuditLog, sleep, waitFor, type AuditedRequest } from '@kube-vip-gw/test-support';
import { settledProblems } from './support/checks.js';
import { Churn } from './support/churn.js';
import { CONTROLLER_AUDIT, useReliabilityEnv } from './support/env.js';
import { InvariantObserver } from './support/observer.js';
import { rangeAddresses, report } from './support/report.js';
import { MetricsSampler } from './support/sampler.js';

const SEED = Number(process.env['KVGW_RELIABILITY_SEED'] ?? 20261127);
const POOL = '10.61.0.1-10.61.0.30';
const NAMESPACES = ['failover'];
// client-go's defaults, which the controller uses: 15 s lease, 2 s retry with up to 1.2x jitter.
const LEASE_MS = 15_000;
const MAX_TAKEOVER_MS = LEASE_MS + 2 * 2_000 * 2.2 + 3_000;

const env = useReliabilityEnv({ audit: 'writes', ipam: { 'range-global': POOL } });
const replicas = new Map<string, ControllerProcess>();
const paused = new Set<string>();
let sampler: MetricsSampler | undefined;
afterAll(async () => {
  for (const p of replicas.values()) if (p.running) process.kill(p.pid, 'SIGCONT');
  await sampler?.stop();
});

/**
 * Write attempts of the replicas' reconciling, whatever the API server answered (a write refused only because its
 * resourceVersion was stale was still attempted by a replica that should not have): not their Lease, and not their
 * Events (each a new object of its own, so they never conflict).
 */
function reconcileWrites(requests: readonly AuditedRequest[]): AuditedRequest[] {
  return requests.filter((r) => isWrite(r) && r.resource !== 'leases' && r.resource !== 'events');
}

/**
 * Writes made by a replica while the Lease, as last successfully written before the write arrived, named another
 * holder (or none). A write already in flight when leadership moved is not counted: it was sent by the leader.
 */
function writesWithoutLease(requests: readonly AuditedRequest[]): string[] {
  const leaseWrites = requests.filter((r) => r.resource === 'leases' && isWrite(r) && (r.code === 200 || r.code === 201));
  const out: string[] = [];
  for (const w of reconcileWrites(requests)) {
    const last = leaseWrites.filter((l) => l.answered <= w.received).at(-1);
    const holderReplica = last && last.leaseHolder ? last.replica : undefined;
    if (holderReplica !== w.replica) {
      out.push(`${w.replica} ${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''} ${w.namespace}/${w.name} at ${new Date(w.received).toISOString()} while the Lease was ${holderReplica ?? 'free'}'s`);
    }
  }
  return out;
}

async function start(name: string, waitLeading: boolean): Promise<ControllerProcess> {
  const p = await env().startController({ leaderElect: true, waitLeading, replica: name });
  replicas.set(name, p);
  return p;
}

async function takeOver(by: ControllerProcess, since: number): Promise<number> {
  await waitFor(`replica pid ${by.pid} to lead`, () => by.leading(), MAX_TAKEOVER_MS + 10_000);
  return Date.now() - since;
}

it('hands leadership over on SIGKILL, SIGTERM and SIGSTOP without two replicas ever reconciling at once', async () => {
  const { admin, adminClient } = env();
  for (const ns of NAMESPACES) await env().createNamespace(ns);
  const observer = new InvariantObserver(admin, adminClient);
  await observer.start();
  const churn = new Churn(admin, { seed: SEED, namespaces: NAMESPACES, gatewaysPerNamespace: 10, gatewayClassName: GATEWAY_CLASS });
  let a = await start('a', true);
  let b = await start('b', false);
  expect(await b.leading()).toBe(false);
  sampler = new MetricsSampler(() => new Map([...replicas].filter(([n]) => !paused.has(n))));
  sampler.start();
  const stop = new AbortController();
  const running = churn.run(stop.signal, () => 150);
  const takeovers: Record<string, number> = {};

  // 1. SIGKILL: nothing releases the Lease; b waits until it expires.
  await sleep(5_000);
  let t0 = Date.now();
  await a.kill('SIGKILL');
  takeovers['SIGKILL'] = await takeOver(b, t0);
  a = await start('a', false);

  // 2. SIGTERM: b drains, releases the Lease, a takes it at its next retry.
  await sleep(5_000);
  t0 = Date.now();
  const stopping = b.kill('SIGTERM');
  takeovers['SIGTERM'] = await takeOver(a, t0);
  await stopping;
  b = await start('b', false);

  // 3. SIGSTOP: a freezes as leader; b takes over after the lease; a wakes up and must stand down without writing
  //    (the stall guard ends it: it was frozen far longer than its lease allows).
  await sleep(5_000);
  t0 = Date.now();
  paused.add('a');
  process.kill(a.pid, 'SIGSTOP');
  takeovers['SIGSTOP'] = await takeOver(b, t0);
  await sleep(3_000); // b reconciles the churn a slept through
  const resumedAt = Date.now();
  process.kill(a.pid, 'SIGCONT');
  paused.delete('a');
  await waitFor('the resumed replica to stand down', async () => !a.running || !(await a.leading()), 15_000);
  const stoodDownMs = Date.now() - resumedAt;
  const resumedExit = a.running ? 'still running as a follower' : `exited (${JSON.stringify(await a.kill())})`;
  await sleep(3_000);

  stop.abort();
  await running;
  const settled = await eventually(async () => {
    const r = await settledProblems(admin, { namespaces: NAMESPACES, controllerName: CONTROLLER_NAME, poolAddresses: rangeAddresses(POOL), backends: churn.backends.values() });
    expect(r.problems).toEqual([]);
    return r;
  }, 60_000);
  await sampler.stop();
  await observer.stop();

  const audit = readAuditLog(env().auditLog!, CONTROLLER_AUDIT);
  const wrongWrites = writesWithoutLease(audit);
  const afterResume = reconcileWrites(audit).filter((w) => w.replica === 'a' && w.received >= resumedAt);
  report('fail-over', {
    seed: SEED,
    'take-over, ms': takeovers,
    'resumed ex-leader stood down after, ms': stoodDownMs,
    'resumed ex-leader': resumedExit,
    'reconcile writes audited (a/b)': [reconcileWrites(audit).filter((w) => w.replica === 'a').length, reconcileWrites(audit).filter((w) => w.replica === 'b').length],
    'writes without the Lease (audit)': wrongWrites.length,
    'write attempts by the resumed ex-leader': afterResume.length,
    'metrics rounds / both leading / follower write increases': [sampler.samples.at(-1)?.round, sampler.bothLeading().length, sampler.followerWrites().length],
    'churn operations': Object.values(churn.stats.ops).reduce((x, y) => x + y, 0),
    'settled state': settled.summary,
    'addresses on two holders / moved / lost': [observer.collisions.size, observer.violations.filter((v) => v.kind === 'moved').length, observer.violations.filter((v) => v.kind === 'lost').length],
  });

  for (const ms of Object.values(takeovers)) expect(ms).toBeLessThan(MAX_TAKEOVER_MS);
  expect(takeovers['SIGTERM']).toBeLessThan(LEASE_MS);
  expect(wrongWrites).toEqual([]);
  expect(afterResume.map((w) => `${w.verb} ${w.resource} ${w.namespace}/${w.name}`)).toEqual([]);
  expect(sampler.bothLeading()).toEqual([]);
  expect(sampler.followerWrites()).toEqual([]);
  expect(observer.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  expect([...observer.collisions.values()].map((c) => c.address)).toEqual([]);
});

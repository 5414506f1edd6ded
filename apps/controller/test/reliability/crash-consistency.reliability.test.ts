// Crash consistency: a seeded churn of Gateways, routes and backend Services runs while the controller is killed
// with SIGKILL at seeded random moments and started again, over and over. The invariants are watched the whole time
// (no address on two Gateways, no Gateway's address changed or lost while it exists) and the settled state is judged
// at the end (every Service we made belongs to a live Gateway, every update-adopted Service restored once detached,
// every status at the latest generation). Replay a run with KVGW_RELIABILITY_SEED; KVGW_RELIABILITY_KILLS sets the
// number of kills (default 24).
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { CONTROLLER_NAME, GATEWAY_CLASS } from '../e2e/support/environment.js';
import { eventually, sleep } from '@kube-vip-gw/test-support';
import { settledProblems } from './support/checks.js';
import { Churn } from './support/churn.js';
import { useReliabilityEnv } from './support/env.js';
import { InvariantObserver } from './support/observer.js';
import { minMedianMax, rangeAddresses, report } from './support/report.js';

const SEED = Number(process.env['KVGW_RELIABILITY_SEED'] ?? 20261126);
const KILLS = Number(process.env['KVGW_RELIABILITY_KILLS'] ?? 24);
// Smaller than the number of Gateway names, so the pool runs full and freed addresses are handed on.
const POOL = '10.60.0.1-10.60.0.10';
const NAMESPACES = ['churn-a', 'churn-b'];

const env = useReliabilityEnv({ ipam: { 'range-global': POOL } });
let observer: InvariantObserver | undefined;
afterAll(async () => observer?.stop()); // only when the test failed before stopping it

it(`keeps every invariant while the controller is SIGKILLed ${KILLS} times during churn (seed ${SEED})`, async () => {
  const { admin, adminClient } = env();
  for (const ns of NAMESPACES) await env().createNamespace(ns);
  observer = new InvariantObserver(admin, adminClient, { track: (gw) => NAMESPACES.includes(gw.metadata.namespace ?? '') });
  await observer.start();
  const churn = new Churn(admin, { seed: SEED, namespaces: NAMESPACES, gatewaysPerNamespace: 7, gatewayClassName: GATEWAY_CLASS });
  const [uptimes, downtimes, pauses] = [
    fc.sample(fc.integer({ min: 100, max: 3_000 }), { seed: SEED, numRuns: KILLS }),
    fc.sample(fc.integer({ min: 0, max: 800 }), { seed: SEED + 1, numRuns: KILLS }),
    fc.sample(fc.integer({ min: 30, max: 250 }), { seed: SEED + 2, numRuns: 997 }),
  ];
  let p = 0;

  // Objects exist before the first start, so the first start has something to reconcile at once.
  for (let i = 0; i < 20; i++) await churn.step();
  const stop = new AbortController();
  const running = churn.run(stop.signal, () => pauses[p++ % pauses.length]!);
  const readyMs: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const t0 = Date.now();
    const controller = await env().startController();
    readyMs.push(Date.now() - t0);
    await sleep(uptimes[k]!);
    // It must still be running: only our SIGKILL may end it.
    expect(controller.running, `controller ended on its own before kill ${k + 1}`).toBe(true);
    await controller.kill('SIGKILL');
    await sleep(downtimes[k]!);
  }
  const final = await env().startController();
  // Churn on under the last controller: deletions must hand freed addresses to Gateways still waiting for one.
  await sleep(5_000);
  stop.abort();
  await running;

  const t0 = Date.now();
  const settled = await eventually(async () => {
    const r = await settledProblems(admin, {
      namespaces: NAMESPACES,
      controllerName: CONTROLLER_NAME,
      poolAddresses: rangeAddresses(POOL),
      backends: churn.backends.values(),
    });
    expect(r.problems).toEqual([]);
    return r;
  }, 90_000);
  const settleMs = Date.now() - t0;
  const obs = observer;
  observer = undefined;
  await obs.stop();

  expect(final.running).toBe(true);
  expect(obs.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  expect([...obs.collisions.values()].map((c) => `${c.address}: ${c.holders.map((h) => h.label).join(' + ')}`)).toEqual([]);
  report('crash consistency', {
    seed: SEED,
    'SIGKILLs survived': KILLS,
    'churn operations': churn.stats.ops,
    'refused by the API server': churn.stats.refused,
    'start to ready, ms (min/median/max)': minMedianMax(readyMs),
    'settled after the last start + 5 s, ms': settleMs,
    'settled state': settled.summary,
    'Gateways seen / given an address': obs.gatewaysSeen,
    'Gateway events and consistent snapshots checked': obs.counts,
    'addresses on two holders / moved / lost': [obs.collisions.size, obs.violations.filter((v) => v.kind === 'moved').length, obs.violations.filter((v) => v.kind === 'lost').length],
  });
});

// Controller-scale suite (issue 10): the controller bundle against a local kube-apiserver + etcd, at up to 1,000
// Gateways and 10,000 routes (`--full`), each live run beside the API server's ceiling for the same objects. The work is in tools/bench/controller-scale/ (run.mjs runs it on its own too).
// KVGW_BENCH_CONTROLLER_SCALE_JSON=docs/benchmarks/controller-scale.json re-renders the section from the figures of an
// earlier run (after editing the report) without measuring again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { apiRatesPlan, plan, runPlan, summarise } from '../controller-scale/run.mjs';
import { renderReport } from '../controller-scale/report.mjs';

export default {
  id: 'controller-scale',
  title: 'Controller on a real API server (Gateways, routes, idle, restart)',
  order: 20,
  async run(ctx) {
    const reuse = process.env.KVGW_BENCH_CONTROLLER_SCALE_JSON;
    // `npm run bench -- controller-scale --full` (the runner ignores options it does not know), or KVGW_BENCH_FULL=1.
    const full = process.argv.includes('--full') || process.env.KVGW_BENCH_FULL === '1';
    let result;
    if (reuse) {
      result = JSON.parse(await readFile(path.resolve(ctx.root, reuse), 'utf8'));
      ctx.log(`controller-scale: re-rendering the figures of ${result.startedAt ?? 'an earlier run'} from ${reuse}`);
    } else {
      result = await runPlan({ scenarios: plan({ quick: ctx.quick, full }), apiRates: apiRatesPlan({ quick: ctx.quick, full }), log: (m) => ctx.log(`controller-scale: ${m}`) });
      result.plan = ctx.quick ? 'quick' : full ? 'full' : 'default';
      ctx.log(`controller-scale:\n${summarise(result.runs)}`);
    }
    await ctx.writeAsset('controller-scale.json', `${JSON.stringify(result)}\n`);
    const label =
      result.plan === 'quick'
        ? '**Quick run: one small scenario, not for quoting.**'
        : result.plan === 'partial'
          ? '**Partial: runs put together by hand from a loaded machine** (load average 25-35; see *Issue 21* below for why the plan could not run): 200 Gateways / 1,000 routes in both designs, each beside its ceiling, and 400 / 2,000 twice for the memory comparison, one run each.'
        : result.plan === 'full'
          ? 'Full plan (`--full`): 1,000 Gateways / 5,000 routes and 2,000 / 10,000 three times each (median), each live run beside its API-server ceiling; the per-route design (`duplicate`) at 5,000 routes and both designs at 1,000 and 2,500 once; a backlog and a strategy `update` run at 5,000; the API server\'s own rates.'
          : 'Default plan of `npm run bench` (about 10 minutes): 200 Gateways / 1,000 routes three times (median) and both designs at 500 and 1,000 routes, each beside its API-server ceiling, a backlog run, strategy `update`; `--full` runs up to 2,000 Gateways / 10,000 routes.';
    return renderReport(result, ctx, { scaleLabel: label });
  },
};

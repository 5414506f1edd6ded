// Controller-scale suite (issue 10): the controller bundle against a local kube-apiserver + etcd, at up to 1,000
// Gateways and 5,000 routes (`--full`). The work is in tools/bench/controller-scale/ (run.mjs runs it on its own too).
import { apiRatesPlan, plan, runPlan, summarise } from '../controller-scale/run.mjs';
import { renderReport } from '../controller-scale/report.mjs';

export default {
  id: 'controller-scale',
  title: 'Controller on a real API server (Gateways, routes, idle, restart)',
  order: 20,
  async run(ctx) {
    // `npm run bench -- controller-scale --full` (the runner ignores options it does not know), or KVGW_BENCH_FULL=1.
    const full = process.argv.includes('--full') || process.env.KVGW_BENCH_FULL === '1';
    const scenarios = plan({ quick: ctx.quick, full });
    const result = await runPlan({ scenarios, apiRates: apiRatesPlan({ quick: ctx.quick, full }), log: (m) => ctx.log(`controller-scale: ${m}`) });
    ctx.log(`controller-scale:\n${summarise(result.runs)}`);
    await ctx.writeAsset('controller-scale.json', `${JSON.stringify(result)}\n`);
    const label = ctx.quick
      ? '**Quick run: one small scenario, not for quoting.**'
      : full
        ? 'Full plan (`--full`): 1,000 Gateways / 5,000 routes three times, plus smaller sizes and a backlog run.'
        : 'Default plan of `npm run bench` (a few minutes): 200 Gateways / 1,000 routes three times, 500 routes, and a backlog run; `--full` runs 1,000 Gateways / 5,000 routes.';
    return renderReport(result, ctx, { scaleLabel: label });
  },
};

/** The Service strategy a run's controller used (its last --service-behaviour flag, else the default, auto). */
export function strategyOf(run) {
  const flag = (run.controllerArgs ?? []).findLast((a) => a.startsWith('--service-behaviour='));
  return flag ? flag.slice('--service-behaviour='.length) : 'auto';
}

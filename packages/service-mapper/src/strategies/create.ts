import { ROUTE_SELECTOR_ANNOTATION, SELECTOR_KEY_LABEL, SELECTOR_VALUE_LABEL } from '../constants.js';
import { InvalidSelectorError } from '../errors.js';
import { routeSelector } from '../selector.js';
import { isProblem, type ServiceStrategy } from '../strategy.js';

/**
 * `create` (the original controller's default): a new LoadBalancer Service whose selector comes from the route, from
 * the annotation `kube-vip.io/route-selector` or the labels `selectorkey`/`selectorvalue`. The Pod port is the backend
 * Service's targetPort for backendRef.port when that Service exists, else backendRef.port itself.
 */
export const createStrategy: ServiceStrategy = {
  name: 'create',
  description: `a new LoadBalancer Service selecting Pods by the route's ${ROUTE_SELECTOR_ANNOTATION} annotation or ${SELECTOR_KEY_LABEL}/${SELECTOR_VALUE_LABEL} labels`,
  build(input, ctx) {
    const selector = routeSelector(input.route);
    if (selector instanceof InvalidSelectorError)
      return { problems: [{ severity: 'Error', reason: 'InvalidSelector', message: `${ctx.routeRef}: ${selector.message}` }] };
    if (selector === undefined)
      return {
        problems: [
          ctx.cannotExpress(`it needs a selector: annotation ${ROUTE_SELECTOR_ANNOTATION} or labels ${SELECTOR_KEY_LABEL} and ${SELECTOR_VALUE_LABEL}`),
        ],
      };
    if (input.route.namespace !== ctx.namespace)
      return {
        problems: [
          ctx.cannotExpress(
            `its selector would select Pods in the Gateway's namespace ${ctx.namespace}, not in the route's namespace ${input.route.namespace}; use endpoints`,
          ),
        ],
      };
    const active = ctx.activeBackends;
    if (active.length !== 1)
      return { problems: [ctx.cannotExpress(`it takes the Pod port from exactly one backendRef with weight > 0, the route has ${active.length}`)] };
    const backend = active[0]!;
    let target: number | string = backend.port;
    let appProtocol: string | undefined;
    if (backend.service !== undefined) {
      const port = ctx.backendPort(backend);
      if (!isProblem(port)) {
        target = port.targetPort ?? port.port;
        appProtocol = port.appProtocol;
      }
    }
    return { services: [ctx.service({ selector, ports: [ctx.listenerPort(target, appProtocol)] })] };
  },
};

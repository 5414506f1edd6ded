import { isProblem, type ServiceStrategy } from '../strategy.js';

/**
 * `duplicate`: a new LoadBalancer Service in the Gateway's namespace with the backend Service's selector, the listener
 * port forwarding to the backend port's targetPort (a named targetPort passes through and is resolved per Pod).
 */
export const duplicateStrategy: ServiceStrategy = {
  name: 'duplicate',
  description: "a new LoadBalancer Service with the backend Service's selector (one backend in the Gateway's namespace)",
  build(input, ctx) {
    const active = ctx.activeBackends;
    if (active.length !== 1)
      return { problems: [ctx.cannotExpress(`it serves exactly one backend with weight > 0, the route has ${active.length}; use endpoints`)] };
    const backend = active[0]!;
    const ref = `${backend.namespace}/${backend.name}`;
    const svc = backend.service;
    if (svc === undefined) return { problems: [ctx.cannotExpress(`backend Service ${ref} does not exist`)] };
    if (backend.namespace !== ctx.namespace)
      return {
        problems: [
          ctx.cannotExpress(
            `a copied selector selects Pods in the copy's namespace (${ctx.namespace}, the Gateway's), but backend Service ${ref} is in ${backend.namespace}; use endpoints`,
          ),
        ],
      };
    if (svc.spec?.type === 'ExternalName') return { problems: [ctx.cannotExpress(`backend Service ${ref} is an ExternalName Service`)] };
    const selector = svc.spec?.selector;
    if (selector === undefined || Object.keys(selector).length === 0)
      return { problems: [ctx.cannotExpress(`backend Service ${ref} has no selector (its endpoints are managed by hand); use endpoints`)] };
    const port = ctx.backendPort(backend);
    if (isProblem(port)) return { problems: [port] };
    return { services: [ctx.service({ selector, ports: [ctx.listenerPort(port.targetPort ?? port.port, port.appProtocol)] })] };
  },
};

// The README's examples, run through the public entry. The code between the "README:" markers must appear verbatim
// in README.md (checked below), so the documentation cannot drift from code that works.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Gateway, Service } from '@kube-vip-gw/gateway-model';
import { gateway, service } from './internal/fixtures.testkit.js';
import { applyPlan } from './internal/fixtures.testkit.js';

const exampleGateway: Gateway = gateway({ namespace: 'default', name: 'gw' });
const webService: Service = service('default', 'web', { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });

// README: quick start
import { desiredForGateway, isEmptyPlan, planChanges, type ServedListener } from './index.js';

const served: ServedListener = {
  gateway: exampleGateway, // name, namespace, uid, spec.infrastructure
  gatewayClassName: 'kube-vip',
  addresses: ['192.0.2.10'], // from IPAM: one address, or an IPv4 + IPv6 pair
  listener: { name: 'web', port: 80, protocol: 'TCP' },
  route: { kind: 'TCPRoute', namespace: 'default', name: 'web' },
  backends: [{ name: 'web', namespace: 'default', port: 80, weight: 1, service: webService, endpointSlices: [] }],
  parameters: { strategy: { flag: 'auto' } },
};
const desired = desiredForGateway(exampleGateway, [served]); // Services, EndpointSlices, adoptions, problems
const plan = planChanges(desired, { services: [], endpointSlices: [] }); // actual: what the informers hold
// plan.create, plan.patch (JSON merge patches), plan.replace, plan.delete; isEmptyPlan(plan) when idle
// README: end

// README: custom strategy
import { createStrategyRegistry, duplicateStrategy, mapListener, type ServiceStrategy } from './index.js';

/** `duplicate`, plus client-IP session affinity kept for an hour. */
export const stickyStrategy: ServiceStrategy = {
  name: 'sticky',
  description: 'duplicate with ClientIP session affinity',
  build(input, ctx) {
    const result = duplicateStrategy.build(input, ctx);
    for (const svc of result.services ?? []) {
      svc.spec = { ...svc.spec, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 3600 } } };
    }
    return result;
  },
};

const registry = createStrategyRegistry([stickyStrategy]);
const sticky = mapListener({ ...served, parameters: { strategy: { flag: 'sticky' } } }, registry);
// sticky.services[0].spec.sessionAffinity === 'ClientIP'
// README: end

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const self = readFileSync(new URL(import.meta.url), 'utf8');
const region = (name: string) => self.split(`// README: ${name}\n`)[1]!.split('// README: end')[0]!.trim();

describe('README', () => {
  it.each(['quick start', 'custom strategy'])('shows the %s example exactly as tested', (name) => {
    expect(readme).toContain(region(name).replaceAll("'./index.js'", "'@kube-vip-gw/service-mapper'"));
  });

  it('quick start: the Gateway Service to create (the backend has no endpoints yet, so no slices), then an idle plan', () => {
    expect(desired.problems).toEqual([]);
    expect(plan.create.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/kvgateway-default-gw']);
    expect((plan.create[0] as Service).spec?.ports).toEqual([{ name: 'web', protocol: 'TCP', port: 80, targetPort: 80 }]);
    const state = applyPlan({ services: [], endpointSlices: [] }, plan);
    expect(isEmptyPlan(planChanges(desired, state))).toBe(true);
  });

  it('custom strategy: the extra fields are there, the Gateway envelope too, and the plan converges', () => {
    expect(sticky.problems).toEqual([]);
    const svc = sticky.services[0]!;
    expect(svc.spec).toMatchObject({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 3600 } }, selector: { app: 'web' }, type: 'LoadBalancer' });
    expect(svc.metadata.annotations?.['kube-vip.io/loadbalancerIPs']).toBe('192.0.2.10');
    const d = desiredForGateway(exampleGateway, [{ ...served, parameters: { strategy: { flag: 'sticky' } } }], registry);
    const state = applyPlan({ services: [], endpointSlices: [] }, planChanges(d, { services: [], endpointSlices: [] }));
    expect(isEmptyPlan(planChanges(d, state))).toBe(true);
  });
});

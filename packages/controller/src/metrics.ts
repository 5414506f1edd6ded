// The controller's own metrics, beside the runtime's: exact pool figures, allocations, and Gateways by condition.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Gateway } from '@kube-vip-gw/gateway-model';
import type { AddressBook } from './address-book.js';
import type { GatewayMetrics } from './reconcile-gateway.js';
import type { ClusterView } from './view.js';

/** Registers kvgw_* metrics; pool and Gateway gauges are computed at scrape time from the live state. */
export function registerControllerMetrics(registry: Registry, state: { addresses: AddressBook; view: ClusterView; controllerName: string }): GatewayMetrics {
  const registers = [registry];
  const allocations = new Counter({ name: 'kvgw_ipam_allocations_total', help: 'Addresses handed out, by pool key', labelNames: ['pool'], registers });
  const failures = new Counter({ name: 'kvgw_ipam_allocation_failures_total', help: 'Failed allocations, by error', labelNames: ['reason'], registers });
  new Gauge({
    name: 'kvgw_ipam_pool_addresses',
    help: 'Addresses of each IPAM pool by family and state (size, used, free); exact up to 2^53, larger IPv6 figures are the nearest float',
    labelNames: ['pool', 'family', 'state'],
    registers,
    collect() {
      this.reset();
      const config = state.addresses.allocator.ipamConfig;
      for (const key of config.pools.keys()) {
        const stats = state.addresses.allocator.statsForKey(key);
        for (const family of ['IPv4', 'IPv6'] as const) {
          const f = stats?.[family];
          if (!f) continue;
          for (const s of ['size', 'used', 'free'] as const) this.set({ pool: key, family, state: s }, Number(f[s]));
        }
      }
    },
  });
  new Gauge({
    name: 'kvgw_gateways',
    help: 'Gateways of our classes by condition type and status',
    labelNames: ['condition', 'status'],
    registers,
    collect() {
      this.reset();
      const ours = new Set(state.view.gatewayClasses().filter((c) => c.spec?.controllerName === state.controllerName).map((c) => c.metadata.name));
      const counts = new Map<string, number>();
      for (const gw of state.view.gateways() as Gateway[]) {
        if (!ours.has(gw.spec?.gatewayClassName)) continue;
        for (const c of gw.status?.conditions ?? []) counts.set(`${c.type}\u0000${c.status}`, (counts.get(`${c.type}\u0000${c.status}`) ?? 0) + 1);
      }
      for (const [k, n] of counts) {
        const [condition, status] = k.split('\u0000') as [string, string];
        this.set({ condition, status }, n);
      }
    },
  });
  return {
    allocated: (pool) => allocations.inc({ pool }),
    allocationFailed: (reason) => failures.inc({ reason }),
  };
}

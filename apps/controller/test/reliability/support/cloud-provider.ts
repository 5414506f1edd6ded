// A stand-in for kube-vip-cloud-provider's allocator (reference: kube-vip.md §2.3 and §2.4), written independently of
// our IPAM package on purpose: it must make the decisions the cloud provider makes, not ours. For each LoadBalancer
// Service without the kube-vip.io/loadbalancerIPs annotation and without a loadBalancerClass, one at a time (one
// worker, like the cloud provider): read the ConfigMap, choose the pool by the Service's namespace (cidr-<ns>,
// cidr-global, range-<ns>, range-global), list the Services labelled implementation=kube-vip from the API (all
// namespaces for a global pool), take the first address of the pool that none of their annotations names (skipping
// IPv4 .0 and .255), and write annotation, label and spec.loadBalancerIP with a full update, retried on conflict.
// Like the real one it never looks at Gateways. Only what the tests use is supported: IPv4 `start-end` ranges.
import type { ConfigMap, Service } from '@kube-vip-gw/gateway-model';
import { KubeRestError, R, type KubeRest } from '../../e2e/support/kube-rest.js';

/** One address the stand-in handed out. */
export interface CloudProviderAllocation {
  readonly service: string;
  readonly address: string;
  readonly at: number;
}

const LB_IPS = 'kube-vip.io/loadbalancerIPs';

function ipv4(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: "${text}"`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function format(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The pool value for a namespace and whether it is global, in the cloud provider's precedence. */
export function discoverPool(data: Record<string, string>, namespace: string): { value: string; global: boolean } | undefined {
  for (const [k, global] of [[`cidr-${namespace}`, false], ['cidr-global', true], [`range-${namespace}`, false], ['range-global', true]] as const) {
    if (data[k] !== undefined) return { value: data[k], global };
  }
  return undefined;
}

/** The first free address of a range list (no trimming after commas, as the cloud provider splits). */
export function firstFree(pool: string, used: ReadonlySet<string>): string | undefined {
  for (const entry of pool.split(',')) {
    const [from, to, extra] = entry.split('-');
    if (from === undefined || to === undefined || extra !== undefined) throw new Error(`unsupported pool entry "${entry}" (the stand-in reads IPv4 ranges)`);
    for (let n = ipv4(from); n <= ipv4(to); n++) {
      const last = n & 255;
      if (last === 0 || last === 255) continue;
      if (!used.has(format(n))) return format(n);
    }
  }
  return undefined;
}

/** The stand-in allocator (see the module comment). */
export class CloudProviderStandIn {
  readonly allocations: CloudProviderAllocation[] = [];
  readonly errors: string[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly admin: KubeRest,
    private readonly configMap: { namespace: string; name: string },
    private readonly pollMs = 50,
  ) {}

  /** Starts polling for LoadBalancer Services to allocate for. */
  start(): void {
    this.#loop = this.#run();
  }

  /** Stops after the Service in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const pending = (await this.admin.list<Service>(R.Service)).filter(
          (s) => s.spec?.type === 'LoadBalancer' && !s.spec.loadBalancerClass && !s.metadata.annotations?.[LB_IPS],
        );
        for (const svc of pending) await this.#allocate(svc);
      } catch (error) {
        this.errors.push(error instanceof Error ? error.message : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  async #allocate(svc: Service): Promise<void> {
    const ns = svc.metadata.namespace ?? '';
    const cm = await this.admin.get<ConfigMap>(R.ConfigMap, this.configMap);
    const pool = discoverPool(cm.data ?? {}, ns);
    if (!pool) throw new Error(`no pool for namespace ${ns}`);
    const labelled = await this.admin.list<Service>(R.Service, pool.global ? undefined : ns, 'implementation=kube-vip');
    const used = new Set(labelled.flatMap((s) => (s.metadata.annotations?.[LB_IPS] ?? '').split(',').filter(Boolean)));
    const address = firstFree(pool.value, used);
    if (!address) throw new Error(`pool ${pool.value} exhausted for Service ${ns}/${svc.metadata.name}`);
    for (let attempt = 0; attempt < 5; attempt++) {
      const fresh = await this.admin.get<Service>(R.Service, { namespace: ns, name: svc.metadata.name });
      if (fresh.metadata.annotations?.[LB_IPS]) return;
      try {
        await this.admin.replace(R.Service, {
          ...fresh,
          metadata: {
            ...fresh.metadata,
            annotations: { ...fresh.metadata.annotations, [LB_IPS]: address },
            labels: { ...fresh.metadata.labels, implementation: 'kube-vip' },
          },
          spec: { ...fresh.spec, loadBalancerIP: address },
        });
        this.allocations.push({ service: `${ns}/${svc.metadata.name}`, address, at: Date.now() });
        return;
      } catch (error) {
        if (!(error instanceof KubeRestError && error.code === 409)) throw error;
      }
    }
  }
}

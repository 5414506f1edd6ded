// The Kubernetes objects the data plane needs in the cluster: identities and least-privilege RBAC for kube-vip and
// kube-proxy, and Node objects (no kubelet runs, so the test makes them). Pure builders; the caller applies them.
import { nodeAddresses } from './addresses.js';

/** kube-vip's identity: its ServiceAccount, as a client certificate (user and groups). */
export const KUBE_VIP_IDENTITY = {
  user: 'system:serviceaccount:kube-system:kube-vip',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
} as const;
/** kube-proxy's identity: covered by the API server's built-in `system:node-proxier` binding. */
export const KUBE_PROXY_IDENTITY = { user: 'system:kube-proxy', groups: [] as string[] } as const;

/**
 * The rights kube-vip v1.0.0 uses in Services mode with ARP, and no more (measured: with these it announces, writes
 * ingress and the vipHost annotation, and holds its leases): Services read + update (+ status), EndpointSlices read,
 * Leases get/create/update.
 */
export function kubeVipRbac(): Record<string, unknown>[] {
  const name = 'kvgw-dataplane-kube-vip';
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'update'] },
        { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KUBE_VIP_IDENTITY.user }],
    },
  ];
}

/** Name of node `index` (1-based). */
export function nodeName(index: number): string {
  return `node${index}`;
}

/** The Node object of node `index`. kube-proxy reads its InternalIPs (status: write it with {@link nodeStatus}). */
export function nodeObject(index: number): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName(index), labels: { 'kubernetes.io/hostname': nodeName(index) } } };
}

/** The status a kubelet would report: its InternalIPs (IPv4 and IPv6) and Ready. */
export function nodeStatus(index: number): Record<string, unknown> {
  const a = nodeAddresses(index);
  return {
    status: {
      addresses: [
        { type: 'InternalIP', address: a.lanV4 },
        { type: 'InternalIP', address: a.lanV6 },
        { type: 'Hostname', address: nodeName(index) },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'no kubelet: made by the test', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  };
}

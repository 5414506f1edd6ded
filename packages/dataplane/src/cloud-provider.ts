// kube-vip-cloud-provider (the real binary) against a local API server: it allocates addresses for plain
// LoadBalancer Services from the same ConfigMap the controller reads. It only talks to the API server, so it runs in
// the host namespace like the controller.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from '@kube-vip-gw/controller-runtime/envtest';
import { DataPlaneProcessError } from './errors.js';

/** Its identity (a ServiceAccount, as a client certificate). */
export const KUBE_VIP_CLOUD_PROVIDER_IDENTITY = {
  user: 'system:serviceaccount:kube-system:kube-vip-cloud-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
} as const;

/** The rights of its upstream manifest's ClusterRole that the service-lb-controller uses. */
export function kubeVipCloudProviderRbac(): Record<string, unknown>[] {
  const name = 'kvgw-dataplane-kube-vip-cloud-provider';
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
        { apiGroups: [''], resources: ['services/status'], verbs: ['update', 'patch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KUBE_VIP_CLOUD_PROVIDER_IDENTITY.user }],
    },
  ];
}

/**
 * Starts kube-vip-cloud-provider v0.0.12 with the flags that work out of cluster. It ignores --kubeconfig for its
 * own client and reads $HOME/.kube/config (with --OutSideCluster=true), so HOME is a private directory holding the
 * kubeconfig. One worker (--concurrent-service-syncs=1, its default): with more, it hands one address to several
 * Services. Needs a Node object to exist.
 */
export async function startKubeVipCloudProvider(options: {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly workDir: string;
  readonly configMap?: { readonly namespace: string; readonly name: string };
}): Promise<ManagedProcess> {
  const home = path.join(options.workDir, 'kvcp-home');
  mkdirSync(path.join(home, '.kube'), { recursive: true });
  copyFileSync(options.kubeconfig, path.join(home, '.kube', 'config'));
  const cm = options.configMap ?? { namespace: 'kube-system', name: 'kubevip' };
  const p = await ManagedProcess.start({
    name: 'kube-vip-cloud-provider',
    command: options.binary,
    args: [
      '--OutSideCluster=true',
      `--kubeconfig=${options.kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--webhook-secure-port=0',
      '--bind-address=127.0.0.1',
      '--controllers=service-lb-controller',
      '--concurrent-service-syncs=1',
      '--v=2',
    ],
    logFile: path.join(options.workDir, 'kube-vip-cloud-provider.log'),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBEVIP_NAMESPACE: cm.namespace, KUBEVIP_CONFIG_MAP: cm.name },
  });
  await new Promise((r) => setTimeout(r, 2_000));
  if (!p.running) {
    let log = '';
    try {
      log = readFileSync(p.spec.logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
    } catch {
      // no log
    }
    throw new DataPlaneProcessError('kube-vip-cloud-provider', `exited at start (${JSON.stringify(p.status)})`, log);
  }
  return p;
}

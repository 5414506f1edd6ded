// The Client contract that MemoryCluster and KubeClient-over-HTTP pass in unit tests, held against a real
// kube-apiserver: if MemoryCluster's semantics drift from the real server's, this file says where.
import { KubeClient, Namespace } from '@kube-vip-gw/controller-runtime';
import { describeClientContract } from '@kube-vip-gw/controller-runtime/testing';
import { uniqueName, useControlPlane } from './harness.js';

const plane = useControlPlane({ gatewayApiCrds: 'standard' });

describeClientContract('KubeClient against kube-apiserver', async () => {
  const client = await KubeClient.create({ source: { kind: 'string', yaml: plane().kubeconfig } });
  const namespace = uniqueName('contract');
  await client.create(Namespace, { metadata: { name: namespace } });
  // Namespaces never finish deleting here (no kube-controller-manager), and the control plane goes away after
  // the file anyway: cleanup only closes the client.
  return { client, namespace, cleanup: () => client.close() };
});

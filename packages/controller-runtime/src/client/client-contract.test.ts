import { describeClientContract } from '../testing/client-contract.js';
import { serveMemoryCluster } from '../testing/memory-api-server.js';
import { KubeClient } from './kube-client.js';
import { MemoryCluster } from '../memory-cluster/memory-cluster.js';
import { Namespace } from '../resources.js';

// The same contract the real kube-apiserver is held to (packages/controller-runtime/test/e2e), here against
// MemoryCluster directly and against KubeClient speaking HTTP to a MemoryCluster front-end.

describeClientContract('MemoryCluster', async () => {
  const client = new MemoryCluster();
  await client.create(Namespace, { metadata: { name: 'contract' } });
  return { client, namespace: 'contract', cleanup: async () => {} };
});

describeClientContract('KubeClient over HTTP to MemoryCluster', async () => {
  const cluster = new MemoryCluster();
  await cluster.create(Namespace, { metadata: { name: 'contract' } });
  const server = await serveMemoryCluster(cluster, { token: 's3cret' });
  const client = await KubeClient.create({ source: { kind: 'string', yaml: server.kubeconfig() } });
  return {
    client,
    namespace: 'contract',
    cleanup: async () => {
      await client.close();
      await server.close();
    },
  };
});

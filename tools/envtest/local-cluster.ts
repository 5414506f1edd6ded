// Runs a local control plane from a checkout until Ctrl-C, or measures one start (`--measure`), before
// `kvgw local-cluster` exists (it will wrap the same runLocalCluster()).
//
//   npx tsx --conditions=@kube-vip-gw/source tools/envtest/local-cluster.ts [--kubeconfig FILE] [--channel standard|experimental|none]
//   npx tsx --conditions=@kube-vip-gw/source tools/envtest/local-cluster.ts --measure [--runs N]
import { parseArgs } from 'node:util';
import { LocalControlPlane, runLocalCluster, type GatewayApiChannel } from '@kube-vip-gw/controller-runtime/envtest';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    channel: { type: 'string', default: 'standard' },
    measure: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
  },
});
const channel = values.channel;
if (channel !== 'standard' && channel !== 'experimental' && channel !== 'none') {
  process.stderr.write(`--channel ${JSON.stringify(channel)}: expected standard, experimental or none\n`);
  process.exit(2);
}
const crds: false | GatewayApiChannel = channel === 'none' ? false : channel;

if (values.measure) {
  // Each run: start to ready, CRD install, restart, stop; one JSON line per run, as documented in docs/envtest.md.
  const runs = Number(values.runs);
  for (let i = 0; i < runs; i++) {
    const plane = await LocalControlPlane.start({ gatewayApiCrds: crds });
    const t = plane.timings;
    const r0 = performance.now();
    await plane.restartApiServer();
    const restartMs = performance.now() - r0;
    const s0 = performance.now();
    await plane.stop();
    const stopMs = performance.now() - s0;
    const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms) / 1000);
    process.stdout.write(
      `${JSON.stringify({
        run: i + 1,
        startS: seconds(t.startMs),
        etcdS: seconds(t.etcdMs),
        apiServerS: seconds(t.apiServerMs),
        crdInstallS: seconds(t.crdInstallMs),
        restartS: seconds(restartMs),
        stopS: seconds(stopMs),
      })}\n`,
    );
  }
} else {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  await runLocalCluster({
    signal: controller.signal,
    gatewayApiCrds: crds,
    ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
  });
}

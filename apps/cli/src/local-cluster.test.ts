// `kvgw local-cluster` with a stand-in runner (the real control plane is covered in test/e2e/local-cluster.e2e.test.ts).
import type { LocalClusterOptions, LocalControlPlane } from '@kube-vip-gw/controller-runtime/envtest';
import { describe, expect, it } from 'vitest';
import { captureIo } from './internal/capture.js';
import { stopAfterReady } from './local-cluster.js';
import { runCli } from './program.js';

// Behaves like runLocalCluster: progress, the ready lines, onReady, then waits for the signal.
function fakeRunner(seen: LocalClusterOptions[]) {
  return async (options: LocalClusterOptions): Promise<void> => {
    seen.push(options);
    options.onProgress?.('[envtest] building kube-apiserver v1.36.3');
    options.onProgress?.('Gateway API v1.6.1 standard CRDs installed (10) in 0.4 s');
    const kubeconfig = options.kubeconfigPath ?? '/dev/shm/plane/kubeconfig';
    options.log?.(`kube-apiserver ready at https://127.0.0.1:6443 (start 3.1 s)`);
    options.log?.(`kubeconfig: ${kubeconfig}`);
    options.log?.(`  export KUBECONFIG=${kubeconfig}`);
    await options.onReady?.({} as LocalControlPlane);
    if (!options.signal.aborted) await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
    options.log?.('stopping the local control plane');
  };
}

describe('kvgw local-cluster', () => {
  it('installs the CRDs, writes the kubeconfig where asked, prints the export line on stdout and stops on the signal with exit 0', async () => {
    const stop = new AbortController();
    const io = captureIo({ cwd: '/work/dir', signal: stop.signal });
    const seen: LocalClusterOptions[] = [];
    const running = runCli(['local-cluster', '--kubeconfig', 'kc.yaml'], io, { runLocalCluster: fakeRunner(seen) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(io.out()).toContain('ready: press Ctrl-C to stop\n');
    stop.abort();
    expect(await running).toBe(0);
    expect(seen[0]).toMatchObject({ gatewayApiCrds: 'standard', kubeconfigPath: '/work/dir/kc.yaml', signal: stop.signal });
    expect(io.out()).toBe(
      [
        'kube-apiserver ready at https://127.0.0.1:6443 (start 3.1 s)',
        'kubeconfig: /work/dir/kc.yaml',
        '  export KUBECONFIG=/work/dir/kc.yaml',
        'ready: press Ctrl-C to stop',
        'stopping the local control plane',
        '',
      ].join('\n'),
    );
    expect(io.err()).toBe(
      [
        '[local-cluster] starting etcd and kube-apiserver (the first run builds them from the Go module proxy, which takes minutes)',
        '[envtest] building kube-apiserver v1.36.3',
        '[local-cluster] Gateway API v1.6.1 standard CRDs installed (10) in 0.4 s',
        '[local-cluster] stopped',
        '',
      ].join('\n'),
    );
  });

  it('passes --channel and --service-cluster-ip-range through; the kubeconfig stays in the work directory by default', async () => {
    const stop = new AbortController();
    const seen: LocalClusterOptions[] = [];
    const running = runCli(['local-cluster', '--channel', 'experimental', '--service-cluster-ip-range', '10.0.0.0/24'], captureIo({ signal: stop.signal }), { runLocalCluster: fakeRunner(seen) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    expect(await running).toBe(0);
    expect(seen[0]).toMatchObject({ gatewayApiCrds: 'experimental', serviceClusterIpRange: '10.0.0.0/24' });
    expect(seen[0]!.kubeconfigPath).toBeUndefined();
  });

  it('defaults to dual-stack Service ranges', async () => {
    const stop = new AbortController();
    const seen: LocalClusterOptions[] = [];
    const running = runCli(['local-cluster'], captureIo({ signal: stop.signal }), { runLocalCluster: fakeRunner(seen) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    expect(await running).toBe(0);
    expect(seen[0]!.serviceClusterIpRange).toBe('10.96.0.0/12,fd00:10:96::/112');
  });

  it('does not start at all when already interrupted', async () => {
    const stop = new AbortController();
    stop.abort();
    const seen: LocalClusterOptions[] = [];
    expect(await runCli(['local-cluster'], captureIo({ signal: stop.signal }), { runLocalCluster: fakeRunner(seen) })).toBe(0);
    expect(seen).toEqual([]);
  });

  it('exits 1 with the reason when the control plane cannot start', async () => {
    const io = captureIo({ signal: new AbortController().signal });
    const code = await runCli(['local-cluster'], io, {
      runLocalCluster: async () => {
        throw Object.assign(new Error('kube-apiserver exited with status 1 during start (log: /tmp/x/kube-apiserver.log)'), { _tag: 'ControlPlaneStartError' });
      },
    });
    expect(code).toBe(1);
    expect(io.err()).toContain('kvgw: kube-apiserver exited with status 1 during start (log: /tmp/x/kube-apiserver.log)\n');
  });

  it('rejects an unknown channel as usage (exit 2)', async () => {
    const io = captureIo();
    expect(await runCli(['local-cluster', '--channel', 'beta'], io, { runLocalCluster: fakeRunner([]) })).toBe(2);
  });
});

describe('stopAfterReady', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('fires a stop asked for before ready only once ready, a timer tick later', async () => {
    const outer = new AbortController();
    const s = stopAfterReady(outer.signal);
    outer.abort();
    await tick();
    expect(s.signal.aborted).toBe(false);
    s.ready();
    expect(s.signal.aborted).toBe(false);
    await tick();
    expect(s.signal.aborted).toBe(true);
  });

  it('follows the outer signal after ready, and stop() after ready', async () => {
    const outer = new AbortController();
    const a = stopAfterReady(outer.signal);
    a.ready();
    outer.abort();
    await tick();
    expect(a.signal.aborted).toBe(true);
    const b = stopAfterReady(undefined);
    b.stop();
    await tick();
    expect(b.signal.aborted).toBe(false);
    b.ready();
    b.stop();
    await tick();
    expect(b.signal.aborted).toBe(true);
  });
});

// The data-plane half of the demo without a data plane: the "why no data plane" decision, the demo set rendered by
// the controller's own offline reconciler, and the exchange bookkeeping (the real traffic runs in
// test/dataplane/demo.dataplane.test.ts, as root).
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BACKEND_V4, BACKEND_V6, type ProbeResult, type Protocol } from '@kube-vip-gw/dataplane';
import type { EndpointSlice, Gateway, KubeObject, Service } from '@kube-vip-gw/gateway-model';
import { dataPlaneDemoSet } from './demo.js';
import {
  DATA_PLANE_DEMO_BACKEND_PORTS,
  DATA_PLANE_DEMO_GATEWAYS,
  dataPlanePaths,
  decideDataPlane,
  exchangeThroughGateways,
  formatExchanges,
  notAnnounced,
  type DataPlaneProbes,
} from './demo-dataplane.js';
import { captureIo } from './internal/capture.js';
import { Styler } from './io.js';
import { defaultRenderOffline, runCli } from './program.js';
import { renderManifests } from './render.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BINARIES = { kubeVip: '/cache/kube-vip', kubeProxy: '/cache/kube-proxy' };

/** Probes that record which checks ran; each answers as told. */
function probes(answers: { unsupported?: string; nft?: boolean; build?: Error } = {}): DataPlaneProbes & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    unsupportedReason: () => {
      calls.push('netns');
      return answers.unsupported;
    },
    nftInstalled: () => {
      calls.push('nft');
      return answers.nft ?? true;
    },
    binaries: async () => {
      calls.push('build');
      if (answers.build) throw answers.build;
      return BINARIES;
    },
  };
}

describe('decideDataPlane: why the demo runs without a data plane', () => {
  it('runs one when namespaces, nftables and the binaries are there', async () => {
    const p = probes();
    expect(await decideDataPlane('auto', false, p)).toEqual({ run: true, binaries: BINARIES });
    expect(p.calls).toEqual(['netns', 'nft', 'build']);
  });

  it.each([
    ['not root', { unsupported: 'network namespaces need root (uid 1000)' }, 'network namespaces need root (uid 1000)', ['netns']],
    ['no netns', { unsupported: '`ip netns add` is not allowed here: Operation not permitted' }, '`ip netns add` is not allowed here: Operation not permitted', ['netns']],
    ['no nft', { nft: false }, '`nft` (nftables) is not installed, and kube-proxy runs in nftables mode (apt-get install nftables)', ['netns', 'nft']],
    [
      'binaries missing and not buildable',
      { build: new Error('[dataplane] FAILED: go is not installed: the data plane is built from the Go module proxy (Go >= 1.26 needed), or set KVGW_DATAPLANE_ASSETS to a directory holding kube-vip kube-proxy') },
      'kube-vip and kube-proxy are not built and cannot be built here: go is not installed: the data plane is built from the Go module proxy (Go >= 1.26 needed), or set KVGW_DATAPLANE_ASSETS to a directory holding kube-vip kube-proxy',
      ['netns', 'nft', 'build'],
    ],
  ] as const)('%s: says so, and checks nothing after the first failure (no build without root)', async (_, answers, reason, calls) => {
    const p = probes(answers);
    expect(await decideDataPlane('auto', false, p)).toEqual({ run: false, reason });
    expect(p.calls).toEqual(calls);
  });

  it('--data-plane off and --examples decide before probing anything', async () => {
    const p = probes();
    expect(await decideDataPlane('off', false, p)).toEqual({ run: false, reason: '--data-plane off' });
    expect(await decideDataPlane('auto', true, p)).toMatchObject({ run: false, reason: expect.stringMatching(/^--examples given: /) });
    expect(p.calls).toEqual([]);
  });

  it('kvgw demo says why on stderr and goes on without one (auto), or fails before starting anything (on)', async () => {
    const controller = path.join(REPO, 'package.json'); // any existing file: the check is for existence
    let started = 0;
    const runLocalCluster = async (): Promise<void> => {
      started += 1;
    };
    const notRoot = probes({ unsupported: 'network namespaces need root (uid 1000)' });
    const auto = captureIo({ cwd: REPO });
    // The stand-in control plane never calls onReady: the demo ends "interrupted" (exit 1) after the decision.
    await runCli(['demo', '--controller', controller], auto, { runLocalCluster, dataPlaneProbes: notRoot });
    expect(auto.err()).toContain('[demo] no data plane: network namespaces need root (uid 1000); the controller programs the Gateways, but nothing announces them (ANNOUNCED stays False) and no traffic is sent\n');
    expect(auto.err()).toMatch(/\[demo\] loaded \d+ objects from examples\n/);
    expect(started).toBe(1);

    const on = captureIo({ cwd: REPO });
    expect(await runCli(['demo', '--controller', controller, '--data-plane', 'on'], on, { runLocalCluster, dataPlaneProbes: notRoot })).toBe(1);
    expect(on.err().split('\n').at(-2)).toBe('kvgw: demo: start the data plane: network namespaces need root (uid 1000)');
    expect(started).toBe(1);

    const bad = captureIo({ cwd: REPO });
    expect(await runCli(['demo', '--data-plane', 'sometimes'], bad, { runLocalCluster })).toBe(2);
    expect(bad.err()).toContain("argument 'sometimes' is invalid. Allowed choices are auto, on, off.");
  });

  it('finds the agents and the build script from the package, not from the bundle', () => {
    expect(dataPlanePaths('/')).toEqual({ agentsDir: path.join(REPO, 'packages/dataplane/src/agents'), buildScript: path.join(REPO, 'tools/dataplane/build.sh') });
  });
});

describe('the data-plane demo set', () => {
  it('--print-manifests prints it as a YAML List', async () => {
    const io = captureIo({ cwd: REPO });
    expect(await runCli(['demo', '--print-manifests'], io)).toBe(0);
    const list = parse(io.out()) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    expect(list.items).toEqual(dataPlaneDemoSet('kube-vip.io/controller').map((m) => m.object));
  });

  it('is programmed by the controller: addresses from the client segment, Gateway Services to the echo backend ports', async () => {
    const out = await renderManifests(dataPlaneDemoSet('kube-vip.io/controller'), { format: 'yaml' }, defaultRenderOffline);
    expect(out.warnings).toEqual([]);
    const items = out.list.items;
    const gateways = items.filter((o): o is Gateway => o.kind === 'Gateway');
    expect(gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name} ${(g.status?.addresses ?? []).map((a) => a.value).join(',')}`).sort()).toEqual([
      'demo-dual/web 10.77.0.200,fd77::100',
      'demo-echo/echo 10.77.0.100',
      'demo-platform/shared 10.77.0.101',
    ]);
    for (const g of gateways) {
      expect(g.status?.conditions?.find((c) => c.type === 'Programmed')?.status, `${g.metadata.name} Programmed`).toBe('True');
      // Announced needs kube-vip: offline it stays False, which is what notAnnounced reports.
      expect(notAnnounced([g])).toHaveLength(1);
    }
    for (const demo of DATA_PLANE_DEMO_GATEWAYS) {
      const [service, ...others] = items.filter((o): o is Service => o.kind === 'Service' && o.metadata.namespace === demo.namespace && o.metadata.name.startsWith('kvgateway-'));
      expect(others, `${demo.namespace}: one Gateway Service`).toEqual([]);
      expect(service!.spec?.ports?.map((p) => `${p.protocol}/${p.port}`).sort()).toEqual(demo.listeners.map((l) => `${l.protocol}/${l.port}`).sort());
      // Its EndpointSlices (written by the controller from the backends) point at the echo backend, on each
      // listener's own backend port: so an answer from that port proves the listener's route was followed.
      const slices = items.filter((o): o is EndpointSlice => o.kind === 'EndpointSlice' && o.metadata.labels?.['kubernetes.io/service-name'] === service!.metadata.name);
      expect(slices.length).toBeGreaterThan(0);
      for (const slice of slices) {
        expect(slice.endpoints?.flatMap((e) => e.addresses)).toEqual([slice.addressType === 'IPv6' ? BACKEND_V6 : BACKEND_V4]);
      }
      const ports = slices.flatMap((s) => (s.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
      for (const l of demo.listeners) expect(ports, `${demo.name} ${l.name}`).toContain(`${l.protocol}/${l.backendPort}`);
    }
    expect(DATA_PLANE_DEMO_BACKEND_PORTS).toEqual([9000, 9001, 9002, 9003, 9004]);
  });
});

describe('exchangeThroughGateways', () => {
  const gateway = (namespace: string, name: string, addresses: string[]): Gateway => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace, name },
    spec: { gatewayClassName: 'kube-vip', listeners: [] },
    status: { addresses: addresses.map((value) => ({ type: 'IPAddress', value })) },
  });

  it('probes every listener on every address; an answer from another backend port, or none, is a failure', async () => {
    const asked: string[] = [];
    const dataPlane = {
      probeUntil: async (proto: Protocol, host: string, port: number): Promise<ProbeResult & { attempts: number }> => {
        asked.push(`${proto} ${host}:${port}`);
        if (port === 22) return { ok: false, error: 'ECONNREFUSED', ms: 3, attempts: 1 };
        const backendPort = port === 514 ? 9003 : DATA_PLANE_DEMO_GATEWAYS.flatMap((g) => g.listeners).find((l) => l.port === port && l.protocol.toLowerCase() === proto)!.backendPort;
        return { ok: true, reply: { backend: 'backend', proto, port: backendPort, peer: host.includes(':') ? 'fd78::11' : '10.78.0.11', payload: '' }, ms: 2, attempts: 1 };
      },
    };
    const exchanges = await exchangeThroughGateways(dataPlane, [
      gateway('demo-echo', 'echo', ['10.77.0.100']),
      gateway('demo-dual', 'web', ['10.77.0.200', 'fd77::100']),
      gateway('demo-platform', 'shared', ['10.77.0.101']),
    ]);
    expect(asked).toEqual([
      'tcp 10.77.0.100:7',
      'udp 10.77.0.100:7',
      'tcp 10.77.0.200:443',
      'udp 10.77.0.200:443',
      'tcp fd77::100:443',
      'udp fd77::100:443',
      'tcp 10.77.0.101:22',
      'udp 10.77.0.101:514',
    ]);
    expect(exchanges.map((e) => e.ok)).toEqual([true, true, true, true, true, true, false, false]);
    expect(formatExchanges(exchanges, new Styler({ write: () => undefined }, {}))).toBe(
      [
        'GATEWAY               ADDRESS      LISTENER                                PORT     RESULT  DETAIL',
        "demo-echo/echo        10.77.0.100  tcp                                     TCP/7    ok      TCP answer from the echo backend's port 9000 in 2 ms (it saw 10.78.0.11)",
        "demo-echo/echo        10.77.0.100  udp                                     UDP/7    ok      UDP answer from the echo backend's port 9001 in 2 ms (it saw 10.78.0.11)",
        "demo-dual/web         10.77.0.200  https                                   TCP/443  ok      TCP answer from the echo backend's port 9002 in 2 ms (it saw 10.78.0.11)",
        "demo-dual/web         10.77.0.200  quic                                    UDP/443  ok      UDP answer from the echo backend's port 9002 in 2 ms (it saw 10.78.0.11)",
        "demo-dual/web         fd77::100    https                                   TCP/443  ok      TCP answer from the echo backend's port 9002 in 2 ms (it saw fd78::11)",
        "demo-dual/web         fd77::100    quic                                    UDP/443  ok      UDP answer from the echo backend's port 9002 in 2 ms (it saw fd78::11)",
        'demo-platform/shared  10.77.0.101  ssh                                     TCP/22   FAILED  ECONNREFUSED after 3 ms',
        "demo-platform/shared  10.77.0.101  syslog (ListenerSet demo-team/logging)  UDP/514  FAILED  UDP answer from the echo backend's port 9003 in 2 ms (it saw 10.78.0.11), expected port 9004",
        '',
      ].join('\n'),
    );
  });

  it('a Gateway without addresses has no exchanges; an aborted run stops probing', async () => {
    const stop = new AbortController();
    stop.abort();
    const dataPlane = { probeUntil: async (): Promise<never> => Promise.reject(new Error('not to be called')) };
    expect(await exchangeThroughGateways(dataPlane, [gateway('demo-echo', 'echo', [])])).toEqual([]);
    expect(await exchangeThroughGateways(dataPlane, [gateway('demo-echo', 'echo', ['10.77.0.100'])], { signal: stop.signal })).toEqual([]);
  });
});

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, etcdArgs, freePort, kubeApiserverArgs, type ApiServerConfig } from './control-plane.js';

const config: ApiServerConfig = {
  etcdUrl: 'http://127.0.0.1:2379',
  securePort: 6443,
  certDir: '/w/pki/apiserver',
  serviceAccountPublicKeyFile: '/w/pki/sa.pub',
  serviceAccountPrivateKeyFile: '/w/pki/sa.key',
  clientCaFile: '/w/pki/client-ca/ca.crt',
  serviceClusterIpRange: DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  extraArgs: [],
};

/** Flag name -> value (the last one wins, as in kube-apiserver's flag parsing). */
function flags(args: readonly string[]): Map<string, string> {
  return new Map(args.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
}

describe('kubeApiserverArgs', () => {
  it.each([
    ['--etcd-servers', 'http://127.0.0.1:2379'],
    ['--service-cluster-ip-range', '10.96.0.0/12,fd00:10:96::/108'],
    ['--authorization-mode', 'RBAC'],
    ['--bind-address', '127.0.0.1'],
    ['--advertise-address', '127.0.0.1'],
    ['--endpoint-reconciler-type', 'none'],
    ['--secure-port', '6443'],
    ['--service-account-issuer', 'https://127.0.0.1:6443/'],
    ['--service-account-key-file', '/w/pki/sa.pub'],
    ['--service-account-signing-key-file', '/w/pki/sa.key'],
    ['--client-ca-file', '/w/pki/client-ca/ca.crt'],
    ['--disable-admission-plugins', 'ServiceAccount'],
    ['--cert-dir', '/w/pki/apiserver'],
    ['--tls-cert-file', '/w/pki/apiserver/apiserver.crt'],
    ['--tls-private-key-file', '/w/pki/apiserver/apiserver.key'],
    ['--shutdown-watch-termination-grace-period', '2s'],
  ])('sets %s=%s', (flag, value) => {
    expect(flags(kubeApiserverArgs(config)).get(flag)).toBe(value);
  });

  it('has every flag the apiserver requires since 1.22', () => {
    const names = flags(kubeApiserverArgs(config));
    for (const required of ['--etcd-servers', '--service-account-issuer', '--service-account-signing-key-file', '--service-account-key-file']) {
      expect(names.has(required), required).toBe(true);
    }
  });

  it('appends extra flags last so they override the defaults', () => {
    const args = kubeApiserverArgs({ ...config, extraArgs: ['--watch-cache=false', '--authorization-mode=Node,RBAC'] });
    expect(args.slice(-2)).toEqual(['--watch-cache=false', '--authorization-mode=Node,RBAC']);
    expect(flags(args).get('--authorization-mode')).toBe('Node,RBAC');
  });
});

describe('etcdArgs', () => {
  it('runs one loopback member on tmpfs data without fsync', () => {
    const f = flags(etcdArgs({ dataDir: '/dev/shm/x/etcd', clientPort: 2379, peerPort: 2380 }));
    expect(f.get('--data-dir')).toBe('/dev/shm/x/etcd');
    expect(f.get('--listen-client-urls')).toBe('http://127.0.0.1:2379');
    expect(f.get('--advertise-client-urls')).toBe('http://127.0.0.1:2379');
    expect(f.get('--listen-peer-urls')).toBe('http://127.0.0.1:2380');
    expect(f.get('--initial-cluster')).toBe('default=http://127.0.0.1:2380');
    expect(f.get('--unsafe-no-fsync')).toBe('true');
  });
});

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidFlagError, normaliseGoStyleFlags, parseBindAddress, parseConfigMapRef, parseControllerOptions } from './options.js';

describe('normaliseGoStyleFlags', () => {
  it('turns Go-style single-dash long flags into double-dash ones', () => {
    expect(normaliseGoStyleFlags(['-kubeconfig', '/k', '-leader-elect=true', '-h', '--concurrency', '2'])).toEqual([
      '--kubeconfig', '/k', '--leader-elect=true', '-h', '--concurrency', '2',
    ]);
  });
  it('leaves values after -- alone', () => {
    expect(normaliseGoStyleFlags(['--', '-kubeconfig'])).toEqual(['--', '-kubeconfig']);
  });
});

describe('parseControllerOptions', () => {
  it('has the documented defaults', () => {
    const o = parseControllerOptions([]);
    expect(o).toMatchObject({
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderElect: false,
      controllerName: 'kube-vip.io/controller',
      ipamConfigMap: { namespace: 'kube-system', name: 'kubevip' },
      serviceBehaviour: 'auto',
      concurrency: 4,
      kubeVipLeaseMode: 'auto',
      ipamMode: 'controller',
      kubeVipServicesLease: { namespace: 'kube-system', name: 'plndr-svcs-lock' },
      logFormat: 'json',
    });
  });
  it('reads where the kube-vip leases are', () => {
    const o = parseControllerOptions(['--kube-vip-lease-mode', 'global', '--kube-vip-services-lease', 'kube-vip/svcs']);
    expect(o).toMatchObject({ kubeVipLeaseMode: 'global', kubeVipServicesLease: { namespace: 'kube-vip', name: 'svcs' } });
    expect(() => parseControllerOptions(['--kube-vip-lease-mode', 'both'])).toThrow(/both/);
    expect(parseControllerOptions(['--ipam-mode', 'delegated']).ipamMode).toBe('delegated');
    expect(() => parseControllerOptions(['--ipam-mode', 'dhcp'])).toThrow(/dhcp/);
    expect(() => parseControllerOptions(['--kube-vip-services-lease', 'a/b/c'])).toThrow(/--kube-vip-services-lease.*Lease/);
  });
  it('accepts the original controller command line', () => {
    const o = parseControllerOptions(['-metrics-bind-address', ':8083', '-kubeconfig', '/root/.kube/config', '-gateway-class-name', 'example.com/gw', '-ipam-configmap', 'kube-vip', '-leader-elect']);
    expect(o.metricsBindAddress).toBe(':8083');
    expect(o.kubeconfig).toBe('/root/.kube/config');
    expect(o.controllerName).toBe('example.com/gw');
    expect(o.ipamConfigMap).toEqual({ namespace: 'kube-system', name: 'kube-vip' });
    expect(o.leaderElect).toBe(true);
  });
  it('reads KVGW_* environment variables', () => {
    process.env.KVGW_CONCURRENCY = '7';
    try {
      expect(parseControllerOptions([]).concurrency).toBe(7);
    } finally {
      delete process.env.KVGW_CONCURRENCY;
    }
  });
  it('rejects bad values naming the flag', () => {
    expect(() => parseControllerOptions(['--concurrency', '0'])).toThrow(/--concurrency/);
    expect(() => parseControllerOptions(['--controller-name', 'nodomain'])).toThrow(InvalidFlagError);
    expect(() => parseControllerOptions(['--ipam-configmap', 'a/b/c'])).toThrow(/"a\/b\/c"/);
  });
});

describe('parseConfigMapRef and parseBindAddress', () => {
  it('parses ConfigMap references', () => {
    expect(parseConfigMapRef('ns/cm')).toEqual({ namespace: 'ns', name: 'cm' });
    expect(() => parseConfigMapRef('UPPER')).toThrow(InvalidFlagError);
  });
  it('parses bind addresses, 0 disables', () => {
    expect(parseBindAddress(':8080', 'x')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseBindAddress('[::1]:9', 'x')).toEqual({ host: '::1', port: 9 });
    expect(parseBindAddress('0', 'x')).toBeUndefined();
    expect(() => parseBindAddress('nope', '--metrics-bind-address')).toThrow(/--metrics-bind-address/);
  });
});

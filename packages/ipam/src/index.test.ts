import { describe, expect, it } from 'vitest';
import { AddressAllocator, familyOf, formatAddress, parseAddress, parseIpamConfig } from './index.js';

describe('familyOf', () => {
  it.each([
    ['10.0.0.1', 'IPv4'],
    ['fd00::1', 'IPv6'],
    ['::ffff:10.0.0.1', 'IPv6'],
    ['example.com', undefined],
    ['10.0.0.256', undefined],
    ['010.0.0.1', undefined],
    ['fe80::1%eth0', undefined],
    ['', undefined],
  ])('%j is %s', (text, family) => {
    expect(familyOf(text)).toBe(family);
  });
});

describe('parseAddress / formatAddress', () => {
  it('gives the canonical text and exact value', () => {
    expect(parseAddress('FD00:0:0::0001')).toEqual({ ok: true, value: { family: 'IPv6', value: 0xfd000000000000000000000000000001n, text: 'fd00::1' } });
    expect(formatAddress('IPv4', 0xc0a80001n)).toBe('192.168.0.1');
    const bad = parseAddress('lb.example.com');
    expect(!bad.ok && bad.error.message).toBe('address "lb.example.com": not an IP address');
  });
});

describe('README example', () => {
  it('does what the README says', () => {
    const config = parseIpamConfig({
      'cidr-global': '192.168.10.0/24,fd00:10::/64',
      'range-team-a': '192.168.20.10-192.168.20.50',
      'reserved-global': '192.168.10.1',
      'allow-share-global': 'true',
    });
    expect(config.problems).toEqual([]);
    const ipam = new AddressAllocator(config);
    const report = ipam.rebuild([
      { address: '192.168.10.2', owner: 'Gateway/web/edge', ports: [{ protocol: 'TCP', port: 443 }] },
      '192.168.10.3',
      'lb.example.com',
    ]);
    expect(report.skipped.map((e) => e.input)).toEqual(['lb.example.com']);
    const r = ipam.allocate({
      namespace: 'web',
      owner: 'Gateway/web/dns',
      ipFamilyPolicy: 'PreferDualStack',
      ports: [{ protocol: 'UDP', port: 53 }],
    });
    expect(r.ok && r.value).toEqual({ key: 'cidr-global', dhcp: false, addresses: ['192.168.10.2', 'fd00:10::'], shared: ['192.168.10.2'] });
  });
});

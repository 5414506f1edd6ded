import { isIP } from 'node:net';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatIp, fromIndex, indexRange, isSkippedV4, parseIp, toIndex } from './address.js';

describe('parseIp', () => {
  it.each([
    ['10.0.0.1', 'IPv4', 0x0a000001n],
    ['0.0.0.0', 'IPv4', 0n],
    ['255.255.255.255', 'IPv4', 0xffffffffn],
    ['::', 'IPv6', 0n],
    ['::1', 'IPv6', 1n],
    ['2001:DB8::1', 'IPv6', 0x20010db8000000000000000000000001n],
    ['fd00::10', 'IPv6', 0xfd000000000000000000000000000010n],
    ['::ffff:1.2.3.4', 'IPv6', 0xffff01020304n],
    ['2001:db8::1.2.3.4', 'IPv6', 0x20010db8000000000000000001020304n],
  ] as const)('accepts %s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each([
    ['', 'empty'],
    ['010.0.0.1', 'IPv4'],
    ['1.2.3', 'IPv4'],
    ['0x7f.0.0.1', 'not an IP address'],
    ['1.2.3.256', 'IPv4'],
    [' 1.2.3.4', 'not an IP address'],
    ['fe80::1%eth0', 'zone'],
    ['::1.2.3.4', 'IPv4-compatible'],
    ['1::2::3', 'IPv6'],
    ['gateway.example.com', 'not an IP address'],
    ['10.0.0.0/24', 'not an IP address'],
  ])('refuses %j with a reason', (text, reason) => {
    const r = parseIp(text);
    expect(typeof r).toBe('string');
    expect(r).toContain(reason);
  });

  test.prop([fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 45 }))])('accepts exactly what node:net accepts, minus zones and ::a.b.c.d', (text) => {
    const r = parseIp(text);
    const node = isIP(text);
    if (typeof r !== 'string') expect(node).toBe(r.family === 'IPv4' ? 4 : 6);
    else if (node !== 0) expect(text.includes('%') || /^::\d+\.\d+\.\d+\.\d+$/.test(text) || /^0\d|\.0\d/.test(text)).toBe(true);
  });
});

describe('formatIp', () => {
  it.each([
    ['IPv4', 0x0a000001n, '10.0.0.1'],
    ['IPv6', 0n, '::'],
    ['IPv6', 0x20010db8000000000000000000000001n, '2001:db8::1'],
    ['IPv6', 0x20010db8000000010000000000000001n, '2001:db8:0:1::1'],
    ['IPv6', 0x20010000000000010000000000000001n, '2001:0:0:1::1'],
    ['IPv6', 0xffff01020304n, '::ffff:1.2.3.4'],
  ] as const)('%s %s is %s', (family, value, text) => {
    expect(formatIp(family, value)).toBe(text);
  });

  test.prop([fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })])('IPv6 text is RFC 5952 (as the WHATWG URL parser writes it) and parses back', (value) => {
    const text = formatIp('IPv6', value);
    expect(parseIp(text)).toEqual({ family: 'IPv6', value });
    if (value >> 32n !== 0xffffn) expect(`[${text}]`).toBe(new URL(`http://[${text}]/`).hostname);
  });

  test.prop([fc.ipV4()])('IPv4 round-trips', (text) => {
    const ip = parseIp(text);
    expect(typeof ip).not.toBe('string');
    if (typeof ip !== 'string') expect(formatIp('IPv4', ip.value)).toBe(text);
  });
});

describe('IPv4 allocation indexes skip .0 and .255', () => {
  it.each([
    ['10.0.0.1', 0n],
    ['10.0.0.254', 253n],
  ])('%s', (text) => {
    const ip = parseIp(text);
    if (typeof ip === 'string') throw new Error(ip);
    expect(toIndex('IPv4', ip.value) - toIndex('IPv4', 0x0a000000n + 1n)).toBe(0n + (ip.value - 0x0a000001n));
  });
  it('consecutive indexes jump from .254 to the next .1', () => {
    const i = toIndex('IPv4', 0x0a0000fen); // 10.0.0.254
    expect(formatIp('IPv4', fromIndex('IPv4', i + 1n))).toBe('10.0.1.1');
  });
  test.prop([fc.bigInt({ min: 0n, max: 0xffffffffn })])('index and address round-trip for allocatable addresses', (v) => {
    fc.pre(!isSkippedV4(v));
    const i = toIndex('IPv4', v);
    expect(fromIndex('IPv4', i)).toBe(v);
    expect(isSkippedV4(fromIndex('IPv4', i + 1n))).toBe(false);
  });
  it.each([
    ['192.168.0.252', '192.168.0.255', '192.168.0.252', '192.168.0.254'],
    ['192.168.0.255', '192.168.1.0', undefined, undefined],
    ['192.168.0.253', '192.168.1.2', '192.168.0.253', '192.168.1.2'],
    ['10.0.0.0', '10.0.0.0', undefined, undefined],
  ])('indexRange %s-%s holds %s..%s', (a, b, first, last) => {
    const s = parseIp(a);
    const e = parseIp(b);
    if (typeof s === 'string' || typeof e === 'string') throw new Error('bad fixture');
    const r = indexRange('IPv4', s.value, e.value);
    if (first === undefined) expect(r).toBeUndefined();
    else {
      expect(formatIp('IPv4', fromIndex('IPv4', r!.start))).toBe(first);
      expect(formatIp('IPv4', fromIndex('IPv4', r!.end))).toBe(last);
    }
  });
});

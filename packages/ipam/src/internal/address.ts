// Address parsing and formatting on ipaddr.js, with addresses held as exact BigInt values.
//
// Parsing is stricter than ipaddr.js's own `parse` so that what we accept matches Go's net/netip (which
// kube-vip-cloud-provider uses): full dotted-quad IPv4 without leading zeros, no IPv6 zones, no octal/hex IPv4.
import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../errors.js';

/** An IP address as family plus its 32- or 128-bit value. */
export interface Ip {
  readonly family: IPFamily;
  readonly value: bigint;
}

/** Width in bits of each family. */
export const BITS: Readonly<Record<IPFamily, number>> = { IPv4: 32, IPv6: 128 };

/** Largest address value of each family. */
export const MAX: Readonly<Record<IPFamily, bigint>> = { IPv4: (1n << 32n) - 1n, IPv6: (1n << 128n) - 1n };

// "::1.2.3.4" is the deprecated IPv4-compatible form; ipaddr.js reads it as IPv4-mapped (::ffff:1.2.3.4), which is
// a different address than Go reads, so it is refused rather than silently misread.
const IPV4_COMPATIBLE = /^::\d+\.\d+\.\d+\.\d+$/;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses one IP literal; returns the reason as a string when it is not one. */
export function parseIp(text: string): Ip | string {
  if (typeof text !== 'string') return 'not a string';
  if (text.length === 0) return 'empty';
  if (text.length > 64) return 'too long to be an IP address';
  if (text.includes('%')) return 'IPv6 zone indexes are not allowed';
  const quad = DOTTED_QUAD.exec(text);
  if (quad !== null) {
    // Dotted-quad IPv4 is read directly: the only form Go accepts, and ipaddr.js's strict check for it
    // (isValidFourPartDecimal) parses the text twice, which dominated a 50,000-address rebuild.
    let value = 0;
    for (let i = 1; i <= 4; i++) {
      const part = quad[i]!;
      if (part.length > 1 && part[0] === '0') return 'not a valid IPv4 address (four decimal octets 0-255, no leading zeros)';
      const n = Number(part);
      if (n > 255) return 'not a valid IPv4 address (four decimal octets 0-255, no leading zeros)';
      value = value * 256 + n;
    }
    return { family: 'IPv4', value: BigInt(value) };
  }
  if (text.includes(':')) {
    if (IPV4_COMPATIBLE.test(text)) return 'the deprecated IPv4-compatible form ::a.b.c.d is not supported; write it in hex';
    if (!ipaddr.IPv6.isValid(text)) return 'not a valid IPv6 address';
    const parts = ipaddr.IPv6.parse(text).parts;
    let value = 0n;
    for (const p of parts) value = (value << 16n) | BigInt(p);
    return { family: 'IPv6', value };
  }
  if (/^[0-9.]+$/.test(text)) return 'not a valid IPv4 address (four decimal octets 0-255, no leading zeros)';
  return 'not an IP address';
}

/** Formats an address the way Go's netip does (dotted quad; RFC 5952 for IPv6, dotted tail for IPv4-mapped). */
export function formatIp(family: IPFamily, value: bigint): string {
  if (family === 'IPv4') {
    const n = Number(value);
    return new ipaddr.IPv4([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
  }
  if (value >> 32n === 0xffffn) return `::ffff:${formatIp('IPv4', value & 0xffffffffn)}`;
  const parts = new Array<number>(8);
  let v = value;
  for (let i = 7; i >= 0; i--) {
    parts[i] = Number(v & 0xffffn);
    v >>= 16n;
  }
  return new ipaddr.IPv6(parts).toString();
}

// --- IPv4 allocatable index space -------------------------------------------------------------------------------
// kube-vip-cloud-provider never hands out an IPv4 address whose last octet is 0 or 255. Mapping every other IPv4
// address to a dense index (254 per /24) makes that skip free: allocation works on indexes, where the skipped
// addresses simply do not exist, so a run of used addresses across a /24 boundary is one interval, not many.

/** True when an IPv4 address value ends in .0 or .255 (never allocated). */
export function isSkippedV4(value: bigint): boolean {
  const last = value & 255n;
  return last === 0n || last === 255n;
}

/** Allocation index of an address (identity for IPv6); only valid for allocatable IPv4 addresses. */
export function toIndex(family: IPFamily, value: bigint): bigint {
  if (family === 'IPv6') return value;
  return (value >> 8n) * 254n + (value & 255n) - 1n;
}

/** Address of an allocation index (identity for IPv6). */
export function fromIndex(family: IPFamily, index: bigint): bigint {
  if (family === 'IPv6') return index;
  return (index / 254n) * 256n + (index % 254n) + 1n;
}

/** Index range of the allocatable addresses inside an address range, or undefined when it holds none. */
export function indexRange(family: IPFamily, start: bigint, end: bigint): { start: bigint; end: bigint } | undefined {
  if (family === 'IPv6') return { start, end };
  let s = start;
  const sl = s & 255n;
  if (sl === 0n) s += 1n;
  else if (sl === 255n) s += 2n;
  let e = end;
  const el = e & 255n;
  if (el === 255n) e -= 1n;
  else if (el === 0n) e -= 2n;
  if (s > e) return undefined;
  return { start: toIndex(family, s), end: toIndex(family, e) };
}

/** Address family of an IP address or pool. */
export type IPFamily = 'IPv4' | 'IPv6';

/** Returns the family of a textual IP address, or undefined when it is not one. */
export function familyOf(address: string): IPFamily | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return 'IPv4';
  if (address.includes(':')) return 'IPv6';
  return undefined;
}

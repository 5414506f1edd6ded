// Kubernetes object validation for what we generate: the subset of apimachinery's rules that our objects touch.
// Name, label key and label value rules are kube-core's; port rules and the Service/EndpointSlice checks are here.
import { familyOf } from '@kube-vip-gw/ipam';
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from '@kube-vip-gw/kube-core';
import type { EndpointSlice, Service, ServicePort } from '@kube-vip-gw/gateway-model';

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A TCP/UDP port number. */
export function isPortNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** A port name (IANA_SVC_NAME): at most 15 characters, lowercase alphanumerics and '-', at least one letter, no '--'. */
export function isPortName(s: string): boolean {
  return s.length <= 15 && IANA_SVC_NAME.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

function checkMap(where: string, map: unknown, checkValue: boolean, errors: string[]): void {
  if (map === undefined) return;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    errors.push(`${where}: not a map`);
    return;
  }
  for (const [k, v] of Object.entries(map)) {
    if (!isQualifiedName(k)) errors.push(`${where}: invalid key ${JSON.stringify(k)}`);
    if (typeof v !== 'string') errors.push(`${where}[${k}]: value is not a string`);
    else if (checkValue && !isLabelValue(v)) errors.push(`${where}[${k}]: invalid label value ${JSON.stringify(v)}`);
  }
}

function checkPort(where: string, port: ServicePort, errors: string[]): void {
  if (!isPortNumber(port.port)) errors.push(`${where}.port: ${JSON.stringify(port.port)} is not a port number`);
  if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol))
    errors.push(`${where}.protocol: ${JSON.stringify(port.protocol)} is not TCP, UDP or SCTP`);
  const tp = port.targetPort;
  if (typeof tp === 'number' && !isPortNumber(tp)) errors.push(`${where}.targetPort: ${tp} is not a port number`);
  if (typeof tp === 'string' && !isPortName(tp)) errors.push(`${where}.targetPort: ${JSON.stringify(tp)} is not a port name`);
  if (port.name !== undefined && port.name !== '' && !isPortName(port.name))
    errors.push(`${where}.name: ${JSON.stringify(port.name)} is not a valid port name`);
  if (port.nodePort !== undefined) errors.push(`${where}.nodePort: allocated by the API server, must not be set`);
}

/** Problems with a Service we are about to write (empty when valid). */
export function validateService(svc: Service): string[] {
  const errors: string[] = [];
  const m = svc.metadata;
  if (!isDns1035Label(m.name)) errors.push(`metadata.name: ${JSON.stringify(m.name)} is not a DNS-1035 label`);
  if (m.namespace === undefined || !isDns1123Label(m.namespace))
    errors.push(`metadata.namespace: ${JSON.stringify(m.namespace)} is not a DNS-1123 label`);
  checkMap('metadata.labels', m.labels, true, errors);
  checkMap('metadata.annotations', m.annotations, false, errors);
  const spec = svc.spec;
  if (spec === undefined) return [...errors, 'spec: missing'];
  for (const forbidden of ['clusterIP', 'clusterIPs', 'healthCheckNodePort'] as const)
    if (spec[forbidden] !== undefined) errors.push(`spec.${forbidden}: allocated by the API server, must not be set`);
  checkMap('spec.selector', spec.selector, true, errors);
  const ports = spec.ports ?? [];
  if (ports.length === 0) errors.push('spec.ports: a LoadBalancer Service needs at least one port');
  ports.forEach((p, i) => checkPort(`spec.ports[${i}]`, p, errors));
  const names = ports.map((p) => p.name ?? '');
  if (ports.length > 1 && names.some((n) => n === '')) errors.push('spec.ports: every port must be named when there are several');
  if (new Set(names).size !== names.length) errors.push('spec.ports: port names must be unique');
  const keys = ports.map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
  if (new Set(keys).size !== keys.length) errors.push('spec.ports: port and protocol pairs must be unique');
  return errors;
}

/** Problems with an EndpointSlice we are about to write (empty when valid). */
export function validateEndpointSlice(slice: EndpointSlice): string[] {
  const errors: string[] = [];
  const m = slice.metadata;
  if (!isDns1123Subdomain(m.name) || m.name.length > 63)
    errors.push(`metadata.name: ${JSON.stringify(m.name)} is not a DNS-1123 name of at most 63 characters`);
  if (m.namespace === undefined || !isDns1123Label(m.namespace))
    errors.push(`metadata.namespace: ${JSON.stringify(m.namespace)} is not a DNS-1123 label`);
  checkMap('metadata.labels', m.labels, true, errors);
  checkMap('metadata.annotations', m.annotations, false, errors);
  if (!['IPv4', 'IPv6'].includes(slice.addressType)) errors.push(`addressType: ${JSON.stringify(slice.addressType)} is not IPv4 or IPv6`);
  if (slice.endpoints.length > 1000) errors.push(`endpoints: ${slice.endpoints.length} exceeds 1000`);
  slice.endpoints.forEach((e, i) => {
    if (e.addresses.length < 1 || e.addresses.length > 100) errors.push(`endpoints[${i}].addresses: must hold 1 to 100 addresses`);
    for (const a of e.addresses)
      if (familyOf(a) !== slice.addressType) errors.push(`endpoints[${i}].addresses: ${JSON.stringify(a)} is not an ${slice.addressType} address`);
  });
  (slice.ports ?? []).forEach((p, i) => {
    if (p.port !== undefined && !isPortNumber(p.port)) errors.push(`ports[${i}].port: ${p.port} is not a port number`);
    if (p.name !== undefined && p.name !== '' && !isPortName(p.name)) errors.push(`ports[${i}].name: ${JSON.stringify(p.name)} is invalid`);
  });
  return errors;
}

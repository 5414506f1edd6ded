// Hostile input for a live controller: objects the API server's schema accepts but that make no sense to an L4
// implementation, each drawn by fast-check from a seed, and each with the evidence the controller must leave for its
// user (a condition or an Event that names the offending input). A case whose objects the API server refuses is
// counted and dropped: the schema already protects the controller from it.
import fc from 'fast-check';
import type { Condition, ConfigMap, Gateway, KubeObject, L4Route, Service } from '@kube-vip-gw/gateway-model';
import { R, type ApiResource } from '../../e2e/support/kube-rest.js';

/** What the evidence checks read: everything in the hostile namespace, read once per poll. */
export interface HostileState {
  gateways: Map<string, Gateway>;
  routes: Map<string, L4Route>;
  services: Service[];
  events: { regarding?: { kind?: string; name?: string }; reason?: string; note?: string }[];
}

/** One generated case. */
export interface HostileCase {
  readonly kind: string;
  /** What was fed in, for the failure message and the report. */
  readonly input: string;
  readonly objects: readonly { res: ApiResource; obj: KubeObject }[];
  /** undefined when the evidence is there, else what is missing. */
  readonly evidence: (s: HostileState) => string | undefined;
}

const GW_CLASS = 'kube-vip';
const CONTROLLER = 'kube-vip.io/controller';

const cond = (conditions: readonly Condition[] | undefined, type: string) => conditions?.find((c) => c.type === type);
const describe = (c: Condition | undefined) => (c ? `${c.type}=${c.status}/${c.reason} "${c.message}"` : 'absent');
const names = (message: string | undefined, token: string) => message !== undefined && (message.includes(token) || message.includes(JSON.stringify(token)));
// Strategy names are matched case-insensitively, and the controller quotes the name lower-cased.
const namesIgnoringCase = (message: string | undefined, token: string) => names(message?.toLowerCase(), token.toLowerCase());

function gatewayObject(ns: string, name: string, spec: Partial<Gateway['spec']> = {}): { res: ApiResource; obj: KubeObject } {
  return { res: R.Gateway, obj: { metadata: { namespace: ns, name }, spec: { gatewayClassName: GW_CLASS, listeners: [{ name: 'tcp', protocol: 'TCP', port: 80 }], ...spec } } };
}

function backend(ns: string, name: string, protocol: 'TCP' | 'UDP' = 'TCP'): { res: ApiResource; obj: KubeObject } {
  return { res: R.Service, obj: { metadata: { namespace: ns, name }, spec: { selector: { app: name }, ports: [{ name: 'p', port: 9000, protocol, targetPort: 9100 }] } } };
}

function routeObject(kind: 'TCPRoute' | 'UDPRoute', ns: string, name: string, spec: L4Route['spec'], annotations?: Record<string, string>): { res: ApiResource; obj: KubeObject } {
  return { res: R[kind], obj: { metadata: { namespace: ns, name, ...(annotations ? { annotations } : {}) }, spec } };
}

function gatewayCondition(s: HostileState, name: string, type: string, reason: string, token: string): string | undefined {
  const c = cond(s.gateways.get(name)?.status?.conditions, type);
  return c?.reason === reason && c.status !== 'True' && names(c.message, token) ? undefined : `Gateway ${name}: want ${type}/${reason} naming ${JSON.stringify(token)}, have ${describe(c)}`;
}

function parentCondition(s: HostileState, route: string, type: string, reason: string, token: string): string | undefined {
  const parent = s.routes.get(route)?.status?.parents?.find((p) => p.controllerName === CONTROLLER);
  const c = cond(parent?.conditions, type);
  return c?.reason === reason && c.status === 'False' && names(c.message, token) ? undefined : `route ${route}: want ${type}=False/${reason} naming ${JSON.stringify(token)}, have ${describe(c)}`;
}

/** A Warning Event about the Gateway, or a listener condition, whose text names the token. */
function reported(s: HostileState, gateway: string, token: string, match = names): string | undefined {
  const gw = s.gateways.get(gateway);
  const inListeners = (gw?.status?.listeners ?? []).some((l) => l.conditions.some((c) => c.status !== 'True' && match(c.message, token)));
  const inEvents = s.events.some((e) => e.regarding?.kind === 'Gateway' && e.regarding.name === gateway && match(e.note, token));
  if (inListeners || inEvents) return undefined;
  const seen = [
    ...(gw?.status?.listeners ?? []).flatMap((l) => l.conditions.filter((c) => c.status !== 'True').map((c) => `${l.name}: ${describe(c)}`)),
    ...s.events.filter((e) => e.regarding?.name === gateway).map((e) => `Event ${e.reason}: ${e.note}`),
  ];
  return `Gateway ${gateway}: no Event or listener condition names ${JSON.stringify(token)}; seen: ${seen.join(' | ') || 'nothing'}`;
}

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);

/** Generates `perKind` cases of every kind from `seed`; names are unique per case index. */
export function hostileCases(seed: number, perKind: number, ns: string, otherNs: string, takenAddress: string): HostileCase[] {
  const sample = <T>(arb: fc.Arbitrary<T>, salt: number) => fc.sample(arb, { seed: seed + salt, numRuns: perKind });
  const cases: HostileCase[] = [];
  const add = (kind: string, input: string, objects: HostileCase['objects'], evidence: HostileCase['evidence']) => cases.push({ kind, input, objects, evidence });

  // Listener protocols an L4 implementation does not serve.
  sample(fc.oneof(fc.constant('HTTP'), dnsLabel.map((l) => `example.com/${l}`)), 1).forEach((protocol, i) => {
    const gw = `proto-${i}`;
    add('unsupported listener protocol', protocol, [gatewayObject(ns, gw, { listeners: [{ name: 'l', protocol, port: 8080 }, { name: 'tcp', protocol: 'TCP', port: 81 }] })], (s) => {
      const c = cond(s.gateways.get(gw)?.status?.listeners?.find((l) => l.name === 'l')?.conditions, 'Accepted');
      return c?.reason === 'UnsupportedProtocol' && names(c.message, protocol) ? undefined : `Gateway ${gw} listener l: want UnsupportedProtocol naming ${protocol}, have ${describe(c)}`;
    });
  });

  // A requested address outside every pool, and one another Gateway holds.
  sample(fc.ipV4().filter((a) => !a.startsWith('10.64.')), 2).forEach((address, i) => {
    const gw = `outside-${i}`;
    add('requested address outside the pool', address, [gatewayObject(ns, gw, { addresses: [{ type: 'IPAddress', value: address }] })], (s) => gatewayCondition(s, gw, 'Programmed', 'AddressNotUsable', address));
  });
  for (let i = 0; i < perKind; i++) {
    const gw = `taken-${i}`;
    add('requested address of another Gateway', takenAddress, [gatewayObject(ns, gw, { addresses: [{ type: 'IPAddress', value: takenAddress }] })], (s) => gatewayCondition(s, gw, 'Programmed', 'AddressNotUsable', takenAddress));
  }

  // Address types this implementation does not support.
  sample(fc.oneof(fc.domain().map((d) => ({ type: 'Hostname', value: d.toLowerCase() })), dnsLabel.map((l) => ({ type: 'NamedAddress', value: l })), dnsLabel.map((l) => ({ type: `example.com/${l}`, value: l }))), 3).forEach((address, i) => {
    const gw = `addrtype-${i}`;
    add('unsupported address type', `${address.type} ${address.value}`, [gatewayObject(ns, gw, { addresses: [address] })], (s) => gatewayCondition(s, gw, 'Accepted', 'UnsupportedAddress', address.type));
  });

  // 253-character Gateway, listener and route names: everything derived from them must still be a valid name.
  const longName = (prefix: string) =>
    fc.array(dnsLabel, { minLength: 30, maxLength: 40 }).map((labels) => {
      const base = `${prefix}.${labels.join('.')}`;
      const full = base.length >= 253 ? base.slice(0, 253) : `${base}.${'a'.repeat(252 - base.length)}`;
      return `${full.slice(0, 252)}z`; // exactly 253 characters, ending in an alphanumeric
    });
  sample(fc.tuple(longName('g'), longName('l'), longName('r')), 4).forEach(([gwName, listener, routeName], i) => {
    const be = `long-be-${i}`;
    add(
      '253-character names',
      `Gateway ${gwName.slice(0, 20)}... (${gwName.length}), listener (${listener.length}), route (${routeName.length})`,
      [
        backend(ns, be),
        gatewayObject(ns, gwName, { listeners: [{ name: listener, protocol: 'TCP', port: 80 }] }),
        routeObject('TCPRoute', ns, routeName, { parentRefs: [{ name: gwName, sectionName: listener }], rules: [{ backendRefs: [{ name: be, port: 9000 }] }] }, { 'kube-vip.io/service-behaviour': 'duplicate' }),
      ],
      (s) => {
        const gw = s.gateways.get(gwName);
        const programmed = cond(gw?.status?.conditions, 'Programmed');
        if (programmed?.status !== 'True') return `long-named Gateway ${i}: Programmed is ${describe(programmed)}`;
        const svc = s.services.find((x) => x.metadata.ownerReferences?.some((o) => o.uid === gw?.metadata.uid));
        if (!svc) return `long-named Gateway ${i}: no Service`;
        const label = svc.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] ?? '';
        return svc.metadata.name.length <= 63 && label.length <= 63 ? undefined : `long-named Gateway ${i}: Service name ${svc.metadata.name} / label ${label} too long`;
      },
    );
  });

  // Unicode in spec.infrastructure annotations: copied onto the Services exactly.
  sample(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), 5).forEach((text, i) => {
    const gw = `unicode-${i}`;
    const be = `unicode-be-${i}`;
    add(
      'unicode infrastructure annotation',
      JSON.stringify(text),
      [
        backend(ns, be),
        gatewayObject(ns, gw, { infrastructure: { annotations: { 'example.com/note': text }, labels: { team: 'blue' } } }),
        routeObject('TCPRoute', ns, `unicode-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: be, port: 9000 }] }] }, { 'kube-vip.io/service-behaviour': 'duplicate' }),
      ],
      (s) => {
        const uid = s.gateways.get(gw)?.metadata.uid;
        const svc = s.services.find((x) => x.metadata.ownerReferences?.some((o) => o.uid === uid));
        return svc?.metadata.annotations?.['example.com/note'] === text ? undefined : `Gateway ${gw}: Service annotation is ${JSON.stringify(svc?.metadata.annotations?.['example.com/note'])}`;
      },
    );
  });

  // Unicode (and other nonsense) as a route's strategy name.
  sample(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((t) => t.trim() !== '' && !['duplicate', 'create', 'update', 'endpoints', 'auto'].includes(t.trim())), 6).forEach((strategy, i) => {
    const gw = `strategy-${i}`;
    const be = `strategy-be-${i}`;
    add(
      'unknown strategy name',
      JSON.stringify(strategy),
      [backend(ns, be), gatewayObject(ns, gw), routeObject('TCPRoute', ns, `strategy-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: be, port: 9000 }] }] }, { 'kube-vip.io/service-behaviour': strategy })],
      (s) => reported(s, gw, strategy.trim(), namesIgnoringCase),
    );
  });

  // Infrastructure labels that would overwrite the controller's own bookkeeping labels.
  sample(fc.tuple(fc.constantFrom('app.kubernetes.io/managed-by', 'implementation', 'gateway.networking.k8s.io/gateway-name'), dnsLabel), 7).forEach(([key, value], i) => {
    const gw = `reserved-${i}`;
    const be = `reserved-be-${i}`;
    add(
      'reserved infrastructure label',
      `${key}=${value}`,
      [backend(ns, be), gatewayObject(ns, gw, { infrastructure: { labels: { [key]: value } } }), routeObject('TCPRoute', ns, `reserved-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: be, port: 9000 }] }] }, { 'kube-vip.io/service-behaviour': 'duplicate' })],
      (s) => reported(s, gw, key),
    );
  });

  // Routes that cannot attach or resolve.
  sample(dnsLabel, 8).forEach((section, i) => {
    const gw = `section-${i}`;
    add('route names a missing listener', section, [gatewayObject(ns, gw), routeObject('TCPRoute', ns, `section-${i}`, { parentRefs: [{ name: gw, sectionName: `no-${section}` }], rules: [{ backendRefs: [{ name: 'x', port: 1 }] }] })], (s) =>
      parentCondition(s, `section-${i}`, 'Accepted', 'NoMatchingParent', `no-${section}`),
    );
  });
  sample(dnsLabel, 9).forEach((svc, i) => {
    const gw = `missing-be-${i}`;
    add('backend Service missing', svc, [gatewayObject(ns, gw), routeObject('TCPRoute', ns, `missing-be-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: `gone-${svc}`, port: 80 }] }] })], (s) =>
      parentCondition(s, `missing-be-${i}`, 'ResolvedRefs', 'BackendNotFound', `gone-${svc}`),
    );
  });
  sample(fc.stringMatching(/^[A-Z][a-zA-Z]{0,12}$/), 10).forEach((kind, i) => {
    const gw = `kind-${i}`;
    add('backend of an unsupported kind', `example.com/${kind}`, [gatewayObject(ns, gw), routeObject('TCPRoute', ns, `kind-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ group: 'example.com', kind, name: 'thing', port: 80 }] }] })], (s) =>
      parentCondition(s, `kind-${i}`, 'ResolvedRefs', 'InvalidKind', kind),
    );
  });
  for (let i = 0; i < perKind; i++) {
    const gw = `crossns-${i}`;
    add('backend in another namespace without a ReferenceGrant', otherNs, [gatewayObject(ns, gw), routeObject('TCPRoute', ns, `crossns-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: 'secret-svc', namespace: otherNs, port: 80 }] }] })], (s) =>
      parentCondition(s, `crossns-${i}`, 'ResolvedRefs', 'RefNotPermitted', otherNs),
    );
  }
  for (let i = 0; i < perKind; i++) {
    const gw = `kindmix-${i}`;
    add('UDPRoute on a TCP listener', 'UDPRoute -> TCP', [gatewayObject(ns, gw), routeObject('UDPRoute', ns, `kindmix-${i}`, { parentRefs: [{ name: gw, sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'x', port: 1 }] }] })], (s) =>
      parentCondition(s, `kindmix-${i}`, 'Accepted', 'NotAllowedByListeners', 'tcp'),
    );
  }

  // Parameters that make no sense, or that do not exist.
  sample(fc.tuple(fc.constantFrom('serviceBehaviour', 'ipFamilyPolicy', 'externalTrafficPolicy', 'colour'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })), 11).forEach(([key, value], i) => {
    const gw = `params-${i}`;
    const cm = `params-${i}`;
    add('invalid parameters', `${key}: ${JSON.stringify(value)}`, [{ res: R.ConfigMap, obj: { metadata: { namespace: ns, name: cm }, data: { [key]: value } } as ConfigMap }, gatewayObject(ns, gw, { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: cm } } })], (s) =>
      gatewayCondition(s, gw, 'Accepted', 'InvalidParameters', key),
    );
  });
  sample(dnsLabel, 12).forEach((name, i) => {
    const gw = `noparams-${i}`;
    add('parameters ConfigMap missing', `nope-${name}`, [gatewayObject(ns, gw, { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: `nope-${name}` } } })], (s) =>
      gatewayCondition(s, gw, 'Accepted', 'InvalidParameters', `nope-${name}`),
    );
  });

  // A create-strategy route whose selector annotation is malformed.
  sample(fc.constantFrom('==', 'a=b=c', '{"matchLabels":', '!!', 'app in (x'), 13).forEach((selector, i) => {
    const gw = `selector-${i}`;
    const be = `selector-be-${i}`;
    add('malformed route selector', selector, [backend(ns, be), gatewayObject(ns, gw), routeObject('TCPRoute', ns, `selector-${i}`, { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: be, port: 9000 }] }] }, { 'kube-vip.io/service-behaviour': 'create', 'kube-vip.io/route-selector': selector })], (s) =>
      reported(s, gw, selector),
    );
  });
  return cases;
}

/** Reads the hostile namespace once. */
export async function readHostileState(admin: import('../../e2e/support/kube-rest.js').KubeRest, ns: string): Promise<HostileState> {
  const gateways = new Map((await admin.list<Gateway>(R.Gateway, ns)).map((g) => [g.metadata.name, g]));
  const routes = new Map<string, L4Route>();
  for (const kind of ['TCPRoute', 'UDPRoute'] as const) for (const r of await admin.list<L4Route>(R[kind], ns)) routes.set(r.metadata.name, r);
  const services = await admin.list<Service>(R.Service, ns);
  const events = await admin.list<KubeObject & HostileState['events'][number]>(R.Event, ns);
  return { gateways, routes, services, events };
}

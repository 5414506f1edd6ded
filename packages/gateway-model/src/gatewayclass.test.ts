import { describe, expect, it } from 'vitest';
import { CLAIMABLE_FEATURES, GATEWAY_EXISTS_FINALIZER } from './constants.js';
import { UnknownFeatureError } from './errors.js';
import {
  evaluateGatewayClass,
  isOurGatewayClass,
  isSupportedBundleVersion,
  parseFeatureNames,
  withFinalizer,
  type GatewayClassInput,
} from './gatewayclass.js';
import { CONTROLLER, LATER, NOW, gatewayClass } from './internal/fixtures.js';
import { parametersProblem, type ParametersLookup } from './parameters.js';
import type { ConfigMap, GatewayClass } from './types.js';

const configMap: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'params', namespace: 'kube-system' }, data: { strategy: 'duplicate' } };
const found: ParametersLookup = { found: true, object: configMap };

function input(overrides: Partial<GatewayClassInput> = {}, gc: GatewayClass = gatewayClass({}, null)): GatewayClassInput {
  return { controllerName: CONTROLLER, gatewayClass: gc, bundleVersion: 'v1.6.1', now: NOW, ...overrides };
}

function condition(i: GatewayClassInput, type: string) {
  return evaluateGatewayClass(i)?.status.conditions?.find((c) => c.type === type);
}

describe('GatewayClass Accepted', () => {
  it('is not ours when the controllerName differs: no status at all', () => {
    const foreign = gatewayClass({ spec: { controllerName: 'example.com/other' } }, null);
    expect(isOurGatewayClass(foreign, CONTROLLER)).toBe(false);
    expect(evaluateGatewayClass(input({}, foreign))).toBeUndefined();
  });

  const ref = (extra: object) => ({ spec: { controllerName: CONTROLLER, parametersRef: { group: '', kind: 'ConfigMap', name: 'params', ...extra } } });
  it.each<[string, Partial<GatewayClass>, ParametersLookup | undefined, string, string, RegExp]>([
    ['no parametersRef', {}, undefined, 'True', 'Accepted', /accepted by kube-vip\.io\/controller/],
    ['a ConfigMap that exists', ref({ namespace: 'kube-system' }), found, 'True', 'Accepted', /accepted/],
    ['a ConfigMap that does not exist', ref({ namespace: 'kube-system' }), { found: false }, 'False', 'InvalidParameters', /ConfigMap "kube-system\/params": not found/],
    ['lookup not done', ref({ namespace: 'kube-system' }), undefined, 'False', 'InvalidParameters', /not found/],
    ['a namespaced kind without namespace', ref({}), found, 'False', 'InvalidParameters', /namespace is required for a namespaced kind/],
    [
      'an unsupported kind',
      { spec: { controllerName: CONTROLLER, parametersRef: { group: 'invalid.io', kind: 'InvalidParameters', name: 'x' } } },
      undefined,
      'False',
      'InvalidParameters',
      /invalid\.io\/InvalidParameters "x": unsupported kind \(supported: ConfigMap\)/,
    ],
  ])('%s', (_name, overrides, parameters, status, reason, message) => {
    const gc = gatewayClass(overrides, null);
    const c = condition(input(parameters === undefined ? {} : { parameters }, gc), 'Accepted');
    expect(c).toMatchObject({ status, reason, observedGeneration: 1, lastTransitionTime: NOW });
    expect(c?.message).toMatch(message);
    expect(evaluateGatewayClass(input(parameters === undefined ? {} : { parameters }, gc))?.accepted).toBe(status === 'True');
  });

  it('reports malformed parameter data through the caller-supplied validator', () => {
    const gc = gatewayClass(ref({ namespace: 'kube-system' }), null);
    const c = condition(input({ parameters: found, parametersOptions: { validate: (o) => ((o as ConfigMap).data?.strategy === 'bogus' ? undefined : 'strategy must be "bogus"') } }, gc), 'Accepted');
    expect(c).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
    expect(c?.message).toMatch(/strategy must be "bogus"/);
  });

  it('tracks the class generation (GatewayClassObservedGenerationBump)', () => {
    const first = evaluateGatewayClass(input());
    const bumped = gatewayClass({ metadata: { name: 'kube-vip', generation: 2 }, status: first?.status }, null);
    const second = evaluateGatewayClass(input({ now: LATER }, bumped));
    for (const c of second?.status.conditions ?? []) expect(c.observedGeneration).toBe(2);
    expect(second?.status.conditions?.find((c) => c.type === 'Accepted')?.lastTransitionTime).toBe(NOW);
    expect(second?.changed).toBe(true);
  });

  it('reports no change when re-evaluated on its own output', () => {
    const first = evaluateGatewayClass(input());
    const again = evaluateGatewayClass(input({ now: LATER }, gatewayClass({ status: first?.status }, null)));
    expect(again?.changed).toBe(false);
  });

  it('keeps conditions of other types and the CRD default is replaced', () => {
    const existing = gatewayClass(
      {
        status: {
          conditions: [
            { type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z' },
            { type: 'example.com/Extra', status: 'True', reason: 'X', message: '', lastTransitionTime: NOW },
          ],
        },
      },
      null,
    );
    const types = evaluateGatewayClass(input({}, existing))?.status.conditions?.map((c) => `${c.type}=${c.status}`);
    expect(types).toEqual(['Accepted=True', 'example.com/Extra=True', 'SupportedVersion=True']);
  });
});

describe('GatewayClass SupportedVersion', () => {
  it.each<[string | undefined, string, string, RegExp]>([
    ['v1.6.1', 'True', 'SupportedVersion', /bundle version v1\.6\.1 is supported \(supported: v1\.6\.x\)/],
    ['v1.6.0', 'True', 'SupportedVersion', /supported/],
    ['v1.6.0-rc.1', 'True', 'SupportedVersion', /supported/],
    ['v1.5.1', 'False', 'UnsupportedVersion', /bundle version v1\.5\.1 is not supported \(supported: v1\.6\.x\)/],
    ['v1.7.0', 'False', 'UnsupportedVersion', /v1\.7\.0 is not supported/],
    ['v1.60.0', 'False', 'UnsupportedVersion', /not supported/],
    ['garbage', 'False', 'UnsupportedVersion', /garbage is not supported/],
    [undefined, 'False', 'UnsupportedVersion', /no bundle-version annotation found/],
  ])('bundle version %s -> %s/%s, class still accepted (best effort)', (bundleVersion, status, reason, message) => {
    const evaluation = evaluateGatewayClass(input({ bundleVersion }));
    const c = evaluation?.status.conditions?.find((x) => x.type === 'SupportedVersion');
    expect(c).toMatchObject({ status, reason, observedGeneration: 1 });
    expect(c?.message).toMatch(message);
    expect(evaluation?.accepted).toBe(true);
  });

  it('accepts a custom list of supported minors', () => {
    expect(isSupportedBundleVersion('v1.7.2', ['v1.6', 'v1.7'])).toBe(true);
    expect(isSupportedBundleVersion('v1.7.2')).toBe(false);
  });
});

describe('GatewayClass supportedFeatures', () => {
  it('claims every implemented feature by default, sorted', () => {
    const names = evaluateGatewayClass(input())?.status.supportedFeatures?.map((f) => f.name);
    expect(names).toEqual([
      'Gateway',
      'GatewayAddressEmpty',
      'GatewayInfrastructurePropagation',
      'GatewayStaticAddresses',
      'ReferenceGrant',
      'TCPRoute',
      'UDPRoute',
    ]);
    expect(CLAIMABLE_FEATURES).toEqual(names);
  });
  it('claims fewer when asked, sorted and deduplicated', () => {
    const names = evaluateGatewayClass(input({ supportedFeatures: ['UDPRoute', 'Gateway', 'TCPRoute', 'Gateway'] }))?.status.supportedFeatures;
    expect(names).toEqual([{ name: 'Gateway' }, { name: 'TCPRoute' }, { name: 'UDPRoute' }]);
  });
  it('publishes features in the same update as Accepted (GEP-2162)', () => {
    const status = evaluateGatewayClass(input())?.status;
    expect(status?.supportedFeatures?.length).toBeGreaterThan(0);
    expect(status?.conditions?.find((c) => c.type === 'Accepted')?.status).toBe('True');
  });
  it.each([
    [['TCPRoute', 'Gateway'], { ok: true, value: ['Gateway', 'TCPRoute'] }],
    [[], { ok: true, value: [] }],
  ])('parseFeatureNames(%j)', (names, expected) => {
    expect(parseFeatureNames(names)).toEqual(expected);
  });
  it('parseFeatureNames rejects features we do not implement, naming them', () => {
    const result = parseFeatureNames(['Gateway', 'HTTPRoute']);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(UnknownFeatureError);
      expect(result.error.message).toMatch(/feature "HTTPRoute" is not implemented/);
    }
  });
});

describe('parametersProblem for a Gateway (local reference)', () => {
  it.each<[string, { group: string; kind: string; name: string }, ParametersLookup | undefined, RegExp | undefined]>([
    ['existing ConfigMap', { group: '', kind: 'ConfigMap', name: 'p' }, found, undefined],
    ['missing ConfigMap', { group: '', kind: 'ConfigMap', name: 'p' }, { found: false }, /ConfigMap "p": not found/],
    ['unsupported kind (conformance GatewayInvalidParametersRef)', { group: 'invalid.io', kind: 'InvalidParameters', name: 'x' }, undefined, /unsupported kind/],
  ])('%s', (_n, ref, lookup, expected) => {
    const problem = parametersProblem(ref, lookup, 'local');
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
  it('rejects a cluster-scoped kind for a Gateway, and a namespace on a cluster-scoped class reference', () => {
    const kinds = [{ group: 'example.io', kind: 'Cluster', namespaced: false }];
    expect(parametersProblem({ group: 'example.io', kind: 'Cluster', name: 'c' }, found, 'local', { kinds })).toMatch(/namespaced kind/);
    expect(parametersProblem({ group: 'example.io', kind: 'Cluster', name: 'c', namespace: 'x' }, found, 'class', { kinds })).toMatch(/must not be set/);
    expect(parametersProblem({ group: 'example.io', kind: 'Cluster', name: 'c' }, found, 'class', { kinds })).toBeUndefined();
  });
});

describe('withFinalizer', () => {
  it.each<[string[] | undefined, boolean, string[]]>([
    [undefined, true, [GATEWAY_EXISTS_FINALIZER]],
    [['a'], true, ['a', GATEWAY_EXISTS_FINALIZER]],
    [[GATEWAY_EXISTS_FINALIZER, 'a'], true, [GATEWAY_EXISTS_FINALIZER, 'a']],
    [['a', GATEWAY_EXISTS_FINALIZER], false, ['a']],
    [[GATEWAY_EXISTS_FINALIZER, GATEWAY_EXISTS_FINALIZER], true, [GATEWAY_EXISTS_FINALIZER]],
    [undefined, false, []],
  ])('%j present=%s -> %j', (list, present, expected) => {
    expect(withFinalizer(list, GATEWAY_EXISTS_FINALIZER, present)).toEqual(expected);
  });
});
